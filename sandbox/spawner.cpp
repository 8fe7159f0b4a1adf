// The spawner loop (see spawner.hpp). Its own work per request is one recvmsg, one fork, one
// pidfd_open and one sendmsg; everything else happens in the child.
#include "fw/sandbox/spawner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
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

namespace fw::sandbox {
namespace {

void reply(int sock, const std::string& text, int passFd = -1) {
    sendDatagram(sock, text, passFd >= 0 ? std::vector<int>{passFd} : std::vector<int>{});
}

void reapChildren() {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
}

// In the forked child: the instance's fds become 0..4, as `run --control-fd=4` gets them from
// posix_spawn, and nothing of the spawner's stays.
[[noreturn]] void becomeInstance(const int (&fds)[kSpawnFds], int (*instanceMain)(int)) {
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
    ::close_range(kSpawnFds, ~0U, 0);
    // Its own session, like the process posix_spawn made with POSIX_SPAWN_SETSID.
    ::setsid();
    ::_exit(instanceMain(kSpawnFds - 1));
}

// Serves one datagram. False when the request socket has closed.
bool serveOne(int sock, int (*instanceMain)(int)) {
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
    pid_t pid = ::fork();
    if (pid < 0) {
        int err = errno;
        closeReceived();
        reply(sock, "error " + sysError("fork()", err));
        return true;
    }
    if (pid == 0) becomeInstance(fds, instanceMain);
    closeReceived();
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

int serveSpawner(int requestFd, int (*instanceMain)(int controlFd)) {
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
    for (;;) {
        pollfd p[2] = {{requestFd, POLLIN, 0}, {sfd, POLLIN, 0}};
        if (::poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (p[1].revents) {
            signalfd_siginfo si;
            while (::read(sfd, &si, sizeof si) > 0) {
            }
            reapChildren();
        }
        if (p[0].revents & POLLIN) {
            if (!serveOne(requestFd, instanceMain)) break;
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
