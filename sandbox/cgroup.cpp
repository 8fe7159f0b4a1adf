// The backend-neutral half of cgroup handling: real file operations, mountinfo parsing, probing.
#include "fw/sandbox/cgroup.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <fstream>
#include <sstream>

#include "cgroup_common.hpp"

namespace fw::sandbox {
namespace {

Error sys(const std::string& call, int err) { return Error{Errc::SandboxFailed, sysError(call, err)}; }

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i <= s.size()) {
        std::size_t j = s.find(sep, i);
        if (j == std::string_view::npos) j = s.size();
        out.emplace_back(s.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

// mountinfo escapes space, tab, newline and backslash as octal (\040).
std::string unescape(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            int v = 0;
            bool ok = true;
            for (int k = 1; k <= 3; ++k) {
                char c = s[i + k];
                if (c < '0' || c > '7') ok = false;
                v = v * 8 + (c - '0');
            }
            if (ok) {
                out.push_back(static_cast<char>(v));
                i += 3;
                continue;
            }
        }
        out.push_back(s[i]);
    }
    return out;
}

}  // namespace

Result<void> CgroupFs::mkdir(const std::string& path) {
    if (::mkdir(path.c_str(), 0755) != 0) return sys("mkdir(\"" + path + "\")", errno);
    return {};
}

Result<void> CgroupFs::rmdir(const std::string& path) {
    if (::rmdir(path.c_str()) != 0) return sys("rmdir(\"" + path + "\")", errno);
    return {};
}

Result<void> CgroupFs::write(const std::string& path, std::string_view value) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return sys("open(\"" + path + "\", O_WRONLY)", errno);
    ssize_t n = ::write(fd, value.data(), value.size());
    int err = errno;
    ::close(fd);
    if (n < 0) return sys("write(\"" + path + "\", \"" + std::string(value) + "\")", err);
    return {};
}

Result<std::string> CgroupFs::read(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return sys("open(\"" + path + "\", O_RDONLY)", errno);
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            return sys("read(\"" + path + "\")", err);
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
}

bool CgroupFs::exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

Result<std::vector<std::string>> CgroupFs::listDirs(const std::string& path) {
    DIR* d = ::opendir(path.c_str());
    if (!d) return sys("opendir(\"" + path + "\")", errno);
    std::vector<std::string> out;
    while (auto* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n == "." || n == "..") continue;
        if (e->d_type == DT_DIR) out.push_back(n);
    }
    ::closedir(d);
    return out;
}

CgroupFs& realCgroupFs() {
    static CgroupFs fs;
    return fs;
}

std::vector<CgroupMount> parseCgroupMounts(std::string_view mountinfo) {
    // Format: id parent major:minor root mountpoint opts [optional...] - fstype source superopts
    std::vector<CgroupMount> out;
    for (const auto& line : split(mountinfo, '\n')) {
        if (line.empty()) continue;
        auto fields = split(line, ' ');
        std::size_t dash = 0;
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (fields[i] == "-") {
                dash = i;
                break;
            }
        }
        if (dash < 5 || dash + 1 >= fields.size()) continue;
        const std::string& fstype = fields[dash + 1];
        if (fstype != "cgroup" && fstype != "cgroup2") continue;
        CgroupMount m;
        m.mountPoint = unescape(fields[4]);
        m.v2 = fstype == "cgroup2";
        if (dash + 3 < fields.size()) {
            for (auto& opt : split(fields[dash + 3], ',')) {
                if (opt == "rw" || opt == "ro" || opt.empty()) continue;
                (m.v2 ? m.rootFlags : m.controllers).push_back(opt);
            }
        }
        out.push_back(std::move(m));
    }
    return out;
}

std::optional<std::int64_t> readKeyValue(std::string_view text, std::string_view key) {
    for (const auto& line : split(text, '\n')) {
        auto sp = line.find(' ');
        if (sp == std::string::npos || std::string_view(line).substr(0, sp) != key) continue;
        std::int64_t v = 0;
        auto rest = std::string_view(line).substr(sp + 1);
        auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), v);
        if (ec == std::errc()) return v;
    }
    return std::nullopt;
}

std::string_view fieldName(UsageCounter::Field f) {
    switch (f) {
        case UsageCounter::Field::CpuTimeUs: return "cpuTimeUs";
        case UsageCounter::Field::PeakMemoryBytes: return "peakMemoryBytes";
        case UsageCounter::Field::OomKilled: return "oomKilled";
    }
    return "";
}

