// The containment sequence, in one place and in order. fw-sandbox (the "supervisor", on the
// host) creates the cgroup, clones the sandbox init into new PID, mount, IPC, UTS and network
// namespaces, attaches it, writes its id maps, and waits for the one-way setup pipe: bytes on it
// are a setup error (the failing call, its arguments and errno); EOF with no bytes means the
// function was exec'd. It then reports "ready" with the init's pidfd, answers usage requests,
// and when the init ends reads the usage, removes the cgroup and reports "exit".
//
//   supervisor (host, root)            init (PID 1 in the sandbox)          function
//   ---------------------------------  -----------------------------------  -----------------
//   groups, cgroup create + limits
//   clone3(NEWPID|NEWNS|NEWIPC|NEWUTS[|NEWNET])
//   attach init to cgroup  ----'G'--->  unshare(NEWCGROUP), mounts, pivot_root, hostname,
//                                       setns(pooled netns) or loopback, unshare(NEWUSER)
//   write uid/gid maps     <---'U'----
//                          ----'M'--->  bounding set, setresuid, caps, rlimits,
//                                       no_new_privs, seccomp; vfork ----------->  setsid, fds,
//   setup pipe EOF = exec'd                                                       execve
//   "ready" + init pidfd                reap; on function exit: status -> supervisor, exit
//   supervise; on init exit: usage, rmdir cgroup, "exit"
#include "fw/sandbox/contain.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>

#include "steps.hpp"

namespace fw::sandbox {
namespace {

using Clock = std::chrono::steady_clock;

// struct clone_args of <linux/sched.h> (which clashes with glibc's <sched.h>); the layout is ABI.
struct CloneArgs {
    std::uint64_t flags, pidfd, childTid, parentTid, exitSignal, stack, stackSize, tls, setTid,
        setTidSize, cgroup;
};

constexpr idtype_t kPidfd = static_cast<idtype_t>(3);  // P_PIDFD (Linux 5.4)

int remainingMs(Clock::time_point deadline) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return ms < 0 ? 0 : static_cast<int>(ms);
}

// Reads until EOF or the deadline. Returns false on timeout.
bool readAll(int fd, Clock::time_point deadline, std::string& out) {
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        int rc = ::poll(&p, 1, remainingMs(deadline));
        if (rc < 0 && errno == EINTR) continue;
        if (rc <= 0) return false;
        char buf[1024];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return true;
        if (out.size() < 16384) out.append(buf, static_cast<std::size_t>(n));
    }
}

// One handshake byte; false on EOF, a different byte or the deadline.
bool expectByte(int fd, char want, Clock::time_point deadline) {
    pollfd p{fd, POLLIN, 0};
    int rc;
    do {
        rc = ::poll(&p, 1, remainingMs(deadline));
    } while (rc < 0 && errno == EINTR);
    if (rc <= 0) return false;
    char b = 0;
    ssize_t n;
    do {
        n = ::read(fd, &b, 1);
    } while (n < 0 && errno == EINTR);
    return n == 1 && b == want;
}

