// The individual containment steps, one kernel concern per file. Private to sandbox/: only
// contain.cpp calls them, in the order written there. Each returns the failing call with its
// arguments and errno.
#pragma once

#include <sys/types.h>

#include <initializer_list>
#include <string>

#include "fw/common/error.hpp"
#include "fw/sandbox/spec.hpp"

namespace fw::sandbox::steps {

// user.cpp — parent half runs in fw-sandbox on the host, child half in the sandbox init.
Result<void> dropSupplementaryGroups();
Result<void> writeIdMaps(pid_t child, const Spec& spec);
Result<void> enterUserNamespace();
Result<void> becomeSandboxUser(const Spec& spec);

// caps.cpp
Result<void> dropBoundingSet();
Result<void> clearAllCapabilities();
Result<void> setNoNewPrivs();
Result<void> setParentDeathSignal();

// mount.cpp
Result<void> makeMountsPrivate();
Result<void> buildRoot(const Spec& spec, const std::string& newRoot);
Result<void> pivotInto(const std::string& newRoot);

// net.cpp
Result<void> bringUpLoopback();
// For the spawner's pool: a new network namespace with lo up, as an fd, made by entering it and
// returning to `homeFd` (the caller's own). If the return fails, the caller is left inside the
// new namespace: the error says so, and the caller must not go on (its children would inherit it).
Result<int> makeNetworkNamespace(int homeFd);
// setns into a pooled network namespace (needs CAP_SYS_ADMIN: before the user namespace); closes fd.
Result<void> enterNetworkNamespace(int fd);
Result<void> setHostname(const std::string& name);

// rlimits.cpp
Result<void> applyRlimits(const Spec& spec);

// fds.cpp
// Closes every fd not in `keep` (which must be sorted).
Result<void> closeAllExcept(std::initializer_list<int> keep);
// Marks every fd >= lowest close-on-exec (kept usable until exec: the setup pipe needs that).
Result<void> cloexecFrom(int lowest);

// pid.cpp — the init of the sandbox's PID namespace. Reaps every child; when `mainPid` ends it
// writes its wait status to `statusFd` and exits, which makes the kernel kill the rest.
[[noreturn]] void runInit(pid_t mainPid, int statusFd);

}  // namespace fw::sandbox::steps
