#include "harness.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace fw::test {
namespace {

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

const std::string& parentName() {
    static std::string name = "fw-test-" + std::to_string(::getpid());
    return name;
}

const std::string& stateDir() {
    static std::string dir = "/tmp/fw-sandbox-test-" + std::to_string(::getpid());
    return dir;
}

const char* kHierarchies[] = {"/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids", "/sys/fs/cgroup/cpu",
                              "/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/unified"};

// Removes the test's cgroup parents and state dir after all tests, and fails if any instance
// cgroup was still there.
class Environment : public ::testing::Environment {
public:
    void TearDown() override {
        auto left = leftovers();
        EXPECT_TRUE(left.empty()) << "left behind: " << left.front();
        for (const char* h : kHierarchies) {
            std::string p = std::string(h) + "/" + parentName();
            ::rmdir(p.c_str());
            struct stat st {};
            EXPECT_NE(::stat(p.c_str(), &st), 0) << p << " could not be removed";
        }
        std::string root = stateDir() + "/root";
        ::rmdir(root.c_str());
        ::rmdir((stateDir()).c_str());
        // What an earlier test process (or a child it forked) left: names carry a pid that no
        // longer exists.
        auto dead = [](const std::string& name, const std::string& prefix) {
            if (name.rfind(prefix, 0) != 0) return false;
            int pid = std::atoi(name.c_str() + prefix.size());
            return pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH;
        };
        for (const char* h : kHierarchies) {
            if (DIR* d = ::opendir(h)) {
                while (auto* e = ::readdir(d)) {
                    EXPECT_FALSE(dead(e->d_name, "fw-test-")) << "left behind: " << h << "/" << e->d_name;
                }
                ::closedir(d);
            }
        }
        if (DIR* d = ::opendir("/tmp")) {
            while (auto* e = ::readdir(d)) {
                EXPECT_FALSE(dead(e->d_name, "fw-sandbox-test-")) << "left behind: /tmp/" << e->d_name;
            }
            ::closedir(d);
        }
    }
};
[[maybe_unused]] auto* const kEnv = ::testing::AddGlobalTestEnvironment(new Environment);

void setNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

}  // namespace

invoker::SandboxLauncherOptions testOptions() {
    invoker::SandboxLauncherOptions o;
    o.sandboxBinary = FW_SANDBOX_BIN;
    o.stateDir = stateDir();
    o.cgroupParent = parentName();
    o.setupTimeout = std::chrono::milliseconds(10000);
    return o;
}

invoker::Launcher& testLauncher() {
    static std::unique_ptr<invoker::Launcher> launcher = [] {
        auto l = invoker::makeSandboxLauncher(testOptions());
        if (!l) {
            ADD_FAILURE() << l.error().message;
            std::abort();
        }
        return std::move(*l);
    }();
    return *launcher;
}

std::string newInstanceId() {
    static std::atomic<int> n{0};
    return "t" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

std::vector<std::string> sh(const std::string& script) { return {"/bin/sh", "-c", script}; }
std::vector<std::string> py(const std::string& code) { return {"/usr/bin/python3", "-I", "-S", "-c", code}; }

Outcome runToEnd(const Job& job) {
    Outcome o;
    int out[2], err[2], res[2];
    ::pipe2(out, O_CLOEXEC);
    ::pipe2(err, O_CLOEXEC);
    ::pipe2(res, O_CLOEXEC);
    int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    invoker::LaunchSpec spec;
    spec.instanceId = newInstanceId();
    spec.argv = job.argv;
    spec.env = job.env;
    spec.mounts = job.mounts;
    spec.workDir = "/tmp";
    spec.memoryMb = job.memoryMb;
    spec.pidsMax = job.pidsMax;
    spec.tmpSizeMb = job.tmpSizeMb;
    spec.network = job.network;
    spec.stdinFd = devnull;
    spec.stdoutFd = out[1];
    spec.stderrFd = err[1];
    spec.resultFd = res[1];
    auto proc = testLauncher().launch(spec);
    for (int fd : {devnull, out[1], err[1], res[1]}) ::close(fd);
    if (!proc) {
        o.launchError = proc.error().message;
        for (int fd : {out[0], err[0], res[0]}) ::close(fd);
        return o;
    }
    auto& p = **proc;
    setNonBlocking(out[0]);
    setNonBlocking(err[0]);
    auto deadline = std::chrono::steady_clock::now() + job.timeout;
    auto drain = [&](int fd, std::string& into) {
        char buf[4096];
        for (;;) {
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0) return n == 0;  // true at EOF
            if (into.size() < (1 << 20)) into.append(buf, static_cast<std::size_t>(n));
        }
    };
    bool exited = false, outEof = false, errEof = false;
    while (!exited || !outEof || !errEof) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) {
            o.timedOut = true;
            p.kill();
            deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            if (exited) break;
            continue;
        }
        pollfd fds[3] = {{p.exitFd(), POLLIN, 0}, {outEof ? -1 : out[0], POLLIN, 0}, {errEof ? -1 : err[0], POLLIN, 0}};
        ::poll(fds, 3, static_cast<int>(left));
        if (fds[0].revents) exited = true;
        if (!outEof && fds[1].revents) outEof = drain(out[0], o.out);
        if (!errEof && fds[2].revents) errEof = drain(err[0], o.err);
    }
    o.status = p.reap();
    o.usage = p.usage();
    proc->reset();
    for (int fd : {out[0], err[0], res[0]}) ::close(fd);
    return o;
}

