// Network and UTS namespaces: the new network namespace starts with only a downed loopback.
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "steps.hpp"

namespace fw::sandbox::steps {

Result<void> bringUpLoopback() {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error{Errc::SandboxFailed, sysError("socket(AF_INET, SOCK_DGRAM)", errno)};
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    Result<void> r;
    if (::ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
        r = Error{Errc::SandboxFailed, sysError("ioctl(\"lo\", SIOCGIFFLAGS)", errno)};
    } else {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (::ioctl(fd, SIOCSIFFLAGS, &ifr) != 0)
            r = Error{Errc::SandboxFailed, sysError("ioctl(\"lo\", SIOCSIFFLAGS, IFF_UP)", errno)};
    }
    ::close(fd);
    return r;
}

Result<int> makeNetworkNamespace(int homeFd) {
    if (::unshare(CLONE_NEWNET) != 0) return Error{Errc::SandboxFailed, sysError("unshare(CLONE_NEWNET)", errno)};
    auto lo = bringUpLoopback();
    int fd = lo ? ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC) : -1;
    int openErr = errno;
    if (::setns(homeFd, CLONE_NEWNET) != 0) {
        if (fd >= 0) ::close(fd);
        return Error{Errc::SandboxFailed, sysError("setns(home, CLONE_NEWNET) (left in a new network namespace)", errno)};
    }
    if (!lo) return lo.error();
    if (fd < 0) return Error{Errc::SandboxFailed, sysError("open(\"/proc/self/ns/net\")", openErr)};
    return fd;
}

Result<void> enterNetworkNamespace(int fd) {
    if (::setns(fd, CLONE_NEWNET) != 0) return Error{Errc::SandboxFailed, sysError("setns(pooled network namespace, CLONE_NEWNET)", errno)};
    ::close(fd);
    return {};
}

Result<void> setHostname(const std::string& name) {
    if (::sethostname(name.data(), name.size()) != 0)
        return Error{Errc::SandboxFailed, sysError("sethostname(\"" + name + "\")", errno)};
    return {};
}

}  // namespace fw::sandbox::steps
