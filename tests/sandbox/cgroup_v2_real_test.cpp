// The v2 backend against a real cgroup2 hierarchy. On this project's machines the cgroup2 mount
// carries no memory/pids controller (they are bound to v1), so this checks everything v2 does
// that needs no controller: mkdir in the unified tree, attach, cpu.stat, cgroup.kill, rmdir.
// Limits and memory events are covered by the fake-tree unit tests (docs/sandbox.md).
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "fw/sandbox/cgroup.hpp"

namespace fw::sandbox {
namespace {

std::string findCgroup2() {
    std::ifstream in("/proc/self/mountinfo");
    std::stringstream ss;
    ss << in.rdbuf();
    for (const auto& m : parseCgroupMounts(ss.str())) {
        if (m.v2) return m.mountPoint;
    }
    return "";
}

TEST(CgroupV2Real, CreateAttachMeasureKillRemove) {
    std::string root = findCgroup2();
    ASSERT_FALSE(root.empty()) << "kernel feature missing: no cgroup2 hierarchy is mounted";
    struct stat st {};
    ASSERT_EQ(::stat((root + "/cgroup.procs").c_str(), &st), 0);
    auto backend = makeCgroupV2(root, realCgroupFs(), /*requireControllers=*/false);
    std::string parent = "fw-test-v2-" + std::to_string(::getpid());
    auto cg = backend->create(parent, "inst", limitsFor(128, 16));
    ASSERT_TRUE(cg) << cg.error().message;
    pid_t child = ::fork();
    if (child == 0) {
        // Burn a little CPU, then wait to be killed.
        auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
        while (std::chrono::steady_clock::now() < until) {
        }
        ::pause();
        ::_exit(0);
    }
    ASSERT_TRUE((*cg)->attach(child));
    ::usleep(300000);
    auto u = (*cg)->usage();
    ASSERT_TRUE(u) << u.error().message;
    EXPECT_GT(u->cpuTimeUs, 0);
    ASSERT_EQ(::stat(((*cg)->dirs()[0] + "/cgroup.kill").c_str(), &st), 0)
        << "kernel feature missing: cgroup.kill (Linux 5.14)";
    ASSERT_TRUE((*cg)->killAll());
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    ASSERT_TRUE((*cg)->remove());
    EXPECT_NE(::stat((*cg)->dirs()[0].c_str(), &st), 0);
    EXPECT_EQ(::rmdir((root + "/" + parent).c_str()), 0);
}

}  // namespace
}  // namespace fw::sandbox
