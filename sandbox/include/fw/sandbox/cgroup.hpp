// One interface over cgroup v1 and v2 for a sandbox's own cgroup: create it with limits, attach a
// process, read usage (CPU, peak memory, OOM kills), kill everything in it, remove it. The backend
// is chosen by probing /proc/self/mountinfo. Not for anything outside the sandbox parent cgroup.
// All file access goes through CgroupFs so that unit tests can run the backends on a fake tree.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fw/common/error.hpp"

namespace fw::sandbox {

// The few file operations the backends need; errors carry the call, path and errno.
class CgroupFs {
public:
    virtual ~CgroupFs() = default;
    virtual Result<void> mkdir(const std::string& path);
    virtual Result<void> rmdir(const std::string& path);
    virtual Result<void> write(const std::string& path, std::string_view value);
    virtual Result<std::string> read(const std::string& path);
    virtual bool exists(const std::string& path);
    // Names of the subdirectories of `path` (the cgroups under it).
    virtual Result<std::vector<std::string>> listDirs(const std::string& path);
};

CgroupFs& realCgroupFs();

struct CgroupLimits {
    std::int64_t memoryBytes = 0;  // hard limit, no swap
    int pidsMax = 0;
    int cpuWeightPercent = 100;  // 100 = the default share; proportional to memory
};

struct CgroupUsage {
    std::int64_t cpuTimeUs = 0;
    std::int64_t peakMemoryBytes = 0;
    bool oomKilled = false;
};

// The cgroup(s) of one sandbox instance.
class InstanceCgroup {
public:
    virtual ~InstanceCgroup() = default;
    virtual Result<void> attach(pid_t pid) = 0;
    virtual Result<CgroupUsage> usage() = 0;
    // SIGKILL every process in the cgroup (v2: cgroup.kill; v1: each pid in cgroup.procs).
    virtual Result<void> killAll() = 0;
    // rmdir, retrying while exiting processes still populate it; then the object is inert.
    virtual Result<void> remove() = 0;
    // The directories this instance owns (one per v1 hierarchy, one on v2).
    virtual std::vector<std::string> dirs() const = 0;
};

class CgroupBackend {
public:
    virtual ~CgroupBackend() = default;
    virtual std::string_view name() const = 0;  // "v1" or "v2"
    // Creates <parent>/<id> (creating <parent> when missing) and writes the limits.
    virtual Result<std::unique_ptr<InstanceCgroup>> create(const std::string& parent,
                                                           const std::string& id,
                                                           const CgroupLimits& limits) = 0;
    // Kills the processes of and removes every cgroup under <parent> (or only <parent>/<id>).
    // Returns how many cgroups were removed. For start-up clean-up after a crash.
    virtual Result<int> removeStale(const std::string& parent,
                                    const std::optional<std::string>& id) = 0;
};

// One line of /proc/self/mountinfo that is a cgroup filesystem.
struct CgroupMount {
    std::string mountPoint;
    bool v2 = false;
    std::vector<std::string> controllers;  // v1: from the super options (incl. "name=...")
};
std::vector<CgroupMount> parseCgroupMounts(std::string_view mountinfo);

struct CgroupV1Layout {
    // Mount point per controller we use; empty when that controller is not mounted.
    std::string memory, pids, cpu, cpuacct;
};

// Chooses the backend: v1 when a v1 hierarchy carries the memory controller, else v2 when a
// cgroup2 mount offers memory and pids. `forced` is "auto", "v1" or "v2"; `v2Root` overrides the
// probed cgroup2 mount. The error names the missing kernel feature.
Result<std::unique_ptr<CgroupBackend>> probeCgroupBackend(const std::string& forced,
                                                          const std::string& v2Root,
                                                          CgroupFs& fs = realCgroupFs());
Result<std::unique_ptr<CgroupBackend>> probeCgroupBackendFrom(std::string_view mountinfo,
                                                              const std::string& forced,
                                                              const std::string& v2Root,
                                                              CgroupFs& fs);

std::unique_ptr<CgroupBackend> makeCgroupV1(const CgroupV1Layout& layout, CgroupFs& fs);
// requireControllers=false is for tests on hierarchies without memory/pids (this machine's
// cgroup2 mount): limits are then skipped and usage reads only what exists.
std::unique_ptr<CgroupBackend> makeCgroupV2(const std::string& root, CgroupFs& fs,
                                            bool requireControllers = true);

// Limits derived from a memory size: CPU share proportional to memory (256 MB = default share).
CgroupLimits limitsFor(int memoryMb, int pidsMax);

// "cpu.stat"/"memory.events"-style "key value" lines; nullopt when the key is missing.
std::optional<std::int64_t> readKeyValue(std::string_view text, std::string_view key);

}  // namespace fw::sandbox
