#include "fw/client/client.hpp"

#include "fw/common/names.hpp"
#include "fw/common/util.hpp"

#ifndef FW_VERSION
#define FW_VERSION "0.0.0"
#endif

namespace fw::client {
namespace {

std::string_view reasonPhrase(long status) {
    switch (status) {
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 406:
            return "Not Acceptable";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 413:
            return "Payload Too Large";
        case 415:
            return "Unsupported Media Type";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            return "";
    }
}

// A message from an "error" value: a string, or an object carrying one.
std::optional<std::string> messageFrom(const Json& e) {
    if (e.is_string()) return e.get<std::string>();
    if (e.is_object()) {
        for (const char* key : {"error", "message"}) {
            auto it = e.find(key);
            if (it != e.end() && it->is_string()) return it->get<std::string>();
        }
    }
    if (e.is_null()) return std::nullopt;
    return e.dump(-1, ' ', false, Json::error_handler_t::replace);
}

bool isActivation(const Json& j) {
    return j.is_object() && j.contains("activationId") && j.contains("response");
}

}  // namespace

Result<Json> Response::json() const {
    if (body.find_first_not_of(" \t\r\n") == std::string::npos) return Json(nullptr);
    Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        std::string start = body.substr(0, 200);
        return Error{Errc::Internal, "the server answered HTTP " + std::to_string(status) +
                                         " with a body that is not JSON: " + start};
    }
    return j;
}

std::string Response::header(std::string_view name) const {
    auto it = headers.find(std::string(name));
    return it == headers.end() ? std::string() : it->second;
}

Errc errcForStatus(long status) {
    switch (status) {
        case 400:
            return Errc::InvalidArgument;
        case 401:
            return Errc::Unauthorized;
        case 403:
            return Errc::Forbidden;
        case 404:
            return Errc::NotFound;
        case 406:
            return Errc::NotAcceptable;
        case 409:
            return Errc::Conflict;
        case 413:
            return Errc::PayloadTooLarge;
        case 429:
            return Errc::TooManyRequests;
        case 501:
            return Errc::NotImplemented;
        case 503:
            return Errc::Unavailable;
        case 504:
            return Errc::Timeout;
        default:
            return Errc::Internal;
    }
}

std::string errorMessage(const Response& r) {
    Json j = Json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded() && j.is_object()) {
        if (auto it = j.find("error"); it != j.end()) {
            if (auto m = messageFrom(*it)) return *m;
        }
        // A failed activation (502 of a blocking invoke): its result says why.
        if (auto resp = j.find("response"); resp != j.end() && resp->is_object()) {
            if (auto res = resp->find("result"); res != resp->end() && res->is_object()) {
                if (auto e = res->find("error"); e != res->end()) {
                    if (auto m = messageFrom(*e)) return *m;
                }
            }
            if (auto st = resp->find("status"); st != resp->end() && st->is_string()) {
                return st->get<std::string>();
            }
        }
    }
    std::string msg = "HTTP " + std::to_string(r.status);
    if (auto reason = reasonPhrase(r.status); !reason.empty()) {
        msg += " ";
        msg += reason;
    }
    if (j.is_discarded()) {
        // Only the first line of a non-JSON body (an HTML error page from a proxy, say).
        auto b = r.body.find_first_not_of(" \t\r\n");
        if (b != std::string::npos) {
            auto line = r.body.substr(b, r.body.find_first_of("\r\n", b) - b);
            if (line.size() > 200) line = line.substr(0, 200) + "...";
            msg += ": " + line;
        }
    }
    return msg;
}

Error errorFromResponse(const Response& r) {
    return Error{errcForStatus(r.status), errorMessage(r)};
}

Client::Client(Config cfg) : cfg_(std::move(cfg)) { transport_ = makeCurlTransport(cfg_); }

Client::Client(Config cfg, std::unique_ptr<Transport> transport)
    : cfg_(std::move(cfg)), transport_(std::move(transport)) {}

Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