std::vector<int> hostPidsWithCmdline(const std::string& needle) {
    std::vector<int> pids;
    DIR* d = ::opendir("/proc");
    while (auto* e = ::readdir(d)) {
        int pid = std::atoi(e->d_name);
        if (pid <= 0 || pid == ::getpid()) continue;
        std::string cmd = readFile("/proc/" + std::string(e->d_name) + "/cmdline");
        for (auto& c : cmd) {
            if (c == '\0') c = ' ';
        }
        if (cmd.find(needle) != std::string::npos) pids.push_back(pid);
    }
    ::closedir(d);
    return pids;
}

int parentOf(int pid) {
    std::string status = readFile("/proc/" + std::to_string(pid) + "/status");
    auto at = status.find("PPid:\t");
    return at == std::string::npos ? -1 : std::atoi(status.c_str() + at + 6);
}

std::vector<int> spawnersOf(int parent) {
    std::vector<int> out;
    DIR* d = ::opendir("/proc");
    while (auto* e = ::readdir(d)) {
        int pid = std::atoi(e->d_name);
        if (pid <= 0 || parentOf(pid) != parent) continue;
        std::string proc = "/proc/" + std::string(e->d_name);
        char exe[4096];
        ssize_t n = ::readlink((proc + "/exe").c_str(), exe, sizeof exe);
        if (n <= 0 || std::string(exe, static_cast<std::size_t>(n)) != FW_SANDBOX_BIN) continue;
        // posix_spawn returns while the exec is still setting up the arguments: cmdline can read
        // empty for a moment.
        std::string cmd;
        for (int i = 0; i < 100 && cmd.empty(); ++i) {
            cmd = readFile(proc + "/cmdline");
            if (cmd.empty()) ::usleep(1000);
        }
        if (cmd.find(std::string("serve") + '\0') != std::string::npos) out.push_back(pid);
    }
    ::closedir(d);
    return out;
}

std::vector<std::string> leftovers() {
    std::vector<std::string> left;
    for (const char* h : kHierarchies) {
        std::string p = std::string(h) + "/" + parentName();
        if (DIR* d = ::opendir(p.c_str())) {
            while (auto* e = ::readdir(d)) {
                std::string n = e->d_name;
                if (e->d_type == DT_DIR && n != "." && n != "..") left.push_back("cgroup " + p + "/" + n);
            }
            ::closedir(d);
        }
    }
    // The state dir holds only the empty mount point; nothing may be mounted on the host.
    if (DIR* d = ::opendir(stateDir().c_str())) {
        while (auto* e = ::readdir(d)) {
            std::string n = e->d_name;
            if (n != "." && n != ".." && n != "root") left.push_back("file " + stateDir() + "/" + n);
        }
        ::closedir(d);
    }
    std::string mounts = readFile("/proc/self/mountinfo");
    if (mounts.find(stateDir()) != std::string::npos) left.push_back("a mount under " + stateDir() + " on the host");
    // Only this test process's own supervisors and sandboxed processes count: other programs
    // (a daemon under test in a parallel ctest job, a benchmark) run fw-sandbox too. Supervisors
    // are children of our spawners (`fw-sandbox serve`, alive as long as their launcher), or of
    // this process itself for `fw-sandbox run`.
    auto spawners = spawnersOf(::getpid());
    for (int pid : hostPidsWithCmdline(FW_SANDBOX_BIN)) {
        int parent = parentOf(pid);
        bool mine = parent == ::getpid() ? std::find(spawners.begin(), spawners.end(), pid) == spawners.end()
                                         : std::find(spawners.begin(), spawners.end(), parent) != spawners.end();
        if (mine) left.push_back("fw-sandbox supervisor pid " + std::to_string(pid));
    }
    // Sandboxed processes run as uids of the launcher's range, in the test's cgroup parent.
    auto opts = testOptions();
    const std::string inParent = ":/" + parentName() + "/";
    DIR* d = ::opendir("/proc");
    while (auto* e = ::readdir(d)) {
        int pid = std::atoi(e->d_name);
        if (pid <= 0) continue;
        struct stat st {};
        if (::stat(("/proc/" + std::string(e->d_name)).c_str(), &st) != 0) continue;
        if (st.st_uid < opts.hostIdBase || st.st_uid >= opts.hostIdBase + static_cast<uid_t>(opts.hostIdCount)) continue;
        if (readFile("/proc/" + std::string(e->d_name) + "/cgroup").find(inParent) == std::string::npos) continue;
        left.push_back("sandboxed process pid " + std::to_string(pid) + " uid " + std::to_string(st.st_uid));
    }
    ::closedir(d);
    return left;
}

std::vector<std::string> waitNoLeftovers(std::chrono::milliseconds within) {
    auto until = std::chrono::steady_clock::now() + within;
    for (;;) {
        auto left = leftovers();
        if (left.empty() || std::chrono::steady_clock::now() > until) return left;
        ::usleep(20000);
    }
}

std::string describe(const Outcome& o) {
    std::ostringstream s;
    s << "launchError=[" << o.launchError << "] status=";
    if (WIFEXITED(o.status)) s << "exit " << WEXITSTATUS(o.status);
    else if (WIFSIGNALED(o.status)) s << "signal " << WTERMSIG(o.status);
    else s << o.status;
    s << " timedOut=" << o.timedOut << " oom=" << o.usage.oomKilled << "\n--- stdout\n" << o.out << "--- stderr\n" << o.err;
    return s.str();
}

}  // namespace fw::test
