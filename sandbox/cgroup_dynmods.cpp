// The cgroup2 root flag favordynmods (see cgroup.hpp). Measured on the reference machine (kernel
// 6.18, cgroup v1): writing a pid to cgroup.procs after 20-100 ms without any other migration
// took 6-8 ms at the median and up to 17 ms (one RCU grace period); with favordynmods, 0.03 ms.
// A cold start after a quiet spell paid it once for every hierarchy it attached to.
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "fw/sandbox/cgroup.hpp"

namespace fw::sandbox {
namespace {

constexpr const char* kFlag = "favordynmods";

Error failed(std::string msg) { return Error{Errc::SandboxFailed, std::move(msg)}; }

// The root flags shown by the first cgroup2 mount in `path`; nullopt when it shows none.
std::optional<std::vector<std::string>> visibleRootFlags(const std::string& path) {
    auto text = realCgroupFs().read(path);
    if (!text) return std::nullopt;
    for (const auto& m : parseCgroupMounts(*text)) {
        if (m.v2) return m.rootFlags;
    }
    return std::nullopt;
}

std::optional<std::vector<std::string>> currentRootFlags() {
    if (auto f = visibleRootFlags("/proc/self/mountinfo")) return f;
    // fwd in a mount namespace of its own: the host's mounts show the same (global) flags.
    return visibleRootFlags("/proc/1/mountinfo");
}

// The fs context's own explanation of a refused parameter ("e cgroup2: Unknown parameter ...").
std::string contextLog(int fd) {
    std::string out;
    char buf[512];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        if (!out.empty()) out += "; ";
        out.append(buf, static_cast<std::size_t>(n));
        while (!out.empty() && out.back() == '\n') out.pop_back();
    }
    return out;
}

}  // namespace

std::vector<std::string> rootFlagsWith(const std::vector<std::string>& current, bool favorDynmods) {
    std::vector<std::string> out;
    for (const auto& f : current) {
        if (f != kFlag) out.push_back(f);
    }
    if (favorDynmods) out.emplace_back(kFlag);
    return out;
}

std::optional<bool> cgroupFavorDynmods() {
    auto flags = currentRootFlags();
    if (!flags) return std::nullopt;
    return std::find(flags->begin(), flags->end(), kFlag) != flags->end();
}

Result<std::string> setCgroupFavorDynmods(bool on) {
    const std::string state = on ? "on" : "off";
    auto current = currentRootFlags();
    if (current && (std::find(current->begin(), current->end(), kFlag) != current->end()) == on)
        return "favordynmods was already " + state;
    // Without a visible cgroup2 mount the other flags are unknown; they are then at their
    // defaults unless a mount in another namespace set them.
    auto flags = rootFlagsWith(current.value_or(std::vector<std::string>{}), on);

    int fd = static_cast<int>(::syscall(SYS_fsopen, "cgroup2", FSOPEN_CLOEXEC));
    if (fd < 0) return failed(sysError("fsopen(\"cgroup2\")", errno));
    for (const auto& f : flags) {
        if (::syscall(SYS_fsconfig, fd, FSCONFIG_SET_FLAG, f.c_str(), nullptr, 0) != 0) {
            int err = errno;
            std::string log = contextLog(fd);
            ::close(fd);
            std::string msg = sysError("fsconfig(cgroup2, FSCONFIG_SET_FLAG, \"" + f + "\")", err);
            if (!log.empty()) msg += " (" + log + ")";
            if (f == kFlag && err == EINVAL) msg += ": this kernel has no favordynmods (Linux 6.1+)";
            return failed(msg);
        }
    }
    // Creating the superblock context is what applies the flags to the (single) cgroup2 root;
    // no mount is made, so there is nothing to unmount or remove.
    if (::syscall(SYS_fsconfig, fd, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) {
        int err = errno;
        std::string log = contextLog(fd);
        ::close(fd);
        return failed(sysError("fsconfig(cgroup2, FSCONFIG_CMD_CREATE)", err) + (log.empty() ? "" : " (" + log + ")"));
    }
    ::close(fd);
    auto now = cgroupFavorDynmods();
    if (!now) return "favordynmods turned " + state + " (not verifiable: no cgroup2 mount is visible)";
    if (*now != on)
        return failed("favordynmods is still " + std::string(on ? "off" : "on") +
                      " after fsconfig(cgroup2, FSCONFIG_CMD_CREATE): root flags can only be changed "
                      "from the initial cgroup namespace");
    return "favordynmods turned " + state;
}

}  // namespace fw::sandbox
