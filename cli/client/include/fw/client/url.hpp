// How the client spells URLs: the API base from APIHOST, percent-encoding, and the REST path of
// an entity from an OpenWhisk name ("a", "pkg/a", "/ns/a", "/ns/pkg/a"). Pure string logic.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fw/common/error.hpp"

namespace fw::client {

using Query = std::vector<std::pair<std::string, std::string>>;

// JavaScript's encodeURIComponent: keeps A-Z a-z 0-9 - _ . ! ~ * ' ( ), encodes every other byte.
std::string encodeComponent(std::string_view s);
// One path segment: keeps RFC 3986 pchar (unreserved, sub-delims, ':' and '@'), encodes the rest.
std::string encodePathSegment(std::string_view s);

// "host:port" -> "http://host:port"; trailing slashes dropped. Empty stays empty.
std::string normalizeApiHost(std::string_view apiHost);
// <apihost>/api/v1/<path>?k=v&... with keys and values encoded like encodeComponent.
std::string buildUrl(std::string_view apiHost, std::string_view path, const Query& query);

// "namespaces/<ns>/<collection>/<pkg>/<name>". The namespace comes from a name starting with '/'
// (or of three segments), else `defaultNs`; "_" inside a name stands for `defaultNs`. The
// namespace is encoded as a whole; the id's segments one by one, keeping the '/' between them.
Result<std::string> entityPath(std::string_view collection, std::string_view name,
                               std::string_view defaultNs);
// "namespaces/<ns>/<collection>" for the default namespace.
std::string collectionPath(std::string_view collection, std::string_view ns);

}  // namespace fw::client
