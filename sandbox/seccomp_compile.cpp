// Compiling a profile with libseccomp. Separate from seccomp.cpp so that fw-sandbox, which only
// loads the build-time program, does not link libseccomp at run time (a smaller, static binary
// starts faster: it is exec'd once per instance).
#include <errno.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "fw/sandbox/seccomp.hpp"

namespace fw::sandbox {
namespace {

using A = SeccompAction;

std::uint32_t scmpAction(SeccompAction a) {
    switch (a) {
        case A::Errno: return SCMP_ACT_ERRNO(EPERM);
        case A::Enosys: return SCMP_ACT_ERRNO(ENOSYS);
        case A::Kill: return SCMP_ACT_KILL_PROCESS;
    }
    return SCMP_ACT_KILL_PROCESS;
}

}  // namespace

Result<std::vector<sock_filter>> compileSeccompProfile(std::string_view name) {
    auto rules = seccompProfile(name);
    if (rules.empty()) return Error{Errc::InvalidArgument, "unknown seccomp profile \"" + std::string(name) + "\""};
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) return Error{Errc::Internal, "seccomp_init failed"};
    struct Guard {
        scmp_filter_ctx c;
        ~Guard() { seccomp_release(c); }
    } guard{ctx};
    // Binary-tree layout: attach cost stays flat as the list grows (perf reference §2.3).
    if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2); rc != 0)
        return Error{Errc::Internal, sysError("seccomp_attr_set(SCMP_FLTATR_CTL_OPTIMIZE, 2)", -rc)};
    // fw-sandbox sets no_new_privs itself, before the filter; the exported program has no NNP.
    for (const auto& r : rules) {
        int nr = seccomp_syscall_resolve_name(r.syscall);
        if (nr == __NR_SCMP_ERROR)
            return Error{Errc::Internal, std::string("seccomp: unknown syscall ") + r.syscall};
        int rc;
        if (r.argIndex < 0) {
            rc = seccomp_rule_add(ctx, scmpAction(r.action), nr, 0);
        } else {
            scmp_arg_cmp cmp{static_cast<unsigned>(r.argIndex), SCMP_CMP_MASKED_EQ, r.mask, r.value};
            rc = seccomp_rule_add_array(ctx, scmpAction(r.action), nr, 1, &cmp);
        }
        if (rc != 0)
            return Error{Errc::Internal, sysError(std::string("seccomp_rule_add(") + r.syscall + ")", -rc)};
    }
    int fd = memfd_create("fw-seccomp", MFD_CLOEXEC);
    if (fd < 0) return Error{Errc::Internal, sysError("memfd_create", errno)};
    struct FdGuard {
        int fd;
        ~FdGuard() { ::close(fd); }
    } fdGuard{fd};
    if (int rc = seccomp_export_bpf(ctx, fd); rc != 0)
        return Error{Errc::Internal, sysError("seccomp_export_bpf", -rc)};
    off_t size = lseek(fd, 0, SEEK_END);
    if (size <= 0 || size % sizeof(sock_filter) != 0)
        return Error{Errc::Internal, "seccomp_export_bpf produced " + std::to_string(size) + " bytes"};
    std::vector<sock_filter> prog(static_cast<std::size_t>(size) / sizeof(sock_filter));
    if (pread(fd, prog.data(), static_cast<std::size_t>(size), 0) != size)
        return Error{Errc::Internal, sysError("pread(seccomp memfd)", errno)};
    return prog;
}

}  // namespace fw::sandbox
