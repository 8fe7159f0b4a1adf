// The invoker half of fw-sandbox. One long-lived `fw-sandbox serve` (the spawner, started with
// the launcher) forks a supervisor per instance: the launcher hands it the instance's four pipe
// ends and a fresh SOCK_SEQPACKET control socket (SCM_RIGHTS) and gets the supervisor's pid and
// pidfd back. On the control socket it then sends the spec and waits for "ready" (with the sandbox
// init's pidfd and the instance's usage counter files) or "error" (the failing call and errno).
// Afterwards usage is read from the counter files directly; the control socket carries usage
// requests only when they could not be passed, and, at the end, the "exit" report.
#include "fw/invoker/sandbox_launcher.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>
#include <optional>

#include <spdlog/spdlog.h>

#include "fw/common/json.hpp"

namespace fw::invoker {
namespace {

constexpr idtype_t kPidfd = static_cast<idtype_t>(3);  // P_PIDFD (Linux 5.4)

Error failed(std::string msg) { return Error{Errc::SandboxFailed, std::move(msg)}; }

bool validId(const std::string& id) {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    return true;
}

struct Message {
    Json body;
    bool eof = false;      // the peer has closed (the body is discarded then)
    std::vector<int> fds;  // passed with SCM_RIGHTS, in order
    void closeFds() {
        for (int fd : fds) ::close(fd);
        fds.clear();
    }
};

// One datagram, waiting at most timeoutMs (-1: forever, 0: only if one is queued).
// nullopt on timeout; a discarded body on EOF or error. `raw` keeps the text when it is not JSON.
std::optional<Message> receive(int sock, int timeoutMs, std::string* raw = nullptr) {
    pollfd p{sock, POLLIN, 0};
    int rc;
    do {
        rc = ::poll(&p, 1, timeoutMs);
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) return std::nullopt;
    Message m;
    char buf[65536];
    iovec iov{buf, sizeof buf};
    alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int) * 8)] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctrl;
    msg.msg_controllen = sizeof ctrl;
    ssize_t n;
    do {
        n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
        m.eof = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
        m.body = Json(Json::value_t::discarded);
        return m;
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            m.fds.push_back(fd);
        }
    }
    std::string_view text(buf, static_cast<std::size_t>(n));
    if (raw) *raw = text;
    m.body = Json::parse(text, nullptr, false);
    if (!m.body.is_object()) m.body = Json(Json::value_t::discarded);
    return m;
}

std::string typeOf(const Json& j) {
    auto it = j.find("type");
    return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

Usage usageFrom(const Json& j) {
    Usage u;
    if (!j.is_object()) return u;
    if (auto it = j.find("cpuTimeUs"); it != j.end() && it->is_number_integer()) u.cpuTimeUs = it->get<std::int64_t>();
    if (auto it = j.find("peakMemoryBytes"); it != j.end() && it->is_number_integer()) u.peakMemoryBytes = it->get<std::int64_t>();
    if (auto it = j.find("oomKilled"); it != j.end() && it->is_boolean()) u.oomKilled = it->get<bool>();
    return u;
}

// Spawns fw-sandbox with extra arguments, no stdio, and waits for it. For clean-up only.
Result<std::string> runHelper(const std::string& binary, const std::vector<std::string>& args) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return failed(sysError("pipe2()", errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, out[1], 2);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    std::vector<std::string> all{binary};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    char* envp[] = {nullptr};
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, binary.c_str(), &fa, nullptr, argv.data(), envp);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    if (rc != 0) {
        ::close(out[0]);
        return failed(sysError("posix_spawn(\"" + binary + "\")", rc));
    }
    std::string text;
    char buf[1024];
    for (;;) {
        ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        while (!text.empty() && text.back() == '\n') text.pop_back();
        // Its own errors already say "fw-sandbox <command>: ...".
        return failed(text.rfind("fw-sandbox ", 0) == 0 ? text : "fw-sandbox " + (args.empty() ? "" : args[0]) + ": " + text);
    }
    return text;
}

