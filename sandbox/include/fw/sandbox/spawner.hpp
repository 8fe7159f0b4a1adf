// fw-sandbox serve: the long-lived spawner. The invoker starts it once and asks it for one
// supervisor per instance, instead of exec'ing fw-sandbox per instance (which cost the exec, the
// dynamic loader and libc's start on every cold start). Single-threaded; forks, never execs.
//
// Over one SOCK_SEQPACKET socket (the request socket), one datagram each way per instance:
//   -> "spawn" with exactly kSpawnFds fds attached (SCM_RIGHTS): the instance's stdin, stdout,
//      stderr, result pipe and its control socket
//   <- "ok <pid>" with a pidfd of the new supervisor attached, or "error <message>"
// The child gets those fds as 0..4 and runs `instanceMain(4, netns)`: exactly what `fw-sandbox
// run --control-fd=4` runs, so the per-instance control protocol is the same either way. `netns`
// (fd 5, or -1 when the pool is empty) is a fresh network namespace with lo up from the
// spawner's pool, for the sandbox to enter instead of creating one.
// The spawner reaps its children. It exits when the request socket reaches EOF (the invoker closed
// it or died); the supervisors then notice their own control sockets closing.
#pragma once

namespace fw::sandbox {

inline constexpr int kSpawnFds = 5;

using InstanceMain = int (*)(int controlFd, int pooledNetns);

// Returns the process's exit code once the request socket has closed.
int serveSpawner(int requestFd, InstanceMain instanceMain);

}  // namespace fw::sandbox
