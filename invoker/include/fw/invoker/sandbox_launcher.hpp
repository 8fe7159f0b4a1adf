// SandboxLauncher: starts every function instance through fw-sandbox (namespaces, cgroup,
// seccomp, read-only root; see docs/sandbox.md). It only spawns the helper and speaks its control
// protocol; it links nothing of sandbox/ (the design's "invoker uses sandbox by exec only").
// It is the only launcher: fwd runs no function outside a sandbox, so it needs root.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "fw/common/error.hpp"
#include "fw/invoker/launcher.hpp"

namespace fw::invoker {

struct SandboxLauncherOptions {
    std::string sandboxBinary;                        // absolute path of fw-sandbox
    std::string stateDir = "/run/firework/sandbox";   // root-owned; holds only the root mount point
    std::string cgroupParent = "firework";            // instance cgroups are <hierarchy>/<parent>/<id>
    std::string cgroupBackend = "auto";               // auto | v1 | v2
    std::string cgroupRoot;                           // v2 only: cgroup2 mount to use instead of probing
    // Host paths every instance sees read-only at the same path (the runtimes). Host symlinks
    // (/bin -> usr/bin) are recreated as links. Entries whose source does not exist when the
    // launcher is made are skipped.
    std::vector<BindMount> runtimeMounts = defaultRuntimeMounts();
    // Each instance runs as its own host uid/gid, taken round-robin from this range (mapped to
    // uid/gid 1000 inside). Keep the range out of /etc/subuid ranges and real users.
    uid_t hostIdBase = 200000;
    int hostIdCount = 65536;
    int openFiles = 1024;  // RLIMIT_NOFILE
    std::string seccompProfile = "default";
    std::string hostname = "sandbox";
    std::chrono::milliseconds setupTimeout{10000};

    static std::vector<BindMount> defaultRuntimeMounts();
};

// Checks the binary and privileges (fw-sandbox must run as root) and creates stateDir.
Result<std::unique_ptr<Launcher>> makeSandboxLauncher(const SandboxLauncherOptions& options);

// For fwd's start-up: kills the processes of and removes every instance cgroup a crashed
// predecessor left under options.cgroupParent (runs `fw-sandbox cleanup`). Mounts and temp dirs
// need no clean-up: they live in the instances' private mount namespaces and die with them.
// Returns how many stale instances were removed.
Result<int> cleanupStale(const SandboxLauncherOptions& options);

// For fwd's start-up: turns on the cgroup2 root flag favordynmods (runs `fw-sandbox favordynmods
// on`), so that attaching an instance to its cgroup does not wait for an RCU grace period. Returns
// what was done, in a sentence; the error (e.g. a kernel older than 6.1) names what is missing.
Result<std::string> favorCgroupDynmods(const SandboxLauncherOptions& options);

}  // namespace fw::invoker
