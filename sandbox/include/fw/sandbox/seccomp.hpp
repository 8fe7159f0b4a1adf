// The seccomp policy of a sandbox as a table (each entry with its reason), its compilation with
// libseccomp into a BPF program (done once, at build time, by tools/seccomp_gen.cpp), and loading a
// precompiled program. Not a general seccomp library: deny-list profiles only (default allow).
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "fw/common/error.hpp"

namespace fw::sandbox {

enum class SeccompAction {
    Errno,   // fail with EPERM: the function may probe, it must not succeed
    Enosys,  // fail with ENOSYS: callers fall back (clone3 -> clone)
    Kill,    // kill the process: no legitimate function ever tries this
};

struct SyscallRule {
    const char* syscall;
    SeccompAction action;
    const char* reason;
    // When argIndex >= 0 the rule applies only if (arg[argIndex] & mask) == value.
    int argIndex = -1;
    std::uint64_t mask = 0;
    std::uint64_t value = 0;
};

// The rules of a named profile; empty when there is no such profile.
std::span<const SyscallRule> seccompProfile(std::string_view name);
std::vector<std::string_view> seccompProfileNames();

// Compiles a profile for the native architecture (other architectures and x32 are killed).
Result<std::vector<sock_filter>> compileSeccompProfile(std::string_view name);

struct BpfProgram {
    const sock_filter* insns = nullptr;
    std::size_t len = 0;
};

// The programs compiled at build time (generated seccomp_builtin.cpp, library fw_sandbox_filters).
std::optional<BpfProgram> builtinSeccompFilter(std::string_view name);

// seccomp(SECCOMP_SET_MODE_FILTER); the caller must have set no_new_privs.
Result<void> installSeccompFilter(const BpfProgram& prog);

}  // namespace fw::sandbox
