// The Firework client library: typed calls to the OpenWhisk-compatible REST API (/api/v1) over
// libcurl, used by fwctl and by the daemon's integration tests. It builds URLs, bodies and auth,
// and maps HTTP failures to fw::Error; it does not read files or format output (that is fwctl).
// A Client is not thread-safe: use one per thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fw/client/config.hpp"
#include "fw/client/transport.hpp"
#include "fw/client/url.hpp"
#include "fw/common/error.hpp"
#include "fw/common/json.hpp"

namespace fw::client {

// 400 InvalidArgument, 401 Unauthorized, 403 Forbidden, 404 NotFound, 406 NotAcceptable,
// 409 Conflict, 413 PayloadTooLarge, 429 TooManyRequests, 501 NotImplemented, 503 Unavailable,
// 504 Timeout, anything else (500, 502, ...) Internal.
Errc errcForStatus(long status);
// The message of a failed response: the body's "error" (a string, or an object's "error" or
// "message"), else an activation's response.result.error, else "HTTP <status> <reason>" with the
// start of a non-JSON body.
std::string errorMessage(const Response& r);
// Error{errcForStatus(status), errorMessage(r)}.
Error errorFromResponse(const Response& r);

struct ActivationQuery {
    std::string name;  // "" for all, else "a", "pkg/a" or "/ns/pkg/a" (then ns comes from it)
    int skip = 0;      // sent when > 0
    int limit = 30;    // always sent; 0 means the server's maximum
    std::optional<std::int64_t> since;  // epoch ms
    std::optional<std::int64_t> upto;   // epoch ms
    bool docs = false;                  // full records (logs, result) instead of summaries
};

class Client {
  public:
    explicit Client(Config cfg);
    // For tests: any transport (a fake that records requests).
    Client(Config cfg, std::unique_ptr<Transport> transport);
    ~Client();
    Client(Client&&) noexcept;
    Client& operator=(Client&&) noexcept;

    const Config& config() const { return cfg_; }

    // path is relative to /api/v1/ ("namespaces/_/actions/hello"); query values are encoded;
    // a body is sent as application/json. Any HTTP status is a success here; only transport
    // failures (and a missing API host) are errors.
    Result<Response> request(std::string_view method, std::string_view path,
                             const Query& query = {},
                             const std::optional<Json>& body = std::nullopt);
    // The last response received, whatever its status: after a typed call failed with a 502,
    // its full body (an activation) is here.
    const Response& lastResponse() const { return last_; }

    // Typed calls: a status >= 400 becomes errorFromResponse(); a 2xx body is returned parsed
    // (null when empty).
    // Actions. Names are "a", "pkg/a", "/ns/a" or "/ns/pkg/a".
    Result<Json> putAction(std::string_view name, const Json& body, bool overwrite);
    Result<Json> getAction(std::string_view name, bool code = true);
    Result<Json> listActions(int skip = 0, int limit = 30);
    // `scope`: "" (the default namespace), "/ns" (another namespace), or a package "pkg",
    // "/ns/pkg" (GET .../actions/pkg/).
    Result<Json> listActions(std::string_view scope, int skip = 0, int limit = 30);
    Result<Json> deleteAction(std::string_view name);
    // POST with blocking=true|false, and result=true when `result` (which implies blocking).
    // Returns the Response for 2xx, for 502 (the action failed) and for any other status whose
    // body is an activation (500: whisk internal error); other statuses >= 400 are errors.
    Result<Response> invokeAction(std::string_view name, const Json& params, bool blocking,
                                  bool result);

    // Activations (in the config's namespace, unless query.name is fully qualified).
    Result<Json> listActivations(const ActivationQuery& query = {});
    Result<Json> getActivation(std::string_view id);
    Result<Json> activationLogs(std::string_view id);
    Result<Json> activationResult(std::string_view id);

    Result<Json> listNamespaces();

    // Firework extensions (not in OpenWhisk), for the config's namespace. A daemon older than
    // them answers 404 (NotFound).
    // GET .../usage: invocations, GB-seconds and cost per action (group "action") or per hour
    // ("hour") between since and upto (epoch ms). Only the values given are sent; the server
    // has its own defaults.
    Result<Json> usage(std::optional<std::int64_t> since = std::nullopt,
                       std::optional<std::int64_t> upto = std::nullopt,
                       std::string_view group = "");
    // GET .../instances: the warm instances of each action, the prewarmed pool and the memory
    // pool.
    Result<Json> instances();

    // Packages. Names are "pkg" or "/ns/pkg".
    Result<Json> putPackage(std::string_view name, const Json& body, bool overwrite);
    Result<Json> getPackage(std::string_view name);
    Result<Json> listPackages(int skip = 0, int limit = 30);
    Result<Json> deletePackage(std::string_view name);

    // Any collection (triggers, rules, ...) by the same rules as actions.
    Result<Json> putEntity(std::string_view collection, std::string_view name, const Json& body,
                           bool overwrite);
    Result<Json> getEntity(std::string_view collection, std::string_view name,
                           const Query& query = {});
    Result<Json> listEntities(std::string_view collection, int skip = 0, int limit = 30);
    Result<Json> deleteEntity(std::string_view collection, std::string_view name);

  private:
    Result<Json> call(std::string_view method, std::string_view path, const Query& query = {},
                      const std::optional<Json>& body = std::nullopt);
    Result<std::string> packagePath(std::string_view name) const;

    Config cfg_;
    std::unique_ptr<Transport> transport_;
    Response last_;
};

}  // namespace fw::client
