// Capabilities and no_new_privs. No libcap: three syscalls do it.
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "steps.hpp"

namespace fw::sandbox::steps {
namespace {
Error fail(const std::string& call, int err) { return Error{Errc::SandboxFailed, sysError(call, err)}; }
}  // namespace

Result<void> dropBoundingSet() {
    // Needs CAP_SETPCAP, so it runs before the uid change. The loop ends at the first capability
    // this kernel does not know (EINVAL).
    for (int cap = 0;; ++cap) {
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
        if (errno == EINVAL && cap > 0) break;
        return fail("prctl(PR_CAPBSET_DROP, " + std::to_string(cap) + ")", errno);
    }
    return {};
}

Result<void> clearAllCapabilities() {
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
        return fail("prctl(PR_CAP_AMBIENT_CLEAR_ALL)", errno);
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    if (::syscall(SYS_capset, &hdr, data) != 0) return fail("capset(all zero)", errno);
    return {};
}

Result<void> setNoNewPrivs() {
    // Required before an unprivileged seccomp filter; also makes setuid binaries inert.
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return fail("prctl(PR_SET_NO_NEW_PRIVS, 1)", errno);
    return {};
}

Result<void> setParentDeathSignal() {
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) return fail("prctl(PR_SET_PDEATHSIG, SIGKILL)", errno);
    return {};
}

}  // namespace fw::sandbox::steps
