// rlimits. Not RLIMIT_NPROC (counted per uid across the host; the pids cgroup does this job) and
// not RLIMIT_AS (breaks V8 and Go, which reserve large address ranges; the memory cgroup limits).
#include <sys/resource.h>

#include <cerrno>
#include <string>

#include "steps.hpp"

namespace fw::sandbox::steps {
namespace {
Result<void> set(int resource, const char* name, rlim_t value) {
    rlimit rl{value, value};  // soft = hard: the function cannot raise it again
    if (::setrlimit(resource, &rl) != 0)
        return Error{Errc::SandboxFailed, sysError(std::string("setrlimit(") + name + ", " + std::to_string(value) + ")", errno)};
    return {};
}
}  // namespace

Result<void> applyRlimits(const Spec& spec) {
    if (auto r = set(RLIMIT_NOFILE, "RLIMIT_NOFILE", static_cast<rlim_t>(spec.openFiles)); !r) return r;
    int fsizeMb = spec.fileSizeMb > 0 ? spec.fileSizeMb : spec.tmpSizeMb;
    if (auto r = set(RLIMIT_FSIZE, "RLIMIT_FSIZE", static_cast<rlim_t>(fsizeMb) * 1024 * 1024); !r) return r;
    // No core dumps: a piped core_pattern would run a helper as root on the host.
    if (auto r = set(RLIMIT_CORE, "RLIMIT_CORE", 0); !r) return r;
    return {};
}

}  // namespace fw::sandbox::steps