// "cpu.stat"-style "key value" lines: the sum of the values of `keys`.
std::int64_t sumOfKeys(std::string_view text, const std::vector<std::string>& keys) {
    std::int64_t sum = 0;
    while (!text.empty()) {
        auto eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
        auto sp = line.find(' ');
        if (sp == std::string_view::npos) continue;
        for (const auto& k : keys) {
            if (line.substr(0, sp) != k) continue;
            std::int64_t v = 0;
            std::from_chars(line.data() + sp + 1, line.data() + line.size(), v);
            sum += v;
        }
    }
    return sum;
}

// A usage counter file of the instance's cgroup, passed read-only with "ready", and the rule to
// read it by (fw::sandbox::UsageCounter on the supervisor's side; docs/sandbox.md).
struct Counter {
    enum class Field { CpuTimeUs, PeakMemoryBytes, OomKilled, Unknown };
    int fd = -1;
    Field usage = Field::Unknown;   // which field of Usage
    std::vector<std::string> keys;  // sum of these "key value" lines; empty: the leading integer
    std::int64_t divisor = 1;
};

// The counters described by "ready", with their fds (those after the init's pidfd). Empty, with
// the fds closed, if the description does not match them.
std::vector<Counter> countersFrom(const Json& ready, std::vector<int> fds) {
    std::vector<Counter> out;
    auto it = ready.find("counters");
    bool ok = it != ready.end() && it->is_array() && it->size() == fds.size();
    for (std::size_t i = 0; ok && i < fds.size(); ++i) {
        const Json& d = (*it)[i];
        Counter c;
        c.fd = fds[i];
        ok = d.is_object() && d.contains("usage") && d["usage"].is_string();
        if (!ok) break;
        const auto& name = d["usage"].get_ref<const std::string&>();
        c.usage = name == "cpuTimeUs"         ? Counter::Field::CpuTimeUs
                  : name == "peakMemoryBytes" ? Counter::Field::PeakMemoryBytes
                  : name == "oomKilled"       ? Counter::Field::OomKilled
                                              : Counter::Field::Unknown;
        if (auto k = d.find("keys"); k != d.end() && k->is_array()) {
            for (const auto& key : *k) {
                if (key.is_string()) c.keys.push_back(key.get<std::string>());
            }
        }
        if (auto v = d.find("divisor"); v != d.end() && v->is_number_integer()) c.divisor = std::max<std::int64_t>(1, v->get<std::int64_t>());
        out.push_back(std::move(c));
    }
    if (!ok) {
        for (int fd : fds) ::close(fd);
        out.clear();
    }
    return out;
}

void waitExited(int pidfd, int timeoutMs) {
    pollfd p{pidfd, POLLIN, 0};
    while (::poll(&p, 1, timeoutMs) < 0 && errno == EINTR) {
    }
}

std::string describeStatus(int status) {
    if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        const char* name = ::sigabbrev_np(WTERMSIG(status));
        return "killed by " + (name ? "SIG" + std::string(name) : "signal " + std::to_string(WTERMSIG(status)));
    }
    return "status " + std::to_string(status);
}

// The long-lived `fw-sandbox serve` and its request socket (sandbox/include/fw/sandbox/spawner.hpp
// has the protocol). One request at a time. It exits when the socket closes: when this object is
// destroyed, or when fwd dies (no thread-bound parent-death signal is involved, so it does not
// matter which of fwd's threads started it). If it dies, the next spawn starts a new one.
class Spawner {
public:
    explicit Spawner(std::string binary) : binary_(std::move(binary)) {}
    ~Spawner() {
        std::lock_guard lock(mu_);
        stopLocked();
    }

    Result<void> start() {
        std::lock_guard lock(mu_);
        return startLocked();
    }

