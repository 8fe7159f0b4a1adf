// The PID namespace's init. It is fw-sandbox code, not the function: PID 1 ignores signals it has
// no handler for and inherits every orphan, so a runtime as PID 1 would neither die from a plain
// kill nor reap double-forked zombies. When the main process ends, init exits, and the kernel
// SIGKILLs everything left in the namespace: no daemonised escapee outlives the instance.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "steps.hpp"

namespace fw::sandbox::steps {

void runInit(pid_t mainPid, int statusFd) {
    for (;;) {
        int status = 0;
        pid_t p = ::waitpid(-1, &status, __WALL);
        if (p < 0) {
            if (errno == EINTR) continue;
            ::_exit(0);  // ECHILD: cannot happen before mainPid was reaped
        }
        if (p == mainPid) {
            ssize_t n;
            do {
                n = ::write(statusFd, &status, sizeof status);
            } while (n < 0 && errno == EINTR);
            ::_exit(0);
        }
    }
}

}  // namespace fw::sandbox::steps
