// Lifecycle of an instance: setup errors reported with the failing call, kill() taking the whole
// instance (double-forked escapees included), usage while running, and clean-up after crashes of
// the supervisor or of the invoker itself.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "fw/common/json.hpp"
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

TEST(SandboxUsage, UsageIsReadWithoutWakingTheSupervisor) {
    // The supervisor passed the cgroup's counter files with "ready": usage() reads them itself.
    // A stopped supervisor could not answer a request (usage() would give up after 1 s with
    // zeros), so correct numbers from a stopped one show that none was sent.
    Started s;
    start(s, py("import time\nb = bytearray(20 << 20)\nprint('up', flush=True)\ntime.sleep(60)"), "up");
    ASSERT_EQ(::kill(s.proc->pid(), SIGSTOP), 0);
    auto t0 = std::chrono::steady_clock::now();
    auto u = s.proc->usage();
    auto took = std::chrono::steady_clock::now() - t0;
    ::kill(s.proc->pid(), SIGCONT);
    EXPECT_GE(u.peakMemoryBytes, 20ll << 20);
    EXPECT_GT(u.cpuTimeUs, 0);
    EXPECT_FALSE(u.oomKilled);
    EXPECT_LT(took, std::chrono::milliseconds(500));
    // After the end, the final usage comes from the exit report, as before.
    s.proc->kill();
    s.proc->reap();
    EXPECT_GE(s.proc->usage().peakMemoryBytes, 20ll << 20);
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
    int launched[2];
    ASSERT_EQ(::pipe2(launched, O_CLOEXEC), 0);
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
        (void)!::write(launched[1], "x", 1);
        ::usleep(200000);
        ::kill(::getpid(), SIGKILL);
    }
    ::close(launched[1]);
    char x;
    bool ok = ::read(launched[0], &x, 1) == 1;
    ::close(launched[0]);
    // The fake fwd's spawner and the supervisor it forked, seen while the fake fwd lives.
    auto spawners = ok ? spawnersOf(fwd) : std::vector<int>{};
    std::vector<int> supervisors;
    for (int pid : hostPidsWithCmdline(FW_SANDBOX_BIN)) {
        if (!spawners.empty() && parentOf(pid) == spawners[0]) supervisors.push_back(pid);
    }
    int status = 0;
    ::waitpid(fwd, &status, 0);
    ASSERT_TRUE(ok && WIFSIGNALED(status)) << "the fake fwd failed to launch: " << status;
    ASSERT_EQ(spawners.size(), 1u);
    EXPECT_EQ(supervisors.size(), 1u);
    auto left = waitNoLeftovers(std::chrono::milliseconds(5000));
    EXPECT_TRUE(left.empty()) << left.front();
    EXPECT_TRUE(hostPidsWithCmdline("sleep 1006").empty());
    EXPECT_TRUE(hostPidsWithCmdline("sleep 1007").empty());
    // The spawner saw its request socket close and exited; the supervisor saw its control
    // socket close, took the instance down and exited. Reparented, both are reaped by init
    // (whenever it gets to it: a zombie counts as gone).
    auto gone = [](int pid) {
        auto exited = [pid] {
            std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
            std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            auto close = stat.rfind(") ");
            return stat.empty() || (close != std::string::npos && stat[close + 2] == 'Z');
        };
        for (int i = 0; i < 250 && !exited(); ++i) ::usleep(20000);
        return exited();
    };
    EXPECT_TRUE(gone(spawners[0])) << "the spawner of a killed fwd is still there: pid " << spawners[0];
    for (int pid : supervisors) EXPECT_TRUE(gone(pid)) << "supervisor pid " << pid << " outlived its fwd";
}