    struct Child {
        pid_t pid = -1;
        int pidfd = -1;
    };
    // Hands stdin, stdout, stderr, result and control to a new supervisor. `lost` is set when the
    // spawner died with the request in flight: a supervisor may then exist with these fds (it
    // exits when the control socket closes without a spec), so the caller retries with new ones.
    Result<Child> spawn(const int (&fds)[5], bool& lost) {
        std::lock_guard lock(mu_);
        lost = false;
        for (int attempt = 0;; ++attempt) {
            if (!aliveLocked()) {
                std::string was = pid_ > 0 ? "fw-sandbox serve (pid " + std::to_string(pid_) + ") " : "";
                int status = stopLocked();
                if (!was.empty()) spdlog::warn("{}has exited ({}); starting a new one", was, describeStatus(status));
                if (auto r = startLocked(); !r) return r.error();
            }
            if (sendRequest(fds)) break;
            int err = errno;
            if (attempt > 0 || (err != EPIPE && err != ECONNRESET && err != ENOTCONN))
                return failed(sysError("send(fw-sandbox serve, spawn)", err));
            stopLocked(-1);  // it is gone: nothing was delivered, so start again and resend
        }
        std::string raw;
        auto m = receive(sock_, 10000, &raw);
        if (m && !raw.empty()) {
            if (raw.rfind("ok ", 0) == 0 && m->fds.size() == 1) {
                Child c{std::atoi(raw.c_str() + 3), m->fds[0]};
                return c;
            }
            m->closeFds();
            return failed("fw-sandbox serve: " + (raw.rfind("error ", 0) == 0 ? raw.substr(6) : "unexpected reply \"" + raw + "\""));
        }
        if (m) m->closeFds();
        lost = true;
        std::string why = m ? "died while spawning" : "did not answer within 10 s";
        std::string who = "fw-sandbox serve (pid " + std::to_string(pid_) + ")";
        int status = stopLocked(m ? 2000 : 0);
        spdlog::warn("{} {} ({}); a new one starts with the next instance", who, why, describeStatus(status));
        return failed(who + " " + why);
    }

private:
    Result<void> startLocked() {
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return failed(sysError("socketpair(SOCK_SEQPACKET)", errno));
        // Its end above 3, so that the dup2 to 3 below is a real dup (which clears close-on-exec).
        int theirs = ::fcntl(sv[1], F_DUPFD_CLOEXEC, 10);
        ::close(sv[1]);
        if (theirs < 0) {
            int err = errno;
            ::close(sv[0]);
            return failed(sysError("fcntl(F_DUPFD_CLOEXEC)", err));
        }
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        posix_spawn_file_actions_init(&fa);
        posix_spawnattr_init(&attr);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, theirs, 3);  // fd 2 stays fwd's stderr
        posix_spawn_file_actions_addclosefrom_np(&fa, 4);
        // Own session (the terminal's Ctrl-C goes to fwd, which shuts instances down in order),
        // default signal dispositions, nothing blocked.
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &all);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        std::string a0 = binary_, a1 = "serve", a2 = "--request-fd=3";
        char* argv[] = {a0.data(), a1.data(), a2.data(), nullptr};
        char* envp[] = {nullptr};
        pid_t pid = -1;
        int rc = ::posix_spawn(&pid, a0.c_str(), &fa, &attr, argv, envp);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        ::close(theirs);
        if (rc != 0) {
            ::close(sv[0]);
            return failed(sysError("posix_spawn(\"" + a0 + " serve\")", rc));
        }
        int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
        if (pidfd < 0) {
            int err = errno;
            ::close(sv[0]);  // it exits at EOF
            while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
            }
            return failed(sysError("pidfd_open(" + std::to_string(pid) + ")", err));
        }
        ::fcntl(pidfd, F_SETFD, FD_CLOEXEC);
        pid_ = pid;
        pidfd_ = pidfd;
        sock_ = sv[0];
        return {};
    }

    bool aliveLocked() const {
        if (sock_ < 0) return false;
        pollfd p{pidfd_, POLLIN, 0};
        return ::poll(&p, 1, 0) == 0;
    }

    bool sendRequest(const int (&fds)[5]) {
        char word[] = "spawn";
        iovec iov{word, sizeof word - 1};
        alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof fds)] = {};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = ctrl;
        msg.msg_controllen = sizeof ctrl;
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof fds);
        std::memcpy(CMSG_DATA(c), fds, sizeof fds);
        ssize_t n;
        do {
            n = ::sendmsg(sock_, &msg, MSG_NOSIGNAL);
        } while (n < 0 && errno == EINTR);
        return n == static_cast<ssize_t>(sizeof word - 1);
    }

    // Closes the request socket (the spawner exits at EOF), waits up to `graceMs` (2 s by
    // default; -1: not at all) before SIGKILL, and reaps it. Returns its wait status.
    int stopLocked(int graceMs = 2000) {
        if (sock_ >= 0) ::close(sock_);
        sock_ = -1;
        int status = 0;
        if (pidfd_ >= 0) {
            if (graceMs > 0) waitExited(pidfd_, graceMs);
            pollfd p{pidfd_, POLLIN, 0};
            if (::poll(&p, 1, 0) == 0) ::syscall(SYS_pidfd_send_signal, pidfd_, SIGKILL, nullptr, 0);
            siginfo_t info{};
            while (::waitid(kPidfd, static_cast<id_t>(pidfd_), &info, WEXITED) != 0 && errno == EINTR) {
            }
            status = info.si_code == CLD_EXITED ? (info.si_status & 0xff) << 8 : (info.si_status & 0x7f);
            ::close(pidfd_);
        }
        pidfd_ = -1;
        pid_ = -1;
        return status;
    }

    std::mutex mu_;
    std::string binary_;
    pid_t pid_ = -1;
    int pidfd_ = -1, sock_ = -1;
};