void applyCounter(const UsageCounter& c, std::string_view text, CgroupUsage& usage) {
    std::int64_t v = 0;
    if (c.keys.empty()) {
        v = detail::parseInt(text);
    } else {
        for (const auto& k : c.keys) v += readKeyValue(text, k).value_or(0);
    }
    v /= c.divisor > 0 ? c.divisor : 1;
    switch (c.field) {
        case UsageCounter::Field::CpuTimeUs: usage.cpuTimeUs = v; break;
        case UsageCounter::Field::PeakMemoryBytes: usage.peakMemoryBytes = v; break;
        case UsageCounter::Field::OomKilled: usage.oomKilled = v > 0; break;
    }
}

Result<CgroupUsage> readUsage(CgroupFs& fs, const std::vector<UsageCounter>& counters) {
    CgroupUsage u;
    for (const auto& c : counters) {
        auto text = fs.read(c.path);
        if (!text) return text.error();
        applyCounter(c, *text, u);
    }
    return u;
}

CgroupLimits limitsFor(int memoryMb, int pidsMax) {
    CgroupLimits l;
    l.memoryBytes = static_cast<std::int64_t>(memoryMb) * 1024 * 1024;
    l.pidsMax = pidsMax;
    // Lambda-style: CPU share proportional to memory; 256 MB gets the kernel's default share.
    l.cpuWeightPercent = std::max(1, memoryMb * 100 / 256);
    return l;
}

namespace {

// Set by rememberCgroupMounts() in the spawner; its forked supervisors probe from it.
std::optional<std::vector<CgroupMount>>& rememberedMounts() {
    static std::optional<std::vector<CgroupMount>> mounts;
    return mounts;
}

Result<std::unique_ptr<CgroupBackend>> probeFromMounts(const std::vector<CgroupMount>& mounts,
                                                       const std::string& forced,
                                                       const std::string& v2Root, CgroupFs& fs) {
    CgroupV1Layout v1;
    std::string v2mount = v2Root;
    for (const auto& m : mounts) {
        if (m.v2) {
            if (v2mount.empty()) v2mount = m.mountPoint;
            continue;
        }
        for (const auto& c : m.controllers) {
            // The first mount of a hierarchy wins; later ones are bind mounts of the same.
            if (c == "memory" && v1.memory.empty()) v1.memory = m.mountPoint;
            if (c == "pids" && v1.pids.empty()) v1.pids = m.mountPoint;
            if (c == "cpu" && v1.cpu.empty()) v1.cpu = m.mountPoint;
            if (c == "cpuacct" && v1.cpuacct.empty()) v1.cpuacct = m.mountPoint;
        }
    }
    bool wantV1 = forced == "v1" || (forced == "auto" && !v1.memory.empty() && v2Root.empty());
    if (wantV1) {
        if (v1.memory.empty())
            return Error{Errc::SandboxFailed,
                         "cgroup v1: no hierarchy with the memory controller is mounted"};
        if (v1.pids.empty())
            return Error{Errc::SandboxFailed,
                         "cgroup v1: no hierarchy with the pids controller is mounted"};
        return makeCgroupV1(v1, fs);
    }
    if (v2mount.empty())
        return Error{Errc::SandboxFailed,
                     "no usable cgroup hierarchy: neither a v1 memory controller nor a cgroup2 "
                     "mount was found in /proc/self/mountinfo"};
    auto controllers = fs.read(v2mount + "/cgroup.controllers");
    if (!controllers) return controllers.error();
    for (const char* c : {"memory", "pids"}) {
        bool found = false;
        std::istringstream in(*controllers);
        for (std::string w; in >> w;) found = found || w == c;
        if (!found)
            return Error{Errc::SandboxFailed,
                         "cgroup v2: the " + std::string(c) + " controller is not available in " +
                             v2mount + "/cgroup.controllers (it may be bound to a v1 hierarchy)"};
    }
    return makeCgroupV2(v2mount, fs, true);
}

}  // namespace

Result<std::unique_ptr<CgroupBackend>> probeCgroupBackendFrom(std::string_view mountinfo,
                                                              const std::string& forced,
                                                              const std::string& v2Root,
                                                              CgroupFs& fs) {
    return probeFromMounts(parseCgroupMounts(mountinfo), forced, v2Root, fs);
}

void rememberCgroupMounts() {
    auto text = realCgroupFs().read("/proc/self/mountinfo");
    if (text) rememberedMounts() = parseCgroupMounts(*text);
}

Result<std::unique_ptr<CgroupBackend>> probeCgroupBackend(const std::string& forced,
                                                          const std::string& v2Root,
                                                          CgroupFs& fs) {
    if (rememberedMounts() && &fs == &realCgroupFs())
        return probeFromMounts(*rememberedMounts(), forced, v2Root, fs);
    auto text = fs.read("/proc/self/mountinfo");
    if (!text) return text.error();
    return probeCgroupBackendFrom(*text, forced, v2Root, fs);
}

}  // namespace fw::sandbox
