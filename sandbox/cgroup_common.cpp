#include "cgroup_common.hpp"

#include <signal.h>
#include <time.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <sstream>

namespace fw::sandbox::detail {

Result<void> mkdirs(CgroupFs& fs, const std::string& root, const std::string& rel) {
    std::string path = root;
    std::istringstream in(rel);
    for (std::string comp; std::getline(in, comp, '/');) {
        if (comp.empty()) continue;
        path += "/" + comp;
        if (fs.exists(path)) continue;
        auto r = fs.mkdir(path);
        if (!r && !fs.exists(path)) return r;  // lost a race with another creator: fine
    }
    return {};
}

Result<void> killListed(CgroupFs& fs, const std::string& dir) {
    // Bounded: a fork bomb can add pids while we kill, but pids.max bounds how many exist and
    // each round kills all that were listed.
    for (int round = 0; round < 100; ++round) {
        auto procs = fs.read(dir + "/cgroup.procs");
        if (!procs) return fs.exists(dir) ? Result<void>(procs.error()) : Result<void>();
        std::istringstream in(*procs);
        int killed = 0;
        for (std::string line; std::getline(in, line);) {
            pid_t pid = 0;
            auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), pid);
            if (ec != std::errc() || pid <= 0) continue;
            // A pid read from cgroup.procs can only be reused after its process was reaped; the
            // window is tiny and the namespace init's death is the primary kill mechanism.
            if (::kill(pid, SIGKILL) == 0) ++killed;
        }
        if (killed == 0) return {};
        struct timespec ts {0, 1'000'000};
        nanosleep(&ts, nullptr);
    }
    return Error{Errc::SandboxFailed, "could not empty " + dir + "/cgroup.procs"};
}

Result<void> rmdirPatiently(CgroupFs& fs, const std::string& dir) {
    // Tasks leave the cgroup in do_exit shortly after SIGKILL (EBUSY until then); 2 s covers a
    // loaded host. Other errors repeat too and are returned after the bound.
    Result<void> last;
    for (int i = 0; i < 400; ++i) {
        last = fs.rmdir(dir);
        if (last || !fs.exists(dir)) return {};
        struct timespec ts {0, 5'000'000};
        nanosleep(&ts, nullptr);
    }
    return last;
}

std::int64_t parseInt(std::string_view text) {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    return ec == std::errc() ? v : 0;
}

}  // namespace fw::sandbox::detail
