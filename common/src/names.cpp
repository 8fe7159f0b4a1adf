#include "fw/common/names.hpp"

#include <vector>

namespace fw {
namespace {

bool isWordChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool isInnerChar(char c) { return isWordChar(c) || c == '@' || c == ' ' || c == '.' || c == '&' || c == '-'; }

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        auto pos = s.find(sep, start);
        if (pos == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, pos - start));
        start = pos + 1;
    }
}

Error badName(std::string_view s) {
    return Error{Errc::InvalidArgument,
                 "The name '" + std::string(s) +
                     "' is not valid: use 1 to 256 letters, digits, '_', '@', '.', '&', '-' or "
                     "inner spaces, starting with a letter, digit or '_'."};
}

}  // namespace

bool isValidEntityName(std::string_view s) {
    if (s.empty() || s.size() > kMaxNameLength) return false;
    if (!isWordChar(s.front())) return false;
    if (s.size() == 1) return true;
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
        if (!isInnerChar(s[i])) return false;
    }
    char last = s.back();
    return isInnerChar(last) && last != ' ';
}

Result<EntityName> parseEntityName(std::string_view id) {
    auto parts = split(id, '/');
    if (parts.size() == 1) {
        if (!isValidEntityName(parts[0])) return badName(id);
        return EntityName{"", std::string(parts[0])};
    }
    if (parts.size() == 2) {
        if (!isValidEntityName(parts[0])) return badName(parts[0]);
        if (!isValidEntityName(parts[1])) return badName(parts[1]);
        return EntityName{std::string(parts[0]), std::string(parts[1])};
    }
    return badName(id);
}

std::string resolveNamespace(std::string_view ns, std::string_view callerNs) {
    return ns == "_" ? std::string(callerNs) : std::string(ns);
}

Result<QualifiedName> parseQualifiedName(std::string_view s, std::string_view callerNs) {
    bool absolute = !s.empty() && s.front() == '/';
    if (absolute) s.remove_prefix(1);
    auto parts = split(s, '/');
    QualifiedName q;
    if (absolute || parts.size() == 3) {
        if (parts.size() < 2 || parts.size() > 3) return badName(s);
        if (parts[0] != "_" && !isValidEntityName(parts[0])) return badName(parts[0]);
        q.ns = resolveNamespace(parts[0], callerNs);
        auto rest = s.substr(parts[0].size() + 1);
        auto e = parseEntityName(rest);
        if (!e) return e.error();
        q.entity = std::move(*e);
        return q;
    }
    auto e = parseEntityName(s);
    if (!e) return e.error();
    q.ns = std::string(callerNs);
    q.entity = std::move(*e);
    return q;
}

}  // namespace fw
