// One HTTP exchange, as data: the request the Client built and the Response it got back, and the
// Transport that carries it (libcurl in production, a fake in unit tests). Not API semantics: a
// Transport fails only when no HTTP response arrived.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fw/common/error.hpp"
#include "fw/common/json.hpp"

namespace fw::client {

struct Config;

struct HttpRequest {
    std::string method;  // "GET", "PUT", "POST", "DELETE"
    std::string url;     // absolute, already encoded
    std::vector<std::pair<std::string, std::string>> headers;
    std::optional<std::string> body;  // sent with Content-Type: application/json
};

struct Response {
    long status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;

    // The body as JSON; an empty body is null. Non-JSON is an Internal error quoting the body.
    Result<Json> json() const;
    // The header's value, or "" (name in lower case).
    std::string header(std::string_view name) const;
};

class Transport {
  public:
    virtual ~Transport() = default;
    virtual Result<Response> send(const HttpRequest& req) = 0;
};

// libcurl with one easy handle, so connections are kept alive between requests. Connect failures
// are Unavailable, timeouts Timeout, anything else Internal; the message names the URL.
std::unique_ptr<Transport> makeCurlTransport(const Config& cfg);

}  // namespace fw::client