class SandboxProcess final : public Process {
public:
    SandboxProcess(const SandboxLauncherOptions& opts, std::string id, pid_t pid, int pidfd, int ctl, int initPidfd,
                   std::vector<Counter> counters)
        : binary_(opts.sandboxBinary), cgroupParent_(opts.cgroupParent), cgroupBackend_(opts.cgroupBackend),
          cgroupRoot_(opts.cgroupRoot), id_(std::move(id)), pid_(pid), pidfd_(pidfd), ctl_(ctl), initPidfd_(initPidfd),
          counters_(std::move(counters)) {}

    ~SandboxProcess() override {
        if (!reaped_) {
            kill();
            // The supervisor exits right after the init: it only reads usage and rmdirs.
            pollfd p{pidfd_, POLLIN, 0};
            if (::poll(&p, 1, 5000) <= 0) ::syscall(SYS_pidfd_send_signal, pidfd_, SIGKILL, nullptr, 0);
            reap();
        }
        // reap() returns at the exit report, which the supervisor sends just before it exits:
        // wait for the exit too, so that a destroyed instance leaves no process of its own
        // behind, not even for a moment (bounded; a supervisor wedged after its report is killed).
        pollfd p{pidfd_, POLLIN, 0};
        int rc;
        do {
            rc = ::poll(&p, 1, 2000);
        } while (rc < 0 && errno == EINTR);
        if (rc <= 0) ::syscall(SYS_pidfd_send_signal, pidfd_, SIGKILL, nullptr, 0);
        for (int fd : {pidfd_, ctl_, initPidfd_}) {
            if (fd >= 0) ::close(fd);
        }
        for (const auto& c : counters_) ::close(c.fd);
    }

    pid_t pid() const override { return pid_; }
    int exitFd() const override { return pidfd_; }

    void kill() override {
        // SIGKILL to the PID namespace's init: the kernel then kills every process in the
        // namespace, double-forked escapees included. The supervisor sees it and cleans up.
        if (initPidfd_ >= 0) ::syscall(SYS_pidfd_send_signal, initPidfd_, SIGKILL, nullptr, 0);
    }

    int reap() override {
        if (reaped_) return status_;
        // The instance has ended with the exit report: its processes are gone and its cgroup is
        // removed. The supervisor then only exits, and the spawner (its parent) reaps it. A
        // supervisor that died without a report was killed.
        bool closed = false;
        while (!exit_) {
            closed = drain() || closed;
            if (exit_) break;
            pollfd p[2] = {{pidfd_, POLLIN, 0}, {closed ? -1 : ctl_, POLLIN, 0}};
            if (::poll(p, 2, -1) < 0 && errno != EINTR) break;
            if (p[0].revents) {
                drain();  // a report sent just before it exited
                break;
            }
        }
        reaped_ = true;
        if (exit_) {
            status_ = exit_->status;
        } else {
            // The supervisor died without reporting: it was killed. What it would have removed
            // is removed here. Its init died with it (parent-death signal).
            status_ = SIGKILL;
            (void)runHelper(binary_, {"cleanup", "--cgroup-parent=" + cgroupParent_, "--id=" + id_,
                                      "--cgroup-backend=" + cgroupBackend_, "--cgroup-root=" + cgroupRoot_});
        }
        return status_;
    }

