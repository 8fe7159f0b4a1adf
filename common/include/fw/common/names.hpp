// Entity names and paths as OpenWhisk spells them: "name", "pkg/name", "/ns/pkg/name", and the
// "_" alias for the caller's namespace. Pure string logic; nothing here looks anything up.
#pragma once

#include <string>
#include <string_view>

#include "fw/common/error.hpp"

namespace fw {

inline constexpr std::size_t kMaxNameLength = 256;

// OpenWhisk's EntityName regex: \A([\w]|[\w][\w@ .&-]{0,254}[\w@.&-])\z
bool isValidEntityName(std::string_view s);

// The name of an action inside a namespace: an optional package and a name.
struct EntityName {
    std::string pkg;   // empty when the entity is not in a package
    std::string name;

    std::string path() const { return pkg.empty() ? name : pkg + "/" + name; }
    bool operator==(const EntityName&) const = default;
};

// "a" or "pkg/a"; each segment must be a valid entity name.
Result<EntityName> parseEntityName(std::string_view id);

struct QualifiedName {
    std::string ns;
    EntityName entity;

    // "ns/pkg/name", without a leading slash (the activation `path` annotation form).
    std::string path() const { return ns + "/" + entity.path(); }
    // The namespace column of a record: "ns" or "ns/pkg".
    std::string nsPath() const { return entity.pkg.empty() ? ns : ns + "/" + entity.pkg; }
    bool operator==(const QualifiedName&) const = default;
};

// "_" stands for the caller's namespace.
std::string resolveNamespace(std::string_view ns, std::string_view callerNs);

// Accepts "name", "pkg/name", "/ns/name", "/ns/pkg/name" and "ns/pkg/name" (three segments
// without a leading slash are namespace-qualified, as in the OpenWhisk client's names.js).
Result<QualifiedName> parseQualifiedName(std::string_view s, std::string_view callerNs);

}  // namespace fw
