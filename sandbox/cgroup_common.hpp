// Helpers shared by the v1 and v2 backends (private to sandbox/).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fw/sandbox/cgroup.hpp"

namespace fw::sandbox::detail {

// mkdir each missing component of <root>/<rel>.
Result<void> mkdirs(CgroupFs& fs, const std::string& root, const std::string& rel);
// SIGKILL every pid listed in <dir>/cgroup.procs until it reads empty (bounded retries).
Result<void> killListed(CgroupFs& fs, const std::string& dir);
// rmdir, retrying on EBUSY while exiting tasks leave; ENOENT counts as done.
Result<void> rmdirPatiently(CgroupFs& fs, const std::string& dir);
// The leading decimal integer of a cgroup file ("123\n"); 0 when there is none.
std::int64_t parseInt(std::string_view text);

}  // namespace fw::sandbox::detail