    Usage usage() const override {
        if (exit_) return exit_->usage;
        if (reaped_) return {};
        // While the cgroup exists its files answer, without waking the supervisor, and they are
        // final once the function has exited: the supervisor removes the cgroup only after it
        // read them for its exit report. Asked first, they spare the warm path a look for that
        // report (a poll of the control socket on every activation).
        if (auto u = readCounters(true)) return *u;
        // The cgroup is gone (ENODEV): the exit report is queued or on its way. If queued, it
        // has the final usage, and a request sent now would find no one to answer it.
        drain();
        if (exit_) return exit_->usage;
        const char req[] = R"({"type":"usage"})";
        if (::send(ctl_, req, sizeof req - 1, MSG_NOSIGNAL) < 0) return {};
        // The supervisor answers from a poll loop; 1 s only bounds a wedged one.
        for (;;) {
            auto m = receive(ctl_, 1000);
            if (!m || m->body.is_discarded()) return {};
            m->closeFds();
            std::string t = typeOf(m->body);
            if (t == "exit") {
                record(m->body);
                return exit_->usage;
            }
            if (t == "usage") return usageFrom(m->body.value("usage", Json::object()));
        }
    }

    Usage answeredUsage() const override {
        if (!exit_ && !reaped_) {
            if (auto u = readCounters(false)) return *u;
        }
        return usage();  // the exit report's, or the supervisor's answer
    }

private:
    struct ExitReport {
        int status = 0;
        Usage usage;
    };

    std::optional<Usage> readCounters(bool withOom) const {
        if (counters_.empty()) return std::nullopt;
        Usage u;
        char buf[4096];
        for (const auto& c : counters_) {
            if (c.usage == Counter::Field::Unknown || (!withOom && c.usage == Counter::Field::OomKilled)) continue;
            ssize_t n = ::pread(c.fd, buf, sizeof buf, 0);
            if (n < 0) return std::nullopt;
            std::string_view text(buf, static_cast<std::size_t>(n));
            std::int64_t v = 0;
            if (c.keys.empty()) std::from_chars(text.data(), text.data() + text.size(), v);
            else v = sumOfKeys(text, c.keys);
            v /= c.divisor;
            switch (c.usage) {
                case Counter::Field::CpuTimeUs: u.cpuTimeUs = v; break;
                case Counter::Field::PeakMemoryBytes: u.peakMemoryBytes = v; break;
                case Counter::Field::OomKilled: u.oomKilled = v > 0; break;
                case Counter::Field::Unknown: break;
            }
        }
        return u;
    }

    // Reads what is queued, until the exit report. True when the supervisor's end has closed.
    bool drain() const {
        while (!exit_) {
            auto m = receive(ctl_, 0);
            if (!m) return false;
            if (m->eof) return true;
            m->closeFds();
            if (typeOf(m->body) == "exit") record(m->body);
        }
        return false;
    }

    void record(const Json& j) const {
        ExitReport r;
        if (auto it = j.find("status"); it != j.end() && it->is_number_integer()) r.status = it->get<int>();
        r.usage = usageFrom(j.value("usage", Json::object()));
        exit_ = r;
    }

    std::string binary_, cgroupParent_, cgroupBackend_, cgroupRoot_, id_;
    pid_t pid_;
    int pidfd_, ctl_, initPidfd_;
    std::vector<Counter> counters_;
    bool reaped_ = false;
    int status_ = 0;
    mutable std::optional<ExitReport> exit_;  // usage() may see the exit report first
};

class SandboxLauncher final : public Launcher {
public:
    SandboxLauncher(SandboxLauncherOptions o, std::unique_ptr<Spawner> spawner)
        : opts_(std::move(o)), spawner_(std::move(spawner)) {
        // Which runtime paths exist is looked up once, not on every launch.
        for (const auto& m : opts_.runtimeMounts) {
            struct stat st {};
            if (::lstat(m.source.c_str(), &st) == 0) runtimeMounts_.push_back(m);
        }
    }

    bool isolatesFilesystem() const override { return true; }

