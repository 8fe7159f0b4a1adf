// The runtime catalog: which `exec.kind` values Firework accepts and what each resolves to.
// Not how a runtime is started (that is the invoker's runtime table).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fw/common/error.hpp"

namespace fw {

enum class RuntimeFamily { Python, NodeJs, Blackbox, Sequence };

// Canonical kinds, sorted as the error message lists them.
const std::vector<std::string>& validKinds();

// "python" and "python:default" resolve to "python:3", "nodejs"/"nodejs:default" to "nodejs:20";
// known kinds resolve to themselves. Anything else is an InvalidArgument with OpenWhisk's wording.
Result<std::string> resolveKind(std::string_view kind);

RuntimeFamily familyOf(std::string_view canonicalKind);

}  // namespace fw
