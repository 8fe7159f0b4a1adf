// What fwd sets up for the sandbox when it starts: the cgroup2 root flag favordynmods (so that
// attaching an instance to its cgroup does not wait for an RCU grace period), and the one
// long-lived spawner (`fw-sandbox serve`) that forks every instance's supervisor, which fwd
// replaces when it dies and which dies with fwd. Needs root, and runs alone (RUN_SERIAL): it
// turns a host-wide kernel flag off and on, and puts it back as it was at the end.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
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

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

int parentOf(int pid) {
    std::string status = slurp("/proc/" + std::to_string(pid) + "/status");
    auto at = status.find("PPid:\t");
    return at == std::string::npos ? -1 : std::atoi(status.c_str() + at + 6);
}

// Children of `parent` running fw-sandbox. The supervisors a spawner forks keep its command
// line; fwd's own fw-sandbox children are its spawner (`serve`) and short clean-up helpers.
std::vector<int> sandboxChildren(int parent, const char* command = nullptr) {
    std::vector<int> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
        std::string name = e.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        int pid = std::stoi(name);
        if (parentOf(pid) != parent) continue;
        auto exe = std::filesystem::read_symlink(e.path() / "exe", ec);
        if (ec || exe != std::filesystem::path(FW_SANDBOX_BIN)) continue;
        std::string cmd = slurp(e.path() / "cmdline");
        for (int i = 0; i < 100 && cmd.empty(); ++i) {  // an exec still setting up its arguments
            ::usleep(1000);
            cmd = slurp(e.path() / "cmdline");
        }
        if (!command || cmd.find(std::string(command) + '\0') != std::string::npos) out.push_back(pid);
    }
    return out;
}

// Gone, or a zombie waiting for init to reap it.
bool exited(int pid) {
    for (int i = 0; i < 250; ++i) {
        std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
        auto close = stat.rfind(") ");
        if (stat.empty() || (close != std::string::npos && stat[close + 2] == 'Z')) return true;
        ::usleep(20000);
    }
    return false;
}

TEST(FwdSpawner, OneSpawnerIsReplacedWhenItDiesAndEndsWithFwd) {
    ASSERT_EQ(::geteuid(), 0u) << "needs root: fwd runs every function in fw-sandbox";
    TempDir dir;
    FwdProcess fwd(dir.path() / "data", {"--sandbox-binary", FW_SANDBOX_BIN, "--prewarm", "none"});
    fwd.start();
    auto c = fwd.client();
    auto spawners = sandboxChildren(fwd.pid(), "serve");
    ASSERT_EQ(spawners.size(), 1u) << "fwd starts one fw-sandbox serve";
    const std::string code = "def main(a):\n    return {'ok': True}\n";
    ASSERT_TRUE(c.putAction("first", actionBody("python:3", code), true));
    auto r = c.invokeAction("first", Json::object(), true, true);
    ASSERT_TRUE(r && r->status == 200) << (r ? r->body : r.error().message) << fwd.log();
    // Its warm instance's supervisor is the spawner's child, not fwd's.
    EXPECT_EQ(sandboxChildren(spawners[0]).size(), 1u);
    EXPECT_EQ(sandboxChildren(fwd.pid()), spawners);

    ASSERT_EQ(::kill(spawners[0], SIGKILL), 0);
    ASSERT_TRUE(c.putAction("second", actionBody("python:3", code), true));
    r = c.invokeAction("second", Json::object(), true, true);
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : r.error().message) << fwd.log();
    // Seen before the request ("has exited ...; starting a new one") or with it in flight ("died
    // while spawning ...", and the launch is retried): either way it is logged.
    EXPECT_NE(fwd.log().find("fw-sandbox serve (pid " + std::to_string(spawners[0]) + ") "), std::string::npos) << fwd.log();
    EXPECT_NE(fwd.log().find("(killed by SIGKILL)"), std::string::npos) << fwd.log();
    auto now = sandboxChildren(fwd.pid(), "serve");
    ASSERT_EQ(now.size(), 1u);
    EXPECT_NE(now[0], spawners[0]);
    // The instance started by the dead spawner still serves.
    r = c.invokeAction("first", Json::object(), true, true);
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : r.error().message);

    // fwd dies: the spawner sees its request socket close, the supervisors their control sockets.
    std::vector<int> supervisors;
    for (int s : {spawners[0], now[0]}) {
        for (int pid : sandboxChildren(s)) supervisors.push_back(pid);
    }
    // The first instance's supervisor was reparented when its spawner died.
    for (int pid : sandboxChildren(1)) supervisors.push_back(pid);
    fwd.kill9();
    EXPECT_TRUE(exited(now[0])) << "the spawner outlived fwd: pid " << now[0];
    for (int pid : supervisors) EXPECT_TRUE(exited(pid)) << "supervisor pid " << pid << " outlived fwd";
    EXPECT_EQ(fwd.waitForNoLeftovers(std::chrono::seconds(10)), std::vector<std::string>{});
}

}  // namespace
}  // namespace fw::test
