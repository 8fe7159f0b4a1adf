// What one sandbox is made of: the spec fw-sandbox receives (JSON) and its validation. It names
// host paths, ids and limits only; it knows nothing of actions, runtimes or activations.
// The wire format is documented in docs/sandbox.md ("The spec").
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "fw/common/error.hpp"
#include "fw/common/json.hpp"

namespace fw::sandbox {

struct Mount {
    std::string source;  // host path; a host symlink with source == target is recreated as a link
    std::string target;  // absolute path inside the sandbox
    bool readOnly = true;
};

struct File {
    std::string path;  // absolute path inside the sandbox (created in the read-only root)
    std::string content;
};

struct Spec {
    std::string id;                 // [a-z0-9-]{1,64}; names the cgroup
    std::vector<std::string> argv;  // argv[0] absolute, as seen inside
    std::vector<std::string> env;   // the complete environment, "KEY=VALUE"
    std::string cwd = "/";
    std::string hostname = "sandbox";
    std::vector<Mount> mounts;
    std::vector<File> files;
    std::string stateDir = "/run/firework/sandbox";  // host dir; <stateDir>/root is the mount point
    int tmpSizeMb = 64;
    bool network = false;  // false: a new network namespace with loopback only
    uid_t hostUid = 0;     // unprivileged host ids the sandbox runs as (never 0)
    gid_t hostGid = 0;
    uid_t uid = 1000;  // the same ids as seen inside
    gid_t gid = 1000;
    int memoryMb = 256;
    int pidsMax = 1024;
    int openFiles = 1024;   // RLIMIT_NOFILE
    int fileSizeMb = 0;     // RLIMIT_FSIZE; 0: tmpSizeMb
    std::string cgroupParent = "firework";
    std::string cgroupBackend = "auto";  // auto | v1 | v2
    std::string cgroupRoot;              // v2 only: use this cgroup2 mount instead of probing
    std::string seccompProfile = "default";
    int setupTimeoutMs = 10000;
};

Result<Spec> parseSpec(std::string_view json);
Result<Spec> specFromJson(const Json& j);
Json specToJson(const Spec& spec);
// Checks every field; the message names the field and the rule.
Result<void> validateSpec(const Spec& spec);
bool isValidInstanceId(std::string_view id);

}  // namespace fw::sandbox
