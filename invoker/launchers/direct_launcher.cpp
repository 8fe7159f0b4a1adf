#include "fw/invoker/direct_launcher.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace fw::invoker {
namespace {

int pidfdOpen(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

class DirectProcess final : public Process {
public:
    DirectProcess(pid_t pid, int pidfd) : pid_(pid), pidfd_(pidfd) {}
    ~DirectProcess() override {
        kill();
        if (!reaped_) {
            // The group was just killed; the leader's exit is imminent.
            int status;
            while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
            }
        }
        close(pidfd_);
    }
    pid_t pid() const override { return pid_; }
    int exitFd() const override { return pidfd_; }
    void kill() override {
        // The whole process group: children the function forked die with it. (A process that
        // left the group with setsid escapes; only the sandbox launcher contains that.)
        ::kill(-pid_, SIGKILL);
    }
    int reap() override {
        int status = 0;
        if (reaped_) return status_;
        while (waitpid(pid_, &status, 0) < 0) {
            if (errno != EINTR) return 0;
        }
        reaped_ = true;
        status_ = status;
        ::kill(-pid_, SIGKILL);  // leftovers of the group go with the leader
        return status;
    }
    Usage usage() const override { return {}; }

private:
    pid_t pid_;
    int pidfd_;
    bool reaped_ = false;
    int status_ = 0;
};

}  // namespace

Result<std::unique_ptr<Process>> DirectLauncher::launch(const LaunchSpec& spec) {
    if (spec.argv.empty()) return Error{Errc::SandboxFailed, "launch: empty argv"};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    // The child ends become fds 0..3 (dup2 clears O_CLOEXEC); everything above 3 is closed.
    int ends[4] = {spec.stdinFd, spec.stdoutFd, spec.stderrFd, spec.resultFd};
    for (int target = 0; target < 4; ++target) {
        posix_spawn_file_actions_adddup2(&fa, ends[target], target);
    }
    posix_spawn_file_actions_addclosefrom_np(&fa, 4);
    if (!spec.workDir.empty()) posix_spawn_file_actions_addchdir_np(&fa, spec.workDir.c_str());
    // Own session and process group, default signal dispositions, nothing blocked.
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> argv, envp;
    for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);

    pid_t pid = -1;
    int rc = posix_spawn(&pid, spec.argv[0].c_str(), &fa, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        return Error{Errc::SandboxFailed, sysError("posix_spawn(\"" + spec.argv[0] + "\")", rc)};
    }
    int pidfd = pidfdOpen(pid);
    if (pidfd < 0) {
        int err = errno;
        ::kill(-pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        return Error{Errc::SandboxFailed, sysError("pidfd_open(" + std::to_string(pid) + ")", err)};
    }
    fcntl(pidfd, F_SETFD, FD_CLOEXEC);
    return std::unique_ptr<Process>(new DirectProcess(pid, pidfd));
}

}  // namespace fw::invoker