    Result<std::unique_ptr<Process>> launch(const LaunchSpec& spec) override {
        if (!validId(spec.instanceId)) return failed("launch: instance id \"" + spec.instanceId + "\" is not [a-z0-9-]{1,64}");
        if (spec.argv.empty()) return failed("launch: empty argv");
        std::string text = specJson(spec).dump();
        auto cleanup = [&] {
            (void)runHelper(opts_.sandboxBinary, {"cleanup", "--cgroup-parent=" + opts_.cgroupParent, "--id=" + spec.instanceId,
                                                  "--cgroup-backend=" + opts_.cgroupBackend, "--cgroup-root=" + opts_.cgroupRoot});
        };

        // The supervisor gets the four ends (/dev/null for a missing one) and its control socket.
        int fds[5] = {spec.stdinFd, spec.stdoutFd, spec.stderrFd, spec.resultFd, -1};
        int devnull = -1;
        for (int i = 0; i < 4; ++i) {
            if (fds[i] >= 0) continue;
            if (devnull < 0) devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
            if (devnull < 0) return failed(sysError("open(\"/dev/null\")", errno));
            fds[i] = devnull;
        }
        int ctl = -1;
        Spawner::Child child;
        for (int attempt = 0;; ++attempt) {
            int sv[2];
            if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
                int err = errno;
                if (devnull >= 0) ::close(devnull);
                return failed(sysError("socketpair(SOCK_SEQPACKET)", err));
            }
            // The spec is the control socket's first datagram: queued now, it is there when the
            // supervisor looks, without waiting for this thread to hear back from the spawner.
            if (::send(sv[0], text.data(), text.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(text.size())) {
                int err = errno;
                ::close(sv[0]);
                ::close(sv[1]);
                if (devnull >= 0) ::close(devnull);
                return failed(sysError("send(spec, " + std::to_string(text.size()) + " bytes)", err));
            }
            fds[4] = sv[1];
            bool lost = false;
            auto c = spawner_->spawn(fds, lost);
            ::close(sv[1]);
            if (c) {
                ctl = sv[0];
                child = *c;
                break;
            }
            ::close(sv[0]);
            if (!lost || attempt > 0) {
                if (devnull >= 0) ::close(devnull);
                return failed("sandbox setup failed: " + c.error().message);
            }
        }
        if (devnull >= 0) ::close(devnull);
        const int pidfd = child.pidfd;
        auto abandon = [&](Error e) -> Result<std::unique_ptr<Process>> {
            ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
            waitExited(pidfd, 5000);
            ::close(pidfd);
            ::close(ctl);
            // The supervisor may have created the cgroup before it was killed.
            cleanup();
            return e;
        };

        auto timeout = static_cast<int>(opts_.setupTimeout.count()) + 2000;
        auto m = receive(ctl, timeout);
        if (!m) return abandon(failed("fw-sandbox did not answer within " + std::to_string(timeout) + " ms"));
        std::string type = m->body.is_discarded() ? "" : typeOf(m->body);
        if (type == "ready" && !m->fds.empty()) {
            int initPidfd = m->fds[0];
            auto counters = countersFrom(m->body, std::vector<int>(m->fds.begin() + 1, m->fds.end()));
            return std::unique_ptr<Process>(new SandboxProcess(opts_, spec.instanceId, child.pid, pidfd, ctl, initPidfd, std::move(counters)));
        }
        m->closeFds();
        std::string why = type == "error" ? m->body.value("message", std::string("unknown error"))
                                          : "fw-sandbox exited without reporting";
        // On "error" the supervisor has already removed what it made and is exiting (the
        // spawner reaps it); without one, what it made is removed here.
        waitExited(pidfd, 5000);
        ::close(pidfd);
        ::close(ctl);
        if (type != "error") cleanup();
        return failed("sandbox setup failed: " + why);
    }

private:
    Json specJson(const LaunchSpec& spec) {
        Json mounts = Json::array();
        auto add = [&](const BindMount& m) {
            mounts.push_back({{"source", m.source}, {"target", m.target}, {"readOnly", m.readOnly}});
        };
        for (const auto& m : runtimeMounts_) add(m);
        for (const auto& m : spec.mounts) add(m);
        auto id = opts_.hostIdBase + static_cast<uid_t>(next_.fetch_add(1) % static_cast<unsigned>(std::max(1, opts_.hostIdCount)));
        Json files = Json::array({
            {{"path", "/etc/passwd"}, {"content", "root:x:0:0:root:/:/usr/sbin/nologin\nsandbox:x:1000:1000:sandbox:/tmp:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/:/usr/sbin/nologin\n"}},
            {{"path", "/etc/group"}, {"content", "root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n"}},
            {{"path", "/etc/hosts"}, {"content", "127.0.0.1 localhost " + opts_.hostname + "\n::1 localhost\n"}},
        });
        return Json{{"id", spec.instanceId},
                    {"argv", spec.argv},
                    {"env", spec.env},
                    {"cwd", spec.workDir.empty() ? "/" : spec.workDir},
                    {"hostname", opts_.hostname},
                    {"mounts", mounts},
                    {"files", files},
                    {"stateDir", opts_.stateDir},
                    {"tmpSizeMb", spec.tmpSizeMb},
                    {"network", spec.network},
                    {"hostUid", id},
                    {"hostGid", id},
                    {"uid", 1000},
                    {"gid", 1000},
                    {"memoryMb", spec.memoryMb},
                    {"pidsMax", spec.pidsMax},
                    {"openFiles", opts_.openFiles},
                    {"cgroupParent", opts_.cgroupParent},
                    {"cgroupBackend", opts_.cgroupBackend},
                    {"cgroupRoot", opts_.cgroupRoot},
                    {"seccompProfile", opts_.seccompProfile},
                    {"setupTimeoutMs", opts_.setupTimeout.count()}};
    }

