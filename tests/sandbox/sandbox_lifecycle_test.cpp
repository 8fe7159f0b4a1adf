// Lifecycle of an instance: setup errors reported with the failing call, kill() taking the whole
// instance (double-forked escapees included), usage while running, and clean-up after crashes of
// the supervisor or of the invoker itself.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace fw::test {
namespace {

struct Started {
    std::unique_ptr<invoker::Process> proc;
    int out = -1;  // read end of stdout
    ~Started() {
        proc.reset();
        if (out >= 0) ::close(out);
    }
};

// Starts `argv` and waits until it printed `readyLine` (so its setup is known to be done).
void start(Started& s, const std::vector<std::string>& argv, const std::string& readyLine, const std::string& id = newInstanceId()) {
    int out[2];
    ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
    invoker::LaunchSpec spec;
    spec.instanceId = id;
    spec.argv = argv;
    spec.env = {"PATH=/usr/bin:/bin"};
    spec.stdoutFd = out[1];
    spec.stderrFd = out[1];
    spec.memoryMb = 128;
    spec.pidsMax = 64;
    auto p = testLauncher().launch(spec);
    ::close(out[1]);
    s.out = out[0];
    ASSERT_TRUE(p) << p.error().message;
    s.proc = std::move(*p);
    std::string got;
    while (got.find(readyLine) == std::string::npos) {
        pollfd pf{s.out, POLLIN, 0};
        ASSERT_GT(::poll(&pf, 1, 10000), 0) << "no \"" << readyLine << "\" in " << got;
        char buf[256];
        ssize_t n = ::read(s.out, buf, sizeof buf);
        ASSERT_GT(n, 0) << got;
        got.append(buf, static_cast<std::size_t>(n));
    }
}

TEST(SandboxSetup, MissingProgramIsReportedWithCallAndErrno) {
    Outcome o = runToEnd({{"/nonexistent/prog", "arg"}});
    EXPECT_NE(o.launchError.find("execve(\"/nonexistent/prog\", [\"/nonexistent/prog\", \"arg\"]): No such file or directory"),
              std::string::npos)
        << o.launchError;
    EXPECT_TRUE(waitNoLeftovers().empty());
}

TEST(SandboxSetup, MissingBindSourceIsReportedWithCallAndErrno) {
    Job r{sh("true")};
    r.mounts = {{"/nonexistent-code-dir", "/code", true}};
    Outcome o = runToEnd(r);
    EXPECT_NE(o.launchError.find("lstat(\"/nonexistent-code-dir\"): No such file or directory"), std::string::npos) << o.launchError;
    EXPECT_TRUE(waitNoLeftovers().empty());
}

TEST(SandboxSetup, InvalidSpecIsRefused) {
    Job r{{"relative/path"}};
    Outcome o = runToEnd(r);
    EXPECT_NE(o.launchError.find("argv[0] must be an absolute path"), std::string::npos) << o.launchError;
    EXPECT_TRUE(waitNoLeftovers().empty());
}

TEST(SandboxMounts, CodeDirIsBoundReadOnlyAtItsTarget) {
    // The data dir is closed to every sandbox uid on the host (0700), the code inside it is
    // world-readable: bound as real root, it is reachable at /code and nothing else of the data
    // dir is.
    char tmpl[] = "/tmp/fw-data-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    std::string data = tmpl, dir = data + "/code";
    ::chmod(data.c_str(), 0700);
    ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
    std::ofstream(dir + "/main.py") << "print('from code')\n";
    std::ofstream(data + "/secret") << "other tenant\n";
    Job r{{"/usr/bin/python3", "-I", "-S", "/code/main.py"}};
    r.mounts = {{dir, "/code", true}};
    Outcome o = runToEnd(r);
    EXPECT_EQ(o.out, "from code\n") << describe(o);
    Job w{sh("echo x > /code/new 2>&1; ls /code; cat /code/../secret 2>&1; echo done")};
    w.mounts = r.mounts;
    o = runToEnd(w);
    EXPECT_NE(o.err.find("cannot create /code/new: Read-only file system"), std::string::npos) << describe(o);
    EXPECT_EQ(o.out.find("other tenant"), std::string::npos) << describe(o);
    ::unlink((dir + "/main.py").c_str());
    ::unlink((data + "/secret").c_str());
    ::rmdir(dir.c_str());
    ::rmdir(data.c_str());
    EXPECT_TRUE(waitNoLeftovers().empty());
}

TEST(SandboxKill, KillTakesTheWholeInstanceIncludingDoubleForkedEscapees) {
    {
        Started s;
        // The escapee leaves its parent and its session; the main process keeps running.
        start(s, sh("(setsid sleep 1001 &); echo up; sleep 1002"), "up");
        ASSERT_FALSE(hostPidsWithCmdline("sleep 1001").empty());
        s.proc->kill();
        pollfd pf{s.proc->exitFd(), POLLIN, 0};
        ASSERT_GT(::poll(&pf, 1, 5000), 0);
        int status = s.proc->reap();
        EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
    }
    EXPECT_TRUE(hostPidsWithCmdline("sleep 1001").empty());
    EXPECT_TRUE(hostPidsWithCmdline("sleep 1002").empty());
    auto left = waitNoLeftovers();
    EXPECT_TRUE(left.empty()) << left.front();
}

TEST(SandboxKill, EscapeeDiesWhenTheMainProcessExits) {
    Outcome o = runToEnd({sh("(setsid sleep 1003 &); echo started")});
    EXPECT_EQ(o.out, "started\n");
    EXPECT_TRUE(hostPidsWithCmdline("sleep 1003").empty());
    EXPECT_TRUE(waitNoLeftovers().empty());
}

TEST(SandboxKill, DestroyingAProcessKillsAndCleansUp) {
    {
        Started s;
        start(s, sh("echo up; exec sleep 1004"), "up");
    }
    EXPECT_TRUE(hostPidsWithCmdline("sleep 1004").empty());
    auto left = waitNoLeftovers();
    EXPECT_TRUE(left.empty()) << left.front();
}

TEST(SandboxUsage, UsageIsReadableWhileRunning) {
    Started s;
    start(s, py("import time\nb = bytearray(20 << 20)\nt = time.process_time()\nwhile time.process_time() - t < 0.2: pass\nprint('up', flush=True)\ntime.sleep(60)"), "up");
    auto u = s.proc->usage();
    EXPECT_GE(u.cpuTimeUs, 150000);
    EXPECT_GE(u.peakMemoryBytes, 20ll << 20);
    EXPECT_FALSE(u.oomKilled);
}

TEST(SandboxCrash, SupervisorKilledLeavesNothingBehind) {
    {
        Started s;
        start(s, sh("echo up; exec sleep 1005"), "up");
        // fw-sandbox itself dies (kill -9): the init follows by its parent-death signal, and
        // reap() removes the cgroup the supervisor could not.
        ::kill(s.proc->pid(), SIGKILL);
        pollfd pf{s.proc->exitFd(), POLLIN, 0};
        ASSERT_GT(::poll(&pf, 1, 5000), 0);
        s.proc->reap();
    }
    EXPECT_TRUE(hostPidsWithCmdline("sleep 1005").empty());
    auto left = waitNoLeftovers();
    EXPECT_TRUE(left.empty()) << left.front();
}

TEST(SandboxCrash, InvokerKilledLeavesNothingBehind) {
    // A child process plays fwd: it launches an instance and dies with SIGKILL. Its supervisor
    // sees the control socket close and takes the instance down. The options (whose names derive
    // from our pid) are made before the fork, so the child uses our cgroup parent and state dir
    // and the leftover checks see everything it made.
    const auto opts = testOptions();
    const std::string id = newInstanceId() + "-orphan";
    pid_t fwd = ::fork();
    ASSERT_GE(fwd, 0);
    if (fwd == 0) {
        auto launcher = invoker::makeSandboxLauncher(opts);
        if (!launcher) ::_exit(2);
        invoker::LaunchSpec spec;
        spec.instanceId = id;
        spec.argv = sh("(setsid sleep 1006 &); exec sleep 1007");
        spec.env = {"PATH=/usr/bin:/bin"};
        auto p = (*launcher)->launch(spec);
        if (!p) ::_exit(3);
        ::usleep(200000);
        ::kill(::getpid(), SIGKILL);
    }
    int status = 0;
    ::waitpid(fwd, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the fake fwd failed to launch: " << status;
    auto left = waitNoLeftovers(std::chrono::milliseconds(5000));
    EXPECT_TRUE(left.empty()) << left.front();
    EXPECT_TRUE(hostPidsWithCmdline("sleep 1006").empty());
    EXPECT_TRUE(hostPidsWithCmdline("sleep 1007").empty());
}

TEST(SandboxCrash, CleanupStaleRemovesWhatACrashLeft) {
    // Simulate a crash that left an instance cgroup with a live process in it.
    auto opts = testOptions();
    std::string id = newInstanceId() + "-stale";
    std::vector<std::string> dirs;
    for (const char* h : {"/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids"}) {
        std::string parent = std::string(h) + "/" + opts.cgroupParent;
        ::mkdir(parent.c_str(), 0755);
        dirs.push_back(parent + "/" + id);
        ASSERT_EQ(::mkdir(dirs.back().c_str(), 0755), 0) << dirs.back();
    }
    pid_t victim = ::fork();
    if (victim == 0) {
        ::execl("/bin/sleep", "sleep", "1008", nullptr);
        ::_exit(1);
    }
    for (const auto& d : dirs) std::ofstream(d + "/cgroup.procs") << victim;
    auto removed = invoker::cleanupStale(opts);
    ASSERT_TRUE(removed) << removed.error().message;
    EXPECT_EQ(*removed, 1);
    int status = 0;
    ASSERT_EQ(::waitpid(victim, &status, 0), victim);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    for (const auto& d : dirs) {
        struct stat st {};
        EXPECT_NE(::stat(d.c_str(), &st), 0) << d;
    }
    EXPECT_TRUE(waitNoLeftovers().empty());
}

TEST(SandboxConcurrency, InstancesAreIsolatedFromEachOther) {
    // Two instances at once: each sees only its own processes and its own /tmp.
    Started a;
    start(a, sh("echo secret > /tmp/a-secret; echo up; exec sleep 1009"), "up");
    Outcome b = runToEnd({sh("ls /tmp; ls /proc | grep -c '^[0-9]'; pgrep -c sleep || true")});
    EXPECT_EQ(b.out.find("a-secret"), std::string::npos) << b.out;
    EXPECT_NE(b.out.find("\n0\n"), std::string::npos) << b.out;  // no sleep visible
}

}  // namespace
}  // namespace fw::test
