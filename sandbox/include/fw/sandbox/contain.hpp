// Builds one sandbox from a spec and supervises it until it ends: the ordered containment steps
// (contain.cpp) and the supervisor loop. Called by fw-sandbox's main; not for multithreaded
// processes (it clones and sets up namespaces, which a process with threads cannot do).
#pragma once

#include <optional>
#include <string>

#include "fw/sandbox/control.hpp"
#include "fw/sandbox/seccomp.hpp"
#include "fw/sandbox/spec.hpp"

namespace fw::sandbox {

// Exit code of fw-sandbox when the sandbox could not be built (the function never ran).
inline constexpr int kSetupFailedExit = 125;

// Returns the function's wait status (as from waitpid), or exit(kSetupFailedExit) when setup
// failed; fw-sandbox's main then ends the same way (exitLike) so its own parent sees it too.
// `pooledNetns` (>= 0 under the spawner) is a fresh network namespace with lo up that the sandbox
// enters instead of creating one (~0.5 ms less); it is closed either way.
int runSandbox(const Spec& spec, const BpfProgram& filter, Channel& channel, int pooledNetns = -1);

// Ends this process the way `waitStatus` says the function ended: same exit code, or killed by
// the same signal (core dumps disabled first).
[[noreturn]] void exitLike(int waitStatus);

// fw-sandbox cleanup: kills and removes the cgroups a crashed predecessor left under `parent`
// (or only the one of `id`). Returns how many were removed.
Result<int> cleanupStale(const std::string& parent, const std::optional<std::string>& id,
                         const std::string& backend, const std::string& v2Root);

}  // namespace fw::sandbox