    SandboxLauncherOptions opts_;
    std::vector<BindMount> runtimeMounts_;  // those of opts_.runtimeMounts that exist
    std::unique_ptr<Spawner> spawner_;
    std::atomic<unsigned> next_{0};
};

}  // namespace

std::vector<BindMount> SandboxLauncherOptions::defaultRuntimeMounts() {
    std::vector<BindMount> out;
    for (const char* p : {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc/ld.so.cache",
                          "/etc/localtime", "/etc/ssl/certs", "/etc/nsswitch.conf", "/etc/alternatives"}) {
        out.push_back(BindMount{p, p, true});
    }
    return out;
}

Result<std::unique_ptr<Launcher>> makeSandboxLauncher(const SandboxLauncherOptions& options) {
    if (options.sandboxBinary.empty() || options.sandboxBinary[0] != '/')
        return failed("sandbox launcher: sandboxBinary must be an absolute path");
    if (::access(options.sandboxBinary.c_str(), X_OK) != 0)
        return failed(sysError("access(\"" + options.sandboxBinary + "\", X_OK)", errno));
    if (::geteuid() != 0)
        return failed("sandbox launcher: fw-sandbox needs root (namespaces, cgroups, id maps); run fwd as root or use --launcher=direct");
    if (options.stateDir.empty() || options.stateDir[0] != '/') return failed("sandbox launcher: stateDir must be an absolute path");
    if (options.hostIdBase == 0 || options.hostIdCount < 1) return failed("sandbox launcher: hostIdBase must be > 0 and hostIdCount >= 1");
    // mkdir -p; the directory only ever holds the shared, empty mount point "root".
    std::string path;
    for (std::size_t i = 1; i <= options.stateDir.size(); ++i) {
        if (i == options.stateDir.size() || options.stateDir[i] == '/') {
            path = options.stateDir.substr(0, i);
            if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return failed(sysError("mkdir(\"" + path + "\")", errno));
        }
    }
    // The spawner starts now, with the launcher, so that the first instance does not wait for it.
    auto spawner = std::make_unique<Spawner>(options.sandboxBinary);
    if (auto r = spawner->start(); !r) return r.error();
    return std::unique_ptr<Launcher>(new SandboxLauncher(options, std::move(spawner)));
}

Result<int> cleanupStale(const SandboxLauncherOptions& options) {
    auto out = runHelper(options.sandboxBinary, {"cleanup", "--cgroup-parent=" + options.cgroupParent,
                                                 "--cgroup-backend=" + options.cgroupBackend, "--cgroup-root=" + options.cgroupRoot});
    if (!out) return out.error();
    // "removed N stale cgroup(s) under ..."
    int n = 0;
    std::sscanf(out->c_str(), "removed %d", &n);
    return n;
}

Result<std::string> favorCgroupDynmods(const SandboxLauncherOptions& options) {
    auto out = runHelper(options.sandboxBinary, {"favordynmods", "on"});
    if (!out) return out.error();
    while (!out->empty() && out->back() == '\n') out->pop_back();
    return *out;
}

}  // namespace fw::invoker
