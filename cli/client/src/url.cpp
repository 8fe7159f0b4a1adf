#include "fw/client/url.hpp"

#include "fw/common/names.hpp"

namespace fw::client {
namespace {

bool isAlnum(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

template <class Keep>
std::string percentEncode(std::string_view s, Keep keep) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        if (keep(c)) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
    return out;
}

}  // namespace

std::string encodeComponent(std::string_view s) {
    return percentEncode(s, [](unsigned char c) {
        return isAlnum(c) ||
               std::string_view("-_.!~*'()").find(static_cast<char>(c)) != std::string_view::npos;
    });
}

std::string encodePathSegment(std::string_view s) {
    return percentEncode(s, [](unsigned char c) {
        return isAlnum(c) || std::string_view("-._~!$&'()*+,;=:@").find(static_cast<char>(c)) !=
                                 std::string_view::npos;
    });
}

std::string normalizeApiHost(std::string_view apiHost) {
    auto b = apiHost.find_first_not_of(" \t");
    if (b == std::string_view::npos) return {};
    apiHost = apiHost.substr(b, apiHost.find_last_not_of(" \t") - b + 1);
    // Unlike wsk (https by default), a bare host means http: fwd serves plain HTTP on loopback.
    std::string out = apiHost.find("://") == std::string_view::npos
                          ? "http://" + std::string(apiHost)
                          : std::string(apiHost);
    while (!out.empty() && out.back() == '/') out.pop_back();
    return out;
}

std::string buildUrl(std::string_view apiHost, std::string_view path, const Query& query) {
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    std::string url = normalizeApiHost(apiHost) + "/api/v1/" + std::string(path);
    char sep = '?';
    for (const auto& [k, v] : query) {
        url += sep;
        url += encodeComponent(k);
        url += '=';
        url += encodeComponent(v);
        sep = '&';
    }
    return url;
}

std::string collectionPath(std::string_view collection, std::string_view ns) {
    return "namespaces/" + encodeComponent(ns.empty() ? "_" : ns) + "/" + std::string(collection);
}

Result<std::string> entityPath(std::string_view collection, std::string_view name,
                               std::string_view defaultNs) {
    if (defaultNs.empty()) defaultNs = "_";
    auto q = parseQualifiedName(name, defaultNs);
    if (!q) return q.error();
    std::string path = collectionPath(collection, q->ns) + "/";
    if (!q->entity.pkg.empty()) path += encodePathSegment(q->entity.pkg) + "/";
    path += encodePathSegment(q->entity.name);
    return path;
}

}  // namespace fw::client
