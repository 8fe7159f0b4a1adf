// The seccomp profiles. A deny-list (default ALLOW): runtimes (CPython, Node.js, native binaries)
// use a wide and changing set of syscalls, so an allow-list breaks them in ways tests rarely
// catch; what a function must never reach is a short, stable list. Capabilities are already gone
// and no_new_privs is set, so most of these would fail anyway: the filter is the second layer
// (perf reference §4 case 8: without it, mount, nested user namespaces and keyctl succeeded) and
// it closes calls that need no capability at all (userfaultfd, io_uring, keyctl, bpf, ...).
#include "fw/sandbox/seccomp.hpp"

#include <errno.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

namespace fw::sandbox {
namespace {

using A = SeccompAction;

constexpr std::uint64_t k32 = 0xffffffffULL;

// clang-format off
const SyscallRule kDefaultProfile[] = {
    // Namespaces and mounts: the sandbox's view of the system is fixed by fw-sandbox.
    {"mount",          A::Errno, "the mount table is built before exec and must not change"},
    {"umount2",        A::Errno, "unmounting could reveal what a mount hides"},
    {"pivot_root",     A::Errno, "changing the root is fw-sandbox's job only"},
    {"chroot",         A::Errno, "chroot games are an old escape path"},
    {"fsopen",         A::Errno, "new mount API: same as mount"},
    {"fsconfig",       A::Errno, "new mount API: same as mount"},
    {"fsmount",        A::Errno, "new mount API: same as mount"},
    {"fspick",         A::Errno, "new mount API: reconfigures existing mounts"},
    {"move_mount",     A::Errno, "new mount API: same as mount"},
    {"open_tree",      A::Errno, "new mount API: clones mount trees"},
    {"mount_setattr",  A::Errno, "new mount API: could drop read-only"},
    {"unshare",        A::Errno, "new namespaces (esp. user) reopen the kernel attack surface"},
    {"setns",          A::Errno, "joining other namespaces is an escape by definition"},
    {"clone",          A::Errno, "clone(CLONE_NEWUSER) = unshare", 0, CLONE_NEWUSER, CLONE_NEWUSER},
    {"clone",          A::Errno, "clone(CLONE_NEWNS) = unshare", 0, CLONE_NEWNS, CLONE_NEWNS},
    {"clone",          A::Errno, "clone(CLONE_NEWPID) = unshare", 0, CLONE_NEWPID, CLONE_NEWPID},
    {"clone",          A::Errno, "clone(CLONE_NEWNET) = unshare", 0, CLONE_NEWNET, CLONE_NEWNET},
    {"clone",          A::Errno, "clone(CLONE_NEWIPC) = unshare", 0, CLONE_NEWIPC, CLONE_NEWIPC},
    {"clone",          A::Errno, "clone(CLONE_NEWUTS) = unshare", 0, CLONE_NEWUTS, CLONE_NEWUTS},
    {"clone",          A::Errno, "clone(CLONE_NEWCGROUP) = unshare", 0, CLONE_NEWCGROUP, CLONE_NEWCGROUP},
    {"clone3",         A::Enosys, "flags live in memory, unfilterable; ENOSYS makes glibc fall back to clone"},
    // Other processes' memory and state.
    {"ptrace",         A::Errno, "debugging other processes; also a classic seccomp bypass"},
    {"process_vm_readv",  A::Errno, "reads another process's memory"},
    {"process_vm_writev", A::Errno, "writes another process's memory"},
    {"kcmp",           A::Errno, "compares kernel objects of other processes (info leak)"},
    {"pidfd_getfd",    A::Errno, "steals file descriptors from another process"},
    // Kernel attack surface that needs no capability.
    {"bpf",            A::Errno, "eBPF verifier/JIT bugs are a recurring kernel escape"},
    {"perf_event_open", A::Errno, "perf events leak kernel addresses and have had many CVEs"},
    {"userfaultfd",    A::Errno, "used to widen race windows in kernel exploits"},
    {"io_uring_setup", A::Errno, "io_uring ops bypass seccomp and have had many CVEs"},
    {"io_uring_enter", A::Errno, "io_uring ops bypass seccomp and have had many CVEs"},
    {"io_uring_register", A::Errno, "io_uring ops bypass seccomp and have had many CVEs"},
    {"keyctl",         A::Errno, "kernel keyrings are per uid, not per namespace"},
    {"add_key",        A::Errno, "kernel keyrings are per uid, not per namespace"},
    {"request_key",    A::Errno, "kernel keyrings are per uid, not per namespace; can run upcalls"},
    {"fanotify_init",  A::Errno, "watches filesystem events beyond the sandbox"},
    {"name_to_handle_at", A::Errno, "file handles bypass path-based confinement"},
    {"open_by_handle_at", A::Kill, "the 'shocker' container escape; no function needs it"},
    // Host-wide state.
    {"swapon",         A::Errno, "host swap configuration"},
    {"swapoff",        A::Errno, "host swap configuration"},
    {"acct",           A::Errno, "host process accounting"},
    {"quotactl",       A::Errno, "host filesystem quotas"},
    {"quotactl_fd",    A::Errno, "host filesystem quotas"},
    {"settimeofday",   A::Errno, "the host clock is shared"},
    {"clock_settime",  A::Errno, "the host clock is shared"},
    {"clock_adjtime",  A::Errno, "the host clock is shared"},
    {"adjtimex",       A::Errno, "the host clock is shared"},
    {"sethostname",    A::Errno, "the hostname is set by fw-sandbox"},
    {"setdomainname",  A::Errno, "the domain name is set by fw-sandbox"},
    {"syslog",         A::Errno, "the kernel log leaks host information and addresses"},
    {"vhangup",        A::Errno, "hangs up terminals"},
    {"lookup_dcookie", A::Errno, "profiling interface; leaks host paths"},
    {"nfsservctl",     A::Errno, "obsolete NFS server control"},
    {"uselib",         A::Errno, "obsolete, legacy a.out loader"},
    {"ustat",          A::Errno, "obsolete; host filesystem statistics"},
    {"sysfs",          A::Errno, "obsolete filesystem-type query"},
    {"_sysctl",        A::Errno, "obsolete sysctl interface"},
    {"mbind",          A::Errno, "NUMA placement affects other tenants"},
    {"set_mempolicy",  A::Errno, "NUMA placement affects other tenants"},
    {"migrate_pages",  A::Errno, "moves pages between NUMA nodes"},
    {"move_pages",     A::Errno, "moves pages between NUMA nodes"},
    // Personality tricks that weaken exploit mitigations of the function's own children.
    {"personality",    A::Errno, "ADDR_NO_RANDOMIZE turns off ASLR", 0, ADDR_NO_RANDOMIZE, ADDR_NO_RANDOMIZE},
    {"personality",    A::Errno, "READ_IMPLIES_EXEC makes data executable", 0, READ_IMPLIES_EXEC, READ_IMPLIES_EXEC},
    {"personality",    A::Errno, "MMAP_PAGE_ZERO maps page 0 (NULL-deref exploits)", 0, MMAP_PAGE_ZERO, MMAP_PAGE_ZERO},
    {"personality",    A::Errno, "ADDR_COMPAT_LAYOUT makes the layout predictable", 0, ADDR_COMPAT_LAYOUT, ADDR_COMPAT_LAYOUT},
    // Terminals and raw network access.
    {"ioctl",          A::Errno, "TIOCSTI injects input into a terminal (CVE-2017-5226)", 1, k32, TIOCSTI},
    {"ioctl",          A::Errno, "TIOCLINUX can also inject terminal input", 1, k32, TIOCLINUX},
    {"socket",         A::Errno, "raw sockets forge packets", 1, 0xf, SOCK_RAW},
    {"socket",         A::Errno, "packet sockets see and forge link-layer traffic", 0, k32, AF_PACKET},
    // Never legitimate in a function: kill on sight.
    {"kexec_load",     A::Kill, "replaces the running kernel"},
    {"kexec_file_load", A::Kill, "replaces the running kernel"},
    {"init_module",    A::Kill, "loads kernel code"},
    {"finit_module",   A::Kill, "loads kernel code"},
    {"delete_module",  A::Kill, "unloads kernel code"},
    {"reboot",         A::Kill, "reboots the host"},
    {"iopl",           A::Kill, "raw I/O port access"},
    {"ioperm",         A::Kill, "raw I/O port access"},
};
// clang-format on

}  // namespace

std::span<const SyscallRule> seccompProfile(std::string_view name) {
    if (name == "default") return kDefaultProfile;
    return {};
}

std::vector<std::string_view> seccompProfileNames() { return {"default"}; }

Result<void> installSeccompFilter(const BpfProgram& prog) {
    sock_fprog fprog{static_cast<unsigned short>(prog.len), const_cast<sock_filter*>(prog.insns)};
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0)
        return Error{Errc::SandboxFailed,
                     sysError("seccomp(SECCOMP_SET_MODE_FILTER, " + std::to_string(prog.len) + " insns)", errno)};
    return {};
}

}  // namespace fw::sandbox
