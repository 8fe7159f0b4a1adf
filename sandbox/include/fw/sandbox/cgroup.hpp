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

// One cgroup file that gives one field of CgroupUsage, and how to read it. The supervisor reads
// usage by these rules, and passes the files (opened read-only) to the invoker with "ready", which
// reads them by the same rules without asking the supervisor (docs/sandbox.md).
struct UsageCounter {
    enum class Field { CpuTimeUs, PeakMemoryBytes, OomKilled };
    std::string path;
    Field field = Field::CpuTimeUs;
    std::vector<std::string> keys;  // sum of these "key value" lines; empty: the leading integer
    std::int64_t divisor = 1;       // e.g. 1000 for nanoseconds -> microseconds
};
std::string_view fieldName(UsageCounter::Field f);  // "cpuTimeUs", "peakMemoryBytes", "oomKilled"
// Adds what `text` (the file's content) says to `usage`.
void applyCounter(const UsageCounter& c, std::string_view text, CgroupUsage& usage);
// Reads every counter; the first read error is returned.
Result<CgroupUsage> readUsage(CgroupFs& fs, const std::vector<UsageCounter>& counters);

// The cgroup(s) of one sandbox instance.
class InstanceCgroup {
public:
    virtual ~InstanceCgroup() = default;
    virtual Result<void> attach(pid_t pid) = 0;
    // The files usage() reads (those that exist).
    virtual std::vector<UsageCounter> counters() = 0;
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
    // v2: the root's flags from the super options (nsdelegate, favordynmods, ...). They belong to
    // the one unified hierarchy, so every cgroup2 mount shows the same.
    std::vector<std::string> rootFlags;
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

// For the spawner, once at its start: later probes in this process and its forked children use
// this reading of the cgroup mounts instead of reading and parsing /proc/self/mountinfo again
// (~0.1 ms of every instance's start here). The cgroup hierarchies do not move while fwd runs;
// if they do, a restart of fwd (or of the spawner) sees the new ones.
void rememberCgroupMounts();

std::unique_ptr<CgroupBackend> makeCgroupV1(const CgroupV1Layout& layout, CgroupFs& fs);
// requireControllers=false is for tests on hierarchies without memory/pids (this machine's
// cgroup2 mount): limits are then skipped and usage reads only what exists.
std::unique_ptr<CgroupBackend> makeCgroupV2(const std::string& root, CgroupFs& fs,
                                            bool requireControllers = true);

// Limits derived from a memory size: CPU share proportional to memory (256 MB = default share).
CgroupLimits limitsFor(int memoryMb, int pidsMax);

// favordynmods (Linux 6.1+) is a flag of the cgroup2 root. Without it, moving a process into a
// cgroup (every instance's attach, v1 or v2: the kernel's threadgroup lock is global) waits for an
// RCU grace period unless another move happened in the last ~20 ms; with it, fork and exit take
// that lock's slower path instead. Root flags are set by whatever creates a cgroup2 superblock
// context last, so the other flags (nsdelegate, memory_recursiveprot, ...) are carried over.
// `current` are the root's flags as shown by mountinfo.
std::vector<std::string> rootFlagsWith(const std::vector<std::string>& current, bool favorDynmods);
// Whether favordynmods is on, from /proc/self/mountinfo (else /proc/1/mountinfo); nullopt when no
// cgroup2 mount is visible in either.
std::optional<bool> cgroupFavorDynmods();
// Turns favordynmods on or off without mounting anything: fsopen("cgroup2") with the flags, then
// FSCONFIG_CMD_CREATE, which applies them to the root (in the initial cgroup namespace only;
// checked afterwards). Returns what happened, in a sentence. Needs CAP_SYS_ADMIN.
Result<std::string> setCgroupFavorDynmods(bool on);

// "cpu.stat"/"memory.events"-style "key value" lines; nullopt when the key is missing.
std::optional<std::int64_t> readKeyValue(std::string_view text, std::string_view key);

}  // namespace fw::sandbox
