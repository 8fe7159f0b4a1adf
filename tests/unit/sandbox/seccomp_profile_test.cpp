// The seccomp profile table: every entry has a reason and names a syscall this libseccomp knows,
// everything the issue lists is refused, and the build-time program equals a fresh compilation.
#include <seccomp.h>

#include <cstring>
#include <set>

#include <gtest/gtest.h>

#include "fw/sandbox/seccomp.hpp"

namespace fw::sandbox {
namespace {

TEST(SandboxSeccomp, EveryEntryHasAReasonAndAKnownSyscall) {
    for (auto name : seccompProfileNames()) {
        auto rules = seccompProfile(name);
        ASSERT_FALSE(rules.empty()) << name;
        for (const auto& r : rules) {
            SCOPED_TRACE(r.syscall);
            EXPECT_GT(std::strlen(r.reason), 10u);
            EXPECT_NE(seccomp_syscall_resolve_name(r.syscall), __NR_SCMP_ERROR);
            EXPECT_LE(r.argIndex, 5);
        }
    }
}

TEST(SandboxSeccomp, UnconditionalEntriesAreNotDuplicated) {
    std::set<std::string> seen;
    for (const auto& r : seccompProfile("default")) {
        if (r.argIndex >= 0) continue;
        EXPECT_TRUE(seen.insert(r.syscall).second) << r.syscall;
    }
}

TEST(SandboxSeccomp, RefusesWhatTheIssueLists) {
    std::set<std::string> refused;
    for (const auto& r : seccompProfile("default")) {
        if (r.argIndex < 0) refused.insert(r.syscall);
    }
    for (const char* s : {"mount", "umount2", "pivot_root", "ptrace", "process_vm_readv", "process_vm_writev",
                          "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "bpf",
                          "perf_event_open", "keyctl", "add_key", "request_key", "unshare", "setns", "reboot",
                          "swapon", "swapoff", "acct", "quotactl", "settimeofday", "clock_settime", "adjtimex",
                          "iopl", "ioperm", "userfaultfd", "io_uring_setup", "open_by_handle_at", "clone3"}) {
        EXPECT_TRUE(refused.count(s)) << s << " must be refused";
    }
}

TEST(SandboxSeccomp, KillsOnlyTheNeverLegitimate) {
    std::set<std::string> kill;
    for (const auto& r : seccompProfile("default")) {
        if (r.action == SeccompAction::Kill) kill.insert(r.syscall);
    }
    // Calls a function may probe harmlessly (tests in tests/sandbox expect EPERM) are not killed.
    for (const char* s : {"ptrace", "mount", "unshare", "setns", "bpf", "keyctl"}) EXPECT_FALSE(kill.count(s)) << s;
    EXPECT_TRUE(kill.count("kexec_load"));
    EXPECT_TRUE(kill.count("init_module"));
}

TEST(SandboxSeccomp, BuiltinProgramIsTheCompiledProfile) {
    auto compiled = compileSeccompProfile("default");
    ASSERT_TRUE(compiled) << compiled.error().message;
    auto builtin = builtinSeccompFilter("default");
    ASSERT_TRUE(builtin);
    ASSERT_EQ(builtin->len, compiled->size());
    EXPECT_EQ(std::memcmp(builtin->insns, compiled->data(), compiled->size() * sizeof(sock_filter)), 0);
    // BPF programs are limited to 4096 instructions; stay far below (attach cost).
    EXPECT_LT(builtin->len, 400u);
}

TEST(SandboxSeccomp, UnknownProfileIsAnError) {
    EXPECT_FALSE(compileSeccompProfile("nope"));
    EXPECT_FALSE(builtinSeccompFilter("nope"));
}

}  // namespace
}  // namespace fw::sandbox