TEST(SandboxSpawner, OneSpawnerForksEverySupervisorAndReapsIt) {
    testLauncher();
    auto spawners = spawnersOf(::getpid());
    ASSERT_EQ(spawners.size(), 1u) << "the launcher starts one fw-sandbox serve";
    Started s;
    start(s, sh("echo up; exec sleep 1010"), "up");
    // The supervisor is the spawner's child, not ours, and no exec of fw-sandbox happened.
    EXPECT_EQ(parentOf(s.proc->pid()), spawners[0]);
    std::ifstream cmd("/proc/" + std::to_string(s.proc->pid()) + "/cmdline");
    std::string argv((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
    EXPECT_NE(argv.find("serve"), std::string::npos) << argv;
    pid_t supervisor = s.proc->pid();
    s.proc->kill();
    int status = s.proc->reap();
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
    // Reaped by the spawner: not even a zombie is left.
    for (int i = 0; i < 100 && ::kill(supervisor, 0) == 0; ++i) ::usleep(10000);
    EXPECT_NE(::kill(supervisor, 0), 0) << "supervisor " << supervisor << " was not reaped";
    for (int i = 0; i < 3; ++i) EXPECT_EQ(runToEnd({sh("exit 3")}).status, 3 << 8);
    EXPECT_EQ(spawnersOf(::getpid()), spawners) << "one spawner serves every instance";
    auto left = waitNoLeftovers();
    EXPECT_TRUE(left.empty()) << left.front();
}

TEST(SandboxSpawner, AKilledSpawnerIsReplacedAndRunningInstancesAreUnaffected) {
    testLauncher();
    Started s;
    start(s, py("import time\nprint('up', flush=True)\ntime.sleep(60)"), "up");
    auto spawners = spawnersOf(::getpid());
    ASSERT_EQ(spawners.size(), 1u);
    ASSERT_EQ(::kill(spawners[0], SIGKILL), 0);
    for (int i = 0; i < 100 && parentOf(s.proc->pid()) == spawners[0]; ++i) ::usleep(10000);
    // The running instance keeps its supervisor (reparented) and its usage.
    EXPECT_GT(s.proc->usage().peakMemoryBytes, 0);
    // The next launch starts a new spawner.
    Outcome o = runToEnd({sh("echo again")});
    EXPECT_EQ(o.out, "again\n") << describe(o);
    auto now = spawnersOf(::getpid());
    ASSERT_EQ(now.size(), 1u);
    EXPECT_NE(now[0], spawners[0]);
    EXPECT_NE(::kill(spawners[0], 0), 0) << "the killed spawner was not reaped";
    s.proc->kill();
    s.proc->reap();
    s.proc.reset();
    auto left = waitNoLeftovers();
    EXPECT_TRUE(left.empty()) << left.front();
}

std::string hostNetns();

// The network namespaces the spawner holds ready ("net:[inode]" of its fds; it also holds its
// own, the host's, to return to).
std::vector<std::string> pooledNetns(int spawner) {
    std::vector<std::string> out;
    std::string dir = "/proc/" + std::to_string(spawner) + "/fd";
    if (DIR* d = ::opendir(dir.c_str())) {
        while (auto* e = ::readdir(d)) {
            char link[256];
            ssize_t n = ::readlinkat(::dirfd(d), e->d_name, link, sizeof link);
            std::string ns = n > 0 ? std::string(link, static_cast<std::size_t>(n)) : "";
            if (ns.rfind("net:[", 0) == 0 && ns != hostNetns()) out.push_back(ns);
        }
        ::closedir(d);
    }
    return out;
}

std::string hostNetns() {
    char link[256];
    ssize_t n = ::readlink("/proc/self/ns/net", link, sizeof link);
    return n > 0 ? std::string(link, static_cast<std::size_t>(n)) : "";
}

TEST(SandboxSpawner, InstancesEnterFreshPooledNetworkNamespacesWithLoopbackUp) {
    testLauncher();
    auto spawners = spawnersOf(::getpid());
    ASSERT_EQ(spawners.size(), 1u);
    // The pool fills while the spawner is idle.
    std::vector<std::string> pool;
    for (int i = 0; i < 200 && pool.size() < 2; ++i) {
        ::usleep(10000);
        pool = pooledNetns(spawners[0]);
    }
    ASSERT_EQ(pool.size(), 2u) << "the spawner keeps two network namespaces ready";
    // Three started in a row: the first two from the pool; the third usually finds it empty and
    // makes its own (unless the spawner was idle long enough to refill). Each is its own, none
    // is the host's, and loopback works in all of them.
    const std::string probe =
        "import os, socket\ns = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
        "c = socket.create_connection(s.getsockname())\nprint(os.readlink('/proc/self/ns/net'), flush=True)\n"
        "import time; time.sleep(60)";
    std::vector<std::unique_ptr<invoker::Process>> procs;
    std::vector<int> outs;
    for (int i = 0; i < 3; ++i) {
        int out[2];
        ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
        invoker::LaunchSpec spec;
        spec.instanceId = newInstanceId();
        spec.argv = py(probe);
        spec.env = {"PATH=/usr/bin:/bin"};
        spec.stdoutFd = out[1];
        spec.memoryMb = 128;
        spec.pidsMax = 64;
        auto p = testLauncher().launch(spec);
        ::close(out[1]);
        outs.push_back(out[0]);
        ASSERT_TRUE(p) << p.error().message;
        procs.push_back(std::move(*p));
    }
    std::vector<std::string> seen;
    for (int fd : outs) {
        std::string line;
        char ch;
        pollfd pf{fd, POLLIN, 0};
        while (line.find('\n') == std::string::npos && ::poll(&pf, 1, 10000) > 0 && ::read(fd, &ch, 1) == 1) line += ch;
        ::close(fd);
        ASSERT_EQ(line.rfind("net:[", 0), 0u) << "no loopback connection in the sandbox: " << line;
        line.pop_back();
        EXPECT_NE(line, hostNetns());
        EXPECT_EQ(std::count(seen.begin(), seen.end(), line), 0) << "two instances share " << line;
        seen.push_back(line);
    }
    EXPECT_EQ(std::count(pool.begin(), pool.end(), seen[0]), 1) << "the first instance did not come from the pool";
    procs.clear();
    auto left = waitNoLeftovers();
    EXPECT_TRUE(left.empty()) << left.front();
}

TEST(SandboxRunCommand, RunWithAControlFdStillSpeaksTheProtocol) {
    // `fw-sandbox run --control-fd=4` (an exec per instance, as before the spawner): the same
    // code path the spawner's children run, kept for tools such as bench/usage_rtt.py.
    auto opts = testOptions();
    std::string id = newInstanceId() + "-run";
    Json spec{{"id", id}, {"argv", {"/bin/sh", "-c", "exit 7"}}, {"env", {"PATH=/usr/bin:/bin"}},
              {"mounts", Json::array()}, {"stateDir", opts.stateDir}, {"hostUid", opts.hostIdBase},
              {"hostGid", opts.hostIdBase}, {"cgroupParent", opts.cgroupParent}, {"memoryMb", 64}};
    for (const auto& m : invoker::SandboxLauncherOptions::defaultRuntimeMounts()) {
        struct stat st {};
        if (::lstat(m.source.c_str(), &st) == 0) spec["mounts"].push_back({{"source", m.source}, {"target", m.target}});
    }
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        int ctl = ::fcntl(sv[1], F_DUPFD, 10);  // out of the way of 0..4 first
        int null = ::open("/dev/null", O_RDWR);
        for (int fd = 0; fd <= 3; ++fd) ::dup2(null, fd);
        ::dup2(ctl, 4);
        ::execl(FW_SANDBOX_BIN, FW_SANDBOX_BIN, "run", "--control-fd=4", nullptr);
        ::_exit(127);
    }
    ::close(sv[1]);
    std::string text = spec.dump();
    ASSERT_EQ(::send(sv[0], text.data(), text.size(), 0), static_cast<ssize_t>(text.size()));
    std::vector<std::string> types;
    for (;;) {
        char buf[65536];
        alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int) * 8)];
        iovec iov{buf, sizeof buf};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = ctrl;
        msg.msg_controllen = sizeof ctrl;
        pollfd pf{sv[0], POLLIN, 0};
        ASSERT_GT(::poll(&pf, 1, 10000), 0);
        ssize_t n = ::recvmsg(sv[0], &msg, MSG_CMSG_CLOEXEC);
        if (n <= 0) break;
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (std::size_t i = 0; i < count; ++i) {
                int fd;
                std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
                ::close(fd);
            }
        }
        auto j = Json::parse(std::string_view(buf, static_cast<std::size_t>(n)));
        types.push_back(j.value("type", std::string()));
        if (types.back() == "ready") {
            EXPECT_TRUE(j.contains("counters")) << j.dump();
        } else if (types.back() == "exit") {
            EXPECT_EQ(j.value("status", 0), 7 << 8) << j.dump();
        }
    }
    ::close(sv[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 7) << status;
    EXPECT_EQ(types, (std::vector<std::string>{"ready", "exit"}));
    auto left = waitNoLeftovers();
    EXPECT_TRUE(left.empty()) << left.front();
}

TEST(SandboxSpawner, DestroyingTheLauncherEndsItsSpawner) {
    auto before = spawnersOf(::getpid());
    auto launcher = invoker::makeSandboxLauncher(testOptions());
    ASSERT_TRUE(launcher) << launcher.error().message;
    auto with = spawnersOf(::getpid());
    ASSERT_EQ(with.size(), before.size() + 1);
    int mine = -1;
    for (int pid : with) {
        if (std::find(before.begin(), before.end(), pid) == before.end()) mine = pid;
    }
    launcher->reset();
    EXPECT_NE(::kill(mine, 0), 0) << "spawner " << mine << " outlived its launcher (or was not reaped)";
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
