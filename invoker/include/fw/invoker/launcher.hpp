// The one seam through which the invoker starts a function instance. The invoker says what to
// run (argv, env, which host directories the process needs and where, its resource limits and its
// four pipe ends); a Launcher decides how: DirectLauncher (plain posix_spawn, a process group) or
// the sandbox launcher (fw-sandbox: namespaces, cgroups, seccomp). Not for the runtime protocol.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fw/common/error.hpp"

namespace fw::invoker {

struct BindMount {
    std::string source;  // host path
    std::string target;  // path inside the instance (used only by launchers that isolate the fs)
    bool readOnly = true;
};

struct LaunchSpec {
    std::string instanceId;         // unique, [a-z0-9-]; names cgroups and temp dirs
    std::vector<std::string> argv;  // argv[0] is an absolute path, as seen inside the instance
    std::vector<std::string> env;   // "KEY=VALUE"; the complete environment
    std::vector<BindMount> mounts;  // what the process may see of the host besides the runtime
    std::string workDir;            // cwd, as seen inside the instance
    int memoryMb = 256;             // hard memory limit (no swap)
    int pidsMax = 1024;             // process/thread limit
    int tmpSizeMb = 64;             // size of the private writable /tmp
    bool network = false;           // false: loopback only
    // The child's stdin, stdout, stderr and result (fd 3) ends. The launcher dups them to 0..3
    // in the child and closes its own copies; every other fd is closed in the child.
    int stdinFd = -1;
    int stdoutFd = -1;
    int stderrFd = -1;
    int resultFd = -1;
};

// Resource use of a finished (or running) instance; zero where the launcher cannot measure.
struct Usage {
    std::int64_t cpuTimeUs = 0;
    std::int64_t peakMemoryBytes = 0;
    bool oomKilled = false;
};

// A started instance. Destroying it kills whatever is left of it and releases everything the
// launcher made for it (cgroups, mounts, temp dirs).
class Process {
public:
    virtual ~Process() = default;
    virtual pid_t pid() const = 0;
    // An fd that becomes readable when the instance's main process exits (a pidfd).
    virtual int exitFd() const = 0;
    // SIGKILL every process of the instance (including ones that escaped by double fork).
    virtual void kill() = 0;
    // After exitFd() is readable: reap and return the wait status (as from waitpid).
    virtual int reap() = 0;
    virtual Usage usage() const = 0;
    // CPU time and peak memory of an instance that has just answered an activation, for its
    // metering. oomKilled is not looked up (an instance that answered was not killed), which on
    // the warm path saves reading one counter file per activation.
    virtual Usage answeredUsage() const { return usage(); }
};

class Launcher {
public:
    virtual ~Launcher() = default;
    // True when the process sees BindMount::target paths (a private root); false when it sees
    // the host's paths (then argv/env/workDir must use BindMount::source paths).
    virtual bool isolatesFilesystem() const = 0;
    virtual Result<std::unique_ptr<Process>> launch(const LaunchSpec& spec) = 0;
};

}  // namespace fw::invoker
