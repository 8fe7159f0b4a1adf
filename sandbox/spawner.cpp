// The spawner loop (see spawner.hpp). Its own work per request is one recvmsg, one fork, one
// pidfd_open and one sendmsg; everything else happens in the child.
#include "fw/sandbox/spawner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "fw/common/error.hpp"
#include "fw/sandbox/cgroup.hpp"
#include "fw/sandbox/contain.hpp"
#include "fw/sandbox/control.hpp"
#include "steps.hpp"

namespace fw::sandbox {
namespace {

void reply(int sock, const std::string& text, int passFd = -1) {
    sendDatagram(sock, text, passFd >= 0 ? std::vector<int>{passFd} : std::vector<int>{});
}

void reapChildren() {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
}

// Fresh network namespaces with lo up, made while the spawner is idle (no request for
// kPoolIdleMs): creating one in the instance's clone3 cost ~0.5 ms of every cold start here,
// entering a made one costs a setns. Each is handed to exactly one instance and never reused.
// When the pool is empty (a burst of starts), instances create their own as before.
class NetnsPool {
public:
    static constexpr std::size_t kSize = 2;
    static constexpr int kPoolIdleMs = 5;

    NetnsPool() : home_(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) {
        if (home_ < 0) disable(sysError("open(\"/proc/self/ns/net\")", errno));
    }
    ~NetnsPool() {
        for (int i = 0; i < count_; ++i) ::close(fds_[i]);
        if (home_ >= 0) ::close(home_);
    }
    bool full() const { return disabled_ || count_ == static_cast<int>(kSize); }
    int take() { return count_ > 0 ? fds_[--count_] : -1; }
    // Adds one. False when the spawner must stop (it could not return to its own namespace).
    bool fillOne() {
        if (full()) return true;
        auto fd = steps::makeNetworkNamespace(home_);
        if (fd) {
            fds_[count_++] = *fd;
            return true;
        }
        disable(fd.error().message);
        struct stat home {}, now {};
        return ::fstat(home_, &home) == 0 && ::stat("/proc/self/ns/net", &now) == 0 && home.st_ino == now.st_ino;
    }

private:
    void disable(const std::string& why) {
        disabled_ = true;
        std::string msg = "fw-sandbox serve: no pooled network namespaces (instances make their own): " + why + "\n";
        (void)!::write(2, msg.data(), msg.size());
    }
    int home_;
    int fds_[kSize] = {};
    int count_ = 0;
    bool disabled_ = false;
};

// In the forked child: the instance's fds become 0..4, as `run --control-fd=4` gets them from
// posix_spawn, the pooled network namespace (if any) 5, and nothing else of the spawner's stays.
[[noreturn]] void becomeInstance(const int (&fds)[kSpawnFds], int netns, InstanceMain instanceMain) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // Copies above every target first: a received fd may itself be one of 0..4.
    int high[kSpawnFds];
    for (int i = 0; i < kSpawnFds; ++i) {
        high[i] = ::fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
        if (high[i] < 0) ::_exit(kSetupFailedExit);
    }
    for (int i = 0; i < kSpawnFds; ++i) {
        if (::dup2(high[i], i) < 0) ::_exit(kSetupFailedExit);
    }
    if (netns >= 0 && ::dup2(netns, kSpawnFds) < 0) netns = -1;
    ::close_range(netns >= 0 ? kSpawnFds + 1 : kSpawnFds, ~0U, 0);
    // Its own session, like the process posix_spawn made with POSIX_SPAWN_SETSID.
    ::setsid();
    ::_exit(instanceMain(kSpawnFds - 1, netns >= 0 ? kSpawnFds : -1));
}

// Serves one datagram. False when the request socket has closed.
bool serveOne(int sock, NetnsPool& pool, InstanceMain instanceMain) {
    char buf[64];
    iovec iov{buf, sizeof buf};
    alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int) * kSpawnFds)] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctrl;
    msg.msg_controllen = sizeof ctrl;
    ssize_t n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0) return errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK;
    if (n == 0) return false;
    int fds[kSpawnFds];
    int nfds = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int count = static_cast<int>((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (nfds < kSpawnFds) fds[nfds++] = fd;
            else ::close(fd);
        }
    }
    auto closeReceived = [&] {
        for (int i = 0; i < nfds; ++i) ::close(fds[i]);
    };
    if (std::string_view(buf, static_cast<std::size_t>(n)) != "spawn" || nfds != kSpawnFds ||
        (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC))) {
        closeReceived();
        reply(sock, "error bad request: want \"spawn\" with " + std::to_string(kSpawnFds) + " fds");
        return true;
    }
    int netns = pool.take();
    pid_t pid = ::fork();
    if (pid < 0) {
        int err = errno;
        closeReceived();
        if (netns >= 0) ::close(netns);
        reply(sock, "error " + sysError("fork()", err));
        return true;
    }
    if (pid == 0) becomeInstance(fds, netns, instanceMain);
    closeReceived();
    if (netns >= 0) ::close(netns);
    // Children are reaped only by this loop, later: the pid cannot have been reused yet.
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
        int err = errno;
        ::kill(pid, SIGKILL);
        reply(sock, "error " + sysError("pidfd_open(" + std::to_string(pid) + ")", err));
        return true;
    }
    reply(sock, "ok " + std::to_string(pid), pidfd);
    ::close(pidfd);
    return true;
}

}  // namespace

int serveSpawner(int requestFd, InstanceMain instanceMain) {
    // Supervisors start with default dispositions, whatever this process inherited.
    for (int sig = 1; sig < NSIG; ++sig) {
        if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
    }
    // Every supervisor probes the cgroup backend: from this one reading of the mounts.
    rememberCgroupMounts();
    // SIGCHLD through a signalfd: children are reaped in the loop and nowhere else.
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &chld, nullptr);
    int sfd = ::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) {
        std::string msg = "fw-sandbox serve: " + sysError("signalfd(SIGCHLD)", errno) + "\n";
        (void)!::write(2, msg.data(), msg.size());
        return 1;
    }
    NetnsPool pool;
    if (!pool.fillOne()) return 1;
    for (;;) {
        pollfd p[2] = {{requestFd, POLLIN, 0}, {sfd, POLLIN, 0}};
        int rc = ::poll(p, 2, pool.full() ? -1 : NetnsPool::kPoolIdleMs);
        if (rc < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (rc == 0) {
            if (!pool.fillOne()) return 1;
            continue;
        }
        if (p[1].revents) {
            signalfd_siginfo si;
            while (::read(sfd, &si, sizeof si) > 0) {
            }
            reapChildren();
        }
        if (p[0].revents & POLLIN) {
            if (!serveOne(requestFd, pool, instanceMain)) break;
        } else if (p[0].revents) {
            break;  // POLLHUP/POLLERR without data: the invoker has gone
        }
    }
    // The invoker has gone. Running supervisors see their control sockets close, kill their
    // instances, clean up and exit (reparented, they are reaped by init).
    ::close(sfd);
    reapChildren();
    return 0;
}

}  // namespace fw::sandbox
