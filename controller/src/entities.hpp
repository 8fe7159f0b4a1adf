// Builds and checks entity documents (actions, packages) from PUT bodies; the views of them that
// GET and list return. Pure functions over JSON, unit-tested without a store.
#pragma once

#include <optional>
#include <string>

#include "fw/common/error.hpp"
#include "fw/common/json.hpp"
#include "fw/common/limits.hpp"
#include "fw/common/names.hpp"

namespace fw::controller {

// The stored action document for a PUT `body` on top of `existing` (an update) or nothing (a
// create). `updated` is the new timestamp. Checks types, the kind, limits and sizes.
Result<Json> buildActionDoc(const QualifiedName& name, const Json& body,
                            const std::optional<Json>& existing, const SystemLimits& limits,
                            std::int64_t updated);

Result<Json> buildPackageDoc(const std::string& ns, const std::string& name, const Json& body,
                             const std::optional<Json>& existing, const SystemLimits& limits,
                             std::int64_t updated);

// "0.0.1" -> "0.0.2" (OpenWhisk bumps the patch number on every update).
std::string bumpVersion(const std::string& v);

// GET view: the doc, without exec.code when `withCode` is false.
Json actionView(const Json& doc, bool withCode);
// List view: namespace, name, version, publish, annotations, limits, exec {binary}, updated.
Json actionSummary(const Json& doc);
Json packageSummary(const Json& doc);

}  // namespace fw::controller