Result<Response> Client::request(std::string_view method, std::string_view path, const Query& query,
                                 const std::optional<Json>& body) {
    if (normalizeApiHost(cfg_.apiHost).empty()) {
        return Error{Errc::InvalidArgument,
                     "no API host is configured: set APIHOST in the properties file "
                     "(fwctl property set --apihost HOST:PORT) or FW_APIHOST"};
    }
    HttpRequest req;
    req.method = std::string(method);
    req.url = buildUrl(cfg_.apiHost, path, query);
    req.headers.emplace_back("Accept", "application/json");
    req.headers.emplace_back("User-Agent", "fw-client/" FW_VERSION);
    if (!cfg_.auth.empty()) {
        req.headers.emplace_back("Authorization", "Basic " + base64Encode(cfg_.auth));
    }
    if (body) {
        req.headers.emplace_back("Content-Type", "application/json");
        // Replace, not throw, on invalid UTF-8 in a string (a -p value from a Latin-1 shell).
        req.body = body->dump(-1, ' ', false, Json::error_handler_t::replace);
    }
    auto r = transport_->send(req);
    if (!r) return r.error();
    last_ = *r;
    return r;
}

Result<Json> Client::call(std::string_view method, std::string_view path, const Query& query,
                          const std::optional<Json>& body) {
    auto r = request(method, path, query, body);
    if (!r) return r.error();
    if (r->status >= 400) return errorFromResponse(*r);
    return r->json();
}

Result<Json> Client::putEntity(std::string_view collection, std::string_view name, const Json& body,
                               bool overwrite) {
    auto path = entityPath(collection, name, cfg_.ns);
    if (!path) return path.error();
    return call("PUT", *path, {{"overwrite", overwrite ? "true" : "false"}}, body);
}

Result<Json> Client::getEntity(std::string_view collection, std::string_view name,
                               const Query& query) {
    auto path = entityPath(collection, name, cfg_.ns);
    if (!path) return path.error();
    return call("GET", *path, query);
}

Result<Json> Client::listEntities(std::string_view collection, int skip, int limit) {
    Query q{{"limit", std::to_string(limit)}};
    if (skip > 0) q.emplace_back("skip", std::to_string(skip));
    return call("GET", collectionPath(collection, cfg_.ns), q);
}

Result<Json> Client::deleteEntity(std::string_view collection, std::string_view name) {
    auto path = entityPath(collection, name, cfg_.ns);
    if (!path) return path.error();
    return call("DELETE", *path);
}

Result<Json> Client::putAction(std::string_view name, const Json& body, bool overwrite) {
    return putEntity("actions", name, body, overwrite);
}

Result<Json> Client::getAction(std::string_view name, bool code) {
    return getEntity("actions", name, {{"code", code ? "true" : "false"}});
}

Result<Json> Client::listActions(int skip, int limit) {
    return listEntities("actions", skip, limit);
}

Result<Json> Client::listActions(std::string_view scope, int skip, int limit) {
    if (scope.empty()) return listActions(skip, limit);
    Query q{{"limit", std::to_string(limit)}};
    if (skip > 0) q.emplace_back("skip", std::to_string(skip));
    std::string_view s = scope;
    while (s.size() > 1 && s.back() == '/') s.remove_suffix(1);
    // "/ns" alone names a namespace; anything else names a package (GET .../actions/pkg/).
    if (s.size() > 1 && s.front() == '/' && s.find('/', 1) == std::string_view::npos) {
        auto ns = s.substr(1);
        if (ns != "_" && !isValidEntityName(ns)) {
            return Error{Errc::InvalidArgument,
                         "'" + std::string(ns) + "' is not a valid namespace"};
        }
        return call("GET", collectionPath("actions", ns == "_" ? cfg_.ns : std::string(ns)), q);
    }
    auto pkg = packagePath(s);
    if (!pkg) return pkg.error();
    // The package path with the collection switched to actions and a trailing slash.
    auto path = entityPath("actions", s, cfg_.ns);
    if (!path) return path.error();
    return call("GET", *path + "/", q);
}

Result<Json> Client::deleteAction(std::string_view name) { return deleteEntity("actions", name); }