bool sendByte(int fd, char b) {
    ssize_t n;
    do {
        n = ::send(fd, &b, 1, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n == 1;
}

void writeAll(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::write(fd, s.data() + off, s.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        off += static_cast<std::size_t>(n);
    }
}

std::string describeArgv(const std::vector<std::string>& argv) {
    std::string s = "execve(\"" + argv[0] + "\", [";
    for (std::size_t i = 0; i < argv.size() && i < 4; ++i) s += (i ? ", \"" : "\"") + argv[i] + "\"";
    return s + (argv.size() > 4 ? ", ...])" : "])");
}

// A failed call in the function's process: "<call>: <strerror>" on the setup pipe, then exit.
// No allocation: the process shares the init's memory (vfork) until its exec.
[[noreturn]] void functionFailed(int setupFd, const char* call, int err, int code) {
    const char* why = ::strerrordesc_np(err);
    for (const char* part : {call, ": ", why ? why : "unknown error"}) {
        std::size_t len = std::strlen(part), off = 0;
        while (off < len) {
            ssize_t n = ::write(setupFd, part + off, len - off);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            off += static_cast<std::size_t>(n);
        }
    }
    ::_exit(code);
}

// The function's process, made by vfork: the last steps that must happen in it, then exec. Only
// system calls until then; everything it needs was made by the init before the vfork.
[[noreturn]] void functionMain(char* const* argv, char* const* envp, const char* execCall, int setupFd, int exitFd) {
    ::close(exitFd);
    // A new session: no controlling terminal to inject input into (TIOCSTI), no signals from
    // the invoker's terminal.
    if (::setsid() < 0) functionFailed(setupFd, "setsid()", errno, kSetupFailedExit);
    // Every fd but 0..3 closes at exec; the setup pipe stays usable until then.
    if (::syscall(SYS_close_range, 4U, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
        functionFailed(setupFd, "close_range(4, 4294967295, CLOSE_RANGE_CLOEXEC)", errno, kSetupFailedExit);
    ::execve(argv[0], argv, envp);
    functionFailed(setupFd, execCall, errno, 127);
}

// The sandbox init: real root in the new namespaces until it enters the user namespace.
[[noreturn]] void initMain(const Spec& spec, const BpfProgram& filter, int syncFd, int setupFd,
                           int exitFd, int pooledNetns, const std::string& newRoot) {
    auto check = [&](const Result<void>& r) {
        if (!r) {
            writeAll(setupFd, r.error().message);
            ::_exit(kSetupFailedExit);
        }
    };
    // Die with the supervisor; a supervisor that died before this line is seen at the first read.
    check(steps::setParentDeathSignal());
    auto deadline = Clock::now() + std::chrono::milliseconds(spec.setupTimeoutMs);
    // 'G': the supervisor attached us to the instance cgroup. Nothing of the spec runs before.
    if (!expectByte(syncFd, 'G', deadline)) ::_exit(kSetupFailedExit);

    // After the cgroup attach: the namespace's root is then the instance's own cgroup.
    if (::unshare(CLONE_NEWCGROUP) != 0) check(Error{Errc::SandboxFailed, sysError("unshare(CLONE_NEWCGROUP)", errno)});
    // Mounts need real root (host paths such as the code dir may be closed to the sandbox
    // user) and the new PID namespace (for /proc), so they come before the user namespace.
    check(steps::makeMountsPrivate());
    check(steps::buildRoot(spec, newRoot));
    check(steps::pivotInto(newRoot));
    check(steps::setHostname(spec.hostname));
    // The new netns is owned by the host's user namespace: configure it (or enter the pooled
    // one, whose lo is up already) while still root.
    if (pooledNetns >= 0) check(steps::enterNetworkNamespace(pooledNetns));
    else if (!spec.network) check(steps::bringUpLoopback());
    // Last namespace: it owns none of the others, so capabilities in it reach nothing.
    check(steps::enterUserNamespace());
    if (!sendByte(syncFd, 'U')) ::_exit(kSetupFailedExit);
    // 'M': uid_map and gid_map are written; setresuid to the mapped ids works from here.
    if (!expectByte(syncFd, 'M', deadline)) ::_exit(kSetupFailedExit);
    // Needs CAP_SETPCAP (held in the new user namespace): before the uid change.
    check(steps::dropBoundingSet());
    check(steps::becomeSandboxUser(spec));
    // The credential change cleared the parent-death signal: set it again, then make sure the
    // supervisor did not die in between (its end of the sync socket would have hung up).
    check(steps::setParentDeathSignal());
    {
        pollfd p{syncFd, POLLIN, 0};
        if (::poll(&p, 1, 0) != 0) ::_exit(kSetupFailedExit);
    }
    check(steps::clearAllCapabilities());
    check(steps::applyRlimits(spec));
    // After setresuid (which resets it): keeps the function from reading this process's memory
    // and /proc entries (init stays more trusted than the function it serves).
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) check(Error{Errc::SandboxFailed, sysError("prctl(PR_SET_DUMPABLE, 0)", errno)});
    if (::chdir(spec.cwd.c_str()) != 0) check(Error{Errc::SandboxFailed, sysError("chdir(\"" + spec.cwd + "\")", errno)});
    check(steps::setNoNewPrivs());
    // Last of all: the steps above use calls the filter refuses (unshare, mount, pivot_root).
    // Installed in init, inherited by the function's fork.
    check(installSeccompFilter(filter));
    ::close(syncFd);

    // vfork: no copy of this process's page tables for a child that only execs (it inherits
    // the filter). What the child needs is made now: it must not allocate.
    std::vector<char*> argv, envp;
    for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const std::string execCall = describeArgv(spec.argv);
    pid_t fn = ::vfork();
    if (fn < 0) check(Error{Errc::SandboxFailed, sysError("vfork()", errno)});
    if (fn == 0) functionMain(argv.data(), envp.data(), execCall.c_str(), setupFd, exitFd);
    // Init holds nothing of the function's: its stdio belongs to the function alone.
    ::close(setupFd);
    (void)steps::closeAllExcept({exitFd});
    steps::runInit(fn, exitFd);
}

struct Fd {
    int fd = -1;
    Fd() = default;
    explicit Fd(int f) : fd(f) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    void reset() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

int exitedStatus(int code) { return (code & 0xff) << 8; }

}  // namespace

int runSandbox(const Spec& spec, const BpfProgram& filter, Channel& channel, int pooledNetns) {
    // Only a sandbox with a network namespace of its own uses the pooled one.
    if (pooledNetns >= 0 && spec.network) {
        ::close(pooledNetns);
        pooledNetns = -1;
    }
    Fd netns(pooledNetns);
    auto deadline = Clock::now() + std::chrono::milliseconds(spec.setupTimeoutMs);
    auto fail = [&](const std::string& msg) {
        channel.failed(msg);
        return exitedStatus(kSetupFailedExit);
    };

    // 1. fwd's supplementary groups must not reach the sandbox (the clone inherits this).
    if (auto r = steps::dropSupplementaryGroups(); !r) return fail(r.error().message);

    // 2. The new root's mount point: one host directory shared by every instance, since each
    //    mounts its own tmpfs on it inside its private mount namespace. Nothing per instance is
    //    created on the host filesystem.
    std::string newRoot = spec.stateDir + "/root";
    for (const auto& d : {spec.stateDir, newRoot}) {
        if (::mkdir(d.c_str(), 0755) != 0 && errno != EEXIST) return fail(sysError("mkdir(\"" + d + "\")", errno));
    }

    // 3. The cgroup, with its limits, before the clone: the init is attached before it runs
    //    anything of the spec, so nothing of the function ever runs unlimited or unaccounted.
    auto backend = probeCgroupBackend(spec.cgroupBackend, spec.cgroupRoot);
    if (!backend) return fail(backend.error().message);
    auto cgResult = (*backend)->create(spec.cgroupParent, spec.id, limitsFor(spec.memoryMb, spec.pidsMax));
    if (!cgResult) return fail(cgResult.error().message);
    auto& cg = *cgResult;
    auto failWithCgroup = [&](const std::string& msg) {
        (void)cg->killAll();
        (void)cg->remove();
        return fail(msg);
    };

    // 4. The three channels to the init: sync (both ways), setup errors, the function's status.
    int sv[2], setupPipe[2], exitPipe[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return failWithCgroup(sysError("socketpair()", errno));
    Fd syncP(sv[0]), syncC(sv[1]);
    if (::pipe2(setupPipe, O_CLOEXEC) != 0) return failWithCgroup(sysError("pipe2()", errno));
    Fd setupR(setupPipe[0]), setupW(setupPipe[1]);
    if (::pipe2(exitPipe, O_CLOEXEC) != 0) return failWithCgroup(sysError("pipe2()", errno));
    Fd exitR(exitPipe[0]), exitW(exitPipe[1]);

    // 5. The init, in new namespaces. The user namespace comes later (see initMain).
    int pidfd = -1;
    CloneArgs args{};
    args.flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_PIDFD |
                 (spec.network || netns.fd >= 0 ? 0 : CLONE_NEWNET);
    args.pidfd = reinterpret_cast<std::uintptr_t>(&pidfd);
    args.exitSignal = SIGCHLD;
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0) return failWithCgroup(sysError("clone3(CLONE_NEWPID|CLONE_NEWNS|CLONE_NEWIPC|CLONE_NEWUTS|CLONE_NEWNET)", errno));
    if (pid == 0) {
        syncP.reset();
        setupR.reset();
        exitR.reset();
        initMain(spec, filter, syncC.fd, setupW.fd, exitW.fd, netns.fd, newRoot);
    }
    Fd initPidfd(pidfd);
    netns.reset();  // the init's now
    syncC.reset();
    setupW.reset();
    exitW.reset();
    // The supervisor keeps nothing of the function's stdio: EOF on its pipes must mean the
    // instance is gone. 0..2 point at /dev/null so that no later open lands on them.
    if (int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC); devnull >= 0) {
        for (int fd = 0; fd <= 2; ++fd) ::dup2(devnull, fd);
        ::close(devnull);
    }
    ::close(3);

    auto abortInit = [&](const std::string& msg) {
        ::syscall(SYS_pidfd_send_signal, initPidfd.fd, SIGKILL, nullptr, 0);
        siginfo_t info{};
        ::waitid(kPidfd, static_cast<id_t>(initPidfd.fd), &info, WEXITED);
        return failWithCgroup(msg);
    };
    auto setupError = [&](const std::string& fallback) {
        std::string text;
        readAll(setupR.fd, deadline, text);
        return abortInit(text.empty() ? fallback : text);
    };

    // 6. Attach, then let the init go.
    if (auto r = cg->attach(static_cast<pid_t>(pid)); !r) return abortInit(r.error().message);
    if (!sendByte(syncP.fd, 'G')) return setupError("the sandbox init died before setup");

    // 7. Id maps for the user namespace the init has just entered.
    if (!expectByte(syncP.fd, 'U', deadline)) return setupError("sandbox setup did not finish within " + std::to_string(spec.setupTimeoutMs) + " ms");
    if (auto r = steps::writeIdMaps(static_cast<pid_t>(pid), spec); !r) return abortInit(r.error().message);
    if (!sendByte(syncP.fd, 'M')) return setupError("the sandbox init died during setup");
    // While the init finishes and execs: the files the invoker will read usage from.
    OpenCounters counters;
    openCounters(cg->counters(), counters);

    // 8. EOF on the setup pipe: the function was exec'd (its copy closed on exec). Bytes: an error.
    std::string setupText;
    if (!readAll(setupR.fd, deadline, setupText)) return abortInit("sandbox setup did not finish within " + std::to_string(spec.setupTimeoutMs) + " ms");
    if (!setupText.empty()) return abortInit(setupText);
    setupR.reset();

    // 9. Ready.
    channel.ready(static_cast<pid_t>(pid), initPidfd.fd, cg->dirs(), (*backend)->name(), counters);

    // 10. Supervise until the init ends. If the invoker goes away (fwd crashed), kill the instance.
    bool peer = channel.pollFd() >= 0;
    for (;;) {
        pollfd p[2] = {{initPidfd.fd, POLLIN, 0}, {peer ? channel.pollFd() : -1, POLLIN, 0}};
        int rc = ::poll(p, 2, -1);
        if (rc < 0 && errno == EINTR) continue;
        if (rc < 0) break;
        if (p[0].revents) break;
        if (p[1].revents) {
            bool alive = (p[1].revents & POLLIN) && channel.serve([&] { return cg->usage(); });
            if (!alive) {
                peer = false;
                ::syscall(SYS_pidfd_send_signal, initPidfd.fd, SIGKILL, nullptr, 0);
            }
        }
    }

    // 11. Reap, measure, remove, report. When the init is reaped the kernel has already killed
    //     every other process of the namespace (zap_pid_ns_processes).
    siginfo_t info{};
    while (::waitid(kPidfd, static_cast<id_t>(initPidfd.fd), &info, WEXITED) != 0 && errno == EINTR) {
    }
    int status = 0;
    if (::read(exitR.fd, &status, sizeof status) != sizeof status) {
        // The init itself was killed (kill(), OOM): report what happened to it.
        status = info.si_code == CLD_EXITED ? exitedStatus(info.si_status) : (info.si_status & 0x7f);
    }
    auto usage = cg->usage();
    std::string cleanupError;
    auto removed = cg->remove();
    if (!removed) {
        (void)cg->killAll();
        removed = cg->remove();
        if (!removed) cleanupError = removed.error().message;
    }
    channel.exited(status, usage ? *usage : CgroupUsage{}, cleanupError);
    return status;
}

void exitLike(int status) {
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        rlimit none{0, 0};
        ::setrlimit(RLIMIT_CORE, &none);
        ::signal(sig, SIG_DFL);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, sig);
        ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
        ::kill(::getpid(), sig);
        ::_exit(128 + sig);
    }
    ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

Result<int> cleanupStale(const std::string& parent, const std::optional<std::string>& id,
                         const std::string& backendName, const std::string& v2Root) {
    auto backend = probeCgroupBackend(backendName, v2Root);
    if (!backend) return backend.error();
    return (*backend)->removeStale(parent, id);
}

}  // namespace fw::sandbox
