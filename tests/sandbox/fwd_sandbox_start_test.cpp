// What fwd sets up for the sandbox when it starts: the cgroup2 root flag favordynmods (so that
// attaching an instance to its cgroup does not wait for an RCU grace period). Needs root, and
// runs alone (RUN_SERIAL): it turns a host-wide kernel flag off and on, and puts it back as it
// was at the end.
#include <unistd.h>

#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fw/sandbox/cgroup.hpp"
#include "fwd_process.hpp"

namespace fw::test {
namespace {

// Mount id and mount point of every mount (their options change with the flag).
std::vector<std::string> mounts() {
    std::ifstream in("/proc/self/mountinfo");
    std::vector<std::string> out;
    for (std::string id, parent, dev, root, point, rest; in >> id >> parent >> dev >> root >> point;) {
        std::getline(in, rest);
        out.push_back(id + " " + point);
    }
    return out;
}

class FwdFavorDynmods : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(::geteuid(), 0u) << "needs root: fwd runs every function in fw-sandbox";
        before_ = sandbox::cgroupFavorDynmods();
        ASSERT_TRUE(before_) << "no cgroup2 mount in /proc/self/mountinfo or /proc/1/mountinfo: the test "
                                "cannot see the cgroup2 root flags (mount cgroup2 somewhere)";
        // Start from "off", so that what fwd does is visible. A kernel without favordynmods
        // (older than 6.1) is "already off" here and fails below, naming it.
        auto off = sandbox::setCgroupFavorDynmods(false);
        ASSERT_TRUE(off) << off.error().message;
    }
    void TearDown() override {
        if (before_) {
            auto r = sandbox::setCgroupFavorDynmods(*before_);
            EXPECT_TRUE(r) << "could not restore favordynmods: " << r.error().message;
        }
    }
    std::optional<bool> before_;
};

TEST_F(FwdFavorDynmods, FwdTurnsItOnWithoutLeavingAMount) {
    auto mountsBefore = mounts();
    TempDir dir;
    FwdProcess fwd(dir.path() / "data");
    fwd.start();
    auto on = sandbox::cgroupFavorDynmods();
    ASSERT_TRUE(on.has_value());
    EXPECT_TRUE(*on) << "fwd did not turn on the cgroup2 root flag favordynmods (kernel feature: Linux "
                        "6.1+, from the initial cgroup namespace); its log:\n"
                     << fwd.log();
    EXPECT_NE(fwd.log().find("cgroup: favordynmods turned on"), std::string::npos) << fwd.log();
    // No temporary mount (or mount point) was needed, so none is left.
    EXPECT_EQ(mounts(), mountsBefore);
    EXPECT_EQ(fwd.stop(), 0);
}

TEST_F(FwdFavorDynmods, OptOutLeavesItAloneAndSaysSo) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data", {"--cgroup-favor-dynmods=false"});
    fwd.start();
    EXPECT_EQ(sandbox::cgroupFavorDynmods(), std::optional<bool>(false));
    EXPECT_NE(fwd.log().find("favordynmods left as it is (--cgroup-favor-dynmods=false)"), std::string::npos)
        << fwd.log();
    EXPECT_EQ(fwd.stop(), 0);
}

}  // namespace
}  // namespace fw::test
