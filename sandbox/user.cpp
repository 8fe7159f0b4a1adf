// User namespace and ids. The sandbox runs as one unprivileged host uid/gid (Spec::hostUid/Gid),
// seen inside as Spec::uid/gid. The user namespace is entered last (see contain.cpp), so it owns
// no other namespace: whatever capabilities a process gets inside it cover nothing else.
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "steps.hpp"

namespace fw::sandbox::steps {
namespace {

Error fail(const std::string& call, int err) { return Error{Errc::SandboxFailed, sysError(call, err)}; }

Result<void> writeProcFile(const std::string& path, const std::string& value) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return fail("open(\"" + path + "\", O_WRONLY)", errno);
    ssize_t n = ::write(fd, value.data(), value.size());
    int err = errno;
    ::close(fd);
    if (n != static_cast<ssize_t>(value.size())) return fail("write(\"" + path + "\", \"" + value + "\")", n < 0 ? err : EIO);
    return {};
}

}  // namespace

Result<void> dropSupplementaryGroups() {
    // Whatever groups fwd runs with must not reach the sandbox; the child inherits this.
    if (::setgroups(0, nullptr) != 0) return fail("setgroups(0, NULL)", errno);
    return {};
}

Result<void> writeIdMaps(pid_t child, const Spec& spec) {
    std::string base = "/proc/" + std::to_string(child);
    // "deny" first: it must precede gid_map, and it keeps setgroups(2) from dropping groups to
    // get around negative group permissions.
    if (auto r = writeProcFile(base + "/setgroups", "deny"); !r) return r;
    if (auto r = writeProcFile(base + "/uid_map", std::to_string(spec.uid) + " " + std::to_string(spec.hostUid) + " 1\n"); !r) return r;
    if (auto r = writeProcFile(base + "/gid_map", std::to_string(spec.gid) + " " + std::to_string(spec.hostGid) + " 1\n"); !r) return r;
    return {};
}

Result<void> enterUserNamespace() {
    if (::unshare(CLONE_NEWUSER) != 0) return fail("unshare(CLONE_NEWUSER)", errno);
    return {};
}

Result<void> becomeSandboxUser(const Spec& spec) {
    // gid before uid: after the uid change we may no longer change gids.
    if (::setresgid(spec.gid, spec.gid, spec.gid) != 0)
        return fail("setresgid(" + std::to_string(spec.gid) + ")", errno);
    if (::setresuid(spec.uid, spec.uid, spec.uid) != 0)
        return fail("setresuid(" + std::to_string(spec.uid) + ")", errno);
    return {};
}

}  // namespace fw::sandbox::steps