Result<Response> Client::invokeAction(std::string_view name, const Json& params, bool blocking,
                                      bool result) {
    auto path = entityPath("actions", name, cfg_.ns);
    if (!path) return path.error();
    Query q{{"blocking", blocking || result ? "true" : "false"}};
    if (result) q.emplace_back("result", "true");
    auto r = request("POST", *path, q, params.is_null() ? Json::object() : params);
    if (!r) return r.error();
    if (r->status < 400 || r->status == 502) return r;
    // A platform failure during the run still produced an activation: that is an outcome.
    if (auto j = r->json(); j && isActivation(*j)) return r;
    return errorFromResponse(*r);
}

Result<Json> Client::listActivations(const ActivationQuery& query) {
    std::string ns = cfg_.ns;
    Query q;
    if (!query.name.empty()) {
        auto qn = parseQualifiedName(query.name, cfg_.ns.empty() ? "_" : cfg_.ns);
        if (!qn) return qn.error();
        ns = qn->ns;
        q.emplace_back("name", qn->entity.path());
    }
    if (query.skip > 0) q.emplace_back("skip", std::to_string(query.skip));
    q.emplace_back("limit", std::to_string(query.limit));
    if (query.since) q.emplace_back("since", std::to_string(*query.since));
    if (query.upto) q.emplace_back("upto", std::to_string(*query.upto));
    if (query.docs) q.emplace_back("docs", "true");
    return call("GET", collectionPath("activations", ns), q);
}

namespace {
Result<std::string> activationPath(std::string_view ns, std::string_view id) {
    if (id.empty() || id.find_first_of("/?#% ") != std::string_view::npos) {
        return Error{Errc::InvalidArgument, "'" + std::string(id) + "' is not an activation id"};
    }
    return collectionPath("activations", ns) + "/" + std::string(id);
}
}  // namespace

Result<Json> Client::getActivation(std::string_view id) {
    auto path = activationPath(cfg_.ns, id);
    if (!path) return path.error();
    return call("GET", *path);
}

Result<Json> Client::activationLogs(std::string_view id) {
    auto path = activationPath(cfg_.ns, id);
    if (!path) return path.error();
    return call("GET", *path + "/logs");
}

Result<Json> Client::activationResult(std::string_view id) {
    auto path = activationPath(cfg_.ns, id);
    if (!path) return path.error();
    return call("GET", *path + "/result");
}

Result<Json> Client::listNamespaces() { return call("GET", "namespaces"); }

Result<Json> Client::usage(std::optional<std::int64_t> since, std::optional<std::int64_t> upto,
                           std::string_view group) {
    Query q;
    if (since) q.emplace_back("since", std::to_string(*since));
    if (upto) q.emplace_back("upto", std::to_string(*upto));
    if (!group.empty()) q.emplace_back("group", std::string(group));
    return call("GET", collectionPath("usage", cfg_.ns), q);
}

Result<Json> Client::instances() { return call("GET", collectionPath("instances", cfg_.ns)); }

Result<std::string> Client::packagePath(std::string_view name) const {
    auto q = parseQualifiedName(name, cfg_.ns.empty() ? "_" : cfg_.ns);
    if (!q) return q.error();
    if (!q->entity.pkg.empty()) {
        return Error{Errc::InvalidArgument,
                     "'" + std::string(name) + "' is not a package name: packages do not nest"};
    }
    return entityPath("packages", name, cfg_.ns);
}

Result<Json> Client::putPackage(std::string_view name, const Json& body, bool overwrite) {
    auto path = packagePath(name);
    if (!path) return path.error();
    return call("PUT", *path, {{"overwrite", overwrite ? "true" : "false"}}, body);
}

Result<Json> Client::getPackage(std::string_view name) {
    auto path = packagePath(name);
    if (!path) return path.error();
    return call("GET", *path);
}

Result<Json> Client::listPackages(int skip, int limit) {
    return listEntities("packages", skip, limit);
}

Result<Json> Client::deletePackage(std::string_view name) {
    auto path = packagePath(name);
    if (!path) return path.error();
    return call("DELETE", *path);
}

}  // namespace fw::client
