#include "fw/gateway/gateway.hpp"

#include <spdlog/spdlog.h>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>

#include "fw/common/util.hpp"
#include "request.hpp"

namespace fw::gateway {

namespace bhttp = boost::beast::http;
namespace asio = boost::asio;
using controller::Identity;
using http::Request;
using http::Response;

namespace {

constexpr const char* kAllowMethods = "OPTIONS, GET, DELETE, POST, PUT, HEAD, PATCH";
constexpr const char* kAllowHeaders =
    "Authorization, Origin, X-Requested-With, Content-Type, Accept, User-Agent";

}  // namespace

// The one place where an error becomes an HTTP status.
bhttp::status statusOf(Errc c) {
    switch (c) {
        case Errc::InvalidArgument: return bhttp::status::bad_request;
        case Errc::NotFound: return bhttp::status::not_found;
        case Errc::Conflict: return bhttp::status::conflict;
        case Errc::Unauthorized: return bhttp::status::unauthorized;
        case Errc::Forbidden: return bhttp::status::forbidden;
        case Errc::TooManyRequests: return bhttp::status::too_many_requests;
        case Errc::PayloadTooLarge: return bhttp::status::payload_too_large;
        case Errc::NotAcceptable: return bhttp::status::not_acceptable;
        case Errc::NotImplemented: return bhttp::status::not_implemented;
        case Errc::Timeout: return bhttp::status::gateway_timeout;
        case Errc::Unavailable: return bhttp::status::service_unavailable;
        case Errc::SandboxFailed:
        case Errc::StoreFailed:
        case Errc::Internal: return bhttp::status::internal_server_error;
    }
    return bhttp::status::internal_server_error;
}

namespace {

// A body that is JSON text already.
Response jsonTextResponse(bhttp::status status, std::string body, unsigned version = 11) {
    Response res{status, version};
    res.set(bhttp::field::content_type, "application/json");
    res.set(bhttp::field::access_control_allow_origin, "*");
    res.set(bhttp::field::access_control_allow_methods, kAllowMethods);
    res.set(bhttp::field::access_control_allow_headers, kAllowHeaders);
    res.body() = std::move(body);
    return res;
}

Response jsonResponse(bhttp::status status, const Json& body, unsigned version = 11) {
    return jsonTextResponse(status, body.dump(-1, ' ', false, Json::error_handler_t::replace), version);
}

Response errorResponse(const Error& e, const std::string& requestId) {
    Response res = jsonResponse(statusOf(e.code), Json{{"error", e.message}, {"code", requestId}});
    if (e.code == Errc::Unauthorized) {
        res.set(bhttp::field::www_authenticate, "Basic realm=\"OpenWhisk secure realm\"");
    }
    if (e.retryAfterSeconds > 0) res.set(bhttp::field::retry_after, std::to_string(e.retryAfterSeconds));
    if (statusOf(e.code) == bhttp::status::internal_server_error) {
        spdlog::error("request {}: {}", requestId, e.message);
    }
    return res;
}

Error notFound() { return Error{Errc::NotFound, "The requested resource does not exist."}; }

// "wait;dur=W, init;dur=I, run;dur=R" (ms) from a record: where the time of an invocation went.
std::string serverTiming(const controller::FinishedRecord& rec) {
    std::int64_t run = std::max<std::int64_t>(0, rec.durationMs - rec.initMs);
    return "wait;dur=" + std::to_string(rec.waitMs) + ", init;dur=" + std::to_string(rec.initMs) +
           ", run;dur=" + std::to_string(run);
}

Error methodNotAllowed(std::string_view method) {
    return Error{Errc::NotFound, "The requested resource does not exist (" + std::string(method) +
                                     " is not supported here)."};
}

Result<Json> bodyJson(const Request& req, bool emptyIsObject) {
    std::string_view body = req.body();
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        if (emptyIsObject) return Json::object();
        return Error{Errc::InvalidArgument, "The request content was malformed:\nthe body is empty"};
    }
    return parseJson(body);
}

// Everything one API call needs, parsed once.
struct Call {
    const Request& req;
    Target target;
    std::string requestId;
};

}  // namespace

Gateway::Gateway(controller::Controller& ctl, GatewayOptions opts) : ctl_(ctl), opts_(std::move(opts)) {}

std::size_t Gateway::bodyLimit(const http::RequestHeader& head) const {
    const auto& lim = ctl_.systemLimits();
    auto target = head.target();
    bool isAction = target.find("/actions/") != std::string_view::npos;
    if (head.method() == bhttp::verb::put && isAction) {
        // The code limit applies to exec.code; leave room for parameters and the JSON around it.
        return lim.maxCodeBytes + 2 * lim.maxParameterBytes + 64 * 1024;
    }
    if (head.method() == bhttp::verb::post && isAction) return lim.maxPayloadBytes;
    return lim.maxPayloadBytes + lim.maxParameterBytes + 64 * 1024;
}

Response Gateway::tooLarge(const http::RequestHeader& head, std::size_t size, std::size_t limit) {
    std::string id = randomHex(16);
    auto res = errorResponse(Error{Errc::PayloadTooLarge, "Request larger than allowed: " +
                                                              std::to_string(size) + " > " +
                                                              std::to_string(limit) + " bytes."},
                             id);
    res.version(head.version());
    return res;
}

Response Gateway::internalError(const Request& req, const std::exception& e) {
    std::string id = randomHex(16);
    spdlog::error("request {} {} {}: unhandled exception: {}", id, std::string(req.method_string()),
                  std::string(req.target()), e.what());
    return errorResponse(Error{Errc::Internal, "The server encountered an internal error."}, id);
}

asio::awaitable<Response> Gateway::handle(Request req) {
    Call call{req, parseTarget(req.target()), randomHex(16)};
    const auto& seg = call.target.segments;
    auto method = req.method();
    auto fail = [&](const Error& e) { return errorResponse(e, call.requestId); };

    if (method == bhttp::verb::options) {
        Response res = jsonResponse(bhttp::status::ok, Json::object());
        res.body().clear();
        co_return res;
    }
    if (seg.size() == 1 && seg[0] == "metrics" && method == bhttp::verb::get) {
        // Unauthenticated, like a Prometheus target: serve the API on a trusted interface.
        Response res{bhttp::status::ok, 11};
        res.set(bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        res.body() = ctl_.metricsText();
        co_return res;
    }
    if (seg.size() < 2 || seg[0] != "api" || seg[1] != "v1") co_return fail(notFound());
    if (seg.size() == 2) {
        if (method != bhttp::verb::get) co_return fail(methodNotAllowed(req.method_string()));
        co_return jsonResponse(bhttp::status::ok,
                               Json{{"description", "OpenWhisk API"},
                                    {"api_version", "1.0.0"},
                                    {"api_version_path", "v1"},
                                    {"build", opts_.build},
                                    {"buildno", opts_.buildNumber},
                                    {"swagger_paths", {{"ui", "/docs"}, {"api-docs", "/api/v1/api-docs"}}}});
    }
    if (seg[2] != "namespaces") co_return fail(notFound());

    auto who = co_await ctl_.authenticate(req[bhttp::field::authorization]);
    if (!who) co_return fail(who.error());

    if (seg.size() == 3) {
        if (method != bhttp::verb::get) co_return fail(methodNotAllowed(req.method_string()));
        auto r = ctl_.listNamespaces(*who);
        if (!r) co_return fail(r.error());
        co_return jsonResponse(bhttp::status::ok, *r);
    }
    std::string ns = resolveNamespace(seg[3], who->ns);
    if (seg.size() == 4) co_return fail(notFound());
    const std::string& collection = seg[4];
    std::vector<std::string> rest(seg.begin() + 5, seg.end());
    const auto& t = call.target;

    auto listOptions = [&]() -> Result<controller::ListOptions> {
        auto skip = queryInt(t, "skip", 0);
        if (!skip) return skip.error();
        auto limit = queryInt(t, "limit", 30);
        if (!limit) return limit.error();
        auto count = queryBool(t, "count", false);
        if (!count) return count.error();
        return controller::ListOptions{*skip, *limit, *count};
    };
    auto reply = [&](const Result<Json>& r) {
        return r ? jsonResponse(bhttp::status::ok, *r) : fail(r.error());
    };

    if (collection == "limits" && rest.empty()) {
        if (method != bhttp::verb::get) co_return fail(methodNotAllowed(req.method_string()));
        co_return reply(co_await ctl_.limits(*who, ns));
    }

    if (collection == "actions") {
        // A list: no name, or "pkg/" (a package's actions).
        if (rest.empty() || (rest.size() == 1 && t.trailingSlash)) {
            if (method != bhttp::verb::get) co_return fail(methodNotAllowed(req.method_string()));
            auto opts = listOptions();
            if (!opts) co_return fail(opts.error());
            std::optional<std::string> pkg;
            if (!rest.empty()) pkg = rest[0];
            co_return reply(co_await ctl_.listActions(*who, ns, pkg, *opts));
        }
        if (rest.size() > 2) co_return fail(notFound());
        std::string id = rest.size() == 1 ? rest[0] : rest[0] + "/" + rest[1];
        auto en = parseEntityName(id);
        if (!en) co_return fail(en.error());
        QualifiedName q{ns, *en};
        switch (method) {
            case bhttp::verb::get: {
                auto code = queryBool(t, "code", true);
                if (!code) co_return fail(code.error());
                co_return reply(co_await ctl_.getAction(*who, q, *code));
            }
            case bhttp::verb::put: {
                auto overwrite = queryBool(t, "overwrite", false);
                if (!overwrite) co_return fail(overwrite.error());
                auto body = bodyJson(req, false);
                if (!body) co_return fail(body.error());
                co_return reply(co_await ctl_.putAction(*who, q, *body, *overwrite));
            }
            case bhttp::verb::delete_:
                co_return reply(co_await ctl_.deleteAction(*who, q));
            case bhttp::verb::post: {
                auto blocking = queryBool(t, "blocking", false);
                if (!blocking) co_return fail(blocking.error());
                auto resultOnly = queryBool(t, "result", false);
                if (!resultOnly) co_return fail(resultOnly.error());
                std::int64_t bound = ctl_.systemLimits().blockingWaitMs;
                auto timeout = queryInt(t, "timeout", bound);
                if (!timeout) co_return fail(timeout.error());
                auto params = bodyJson(req, true);
                if (!params) co_return fail(params.error());
                std::optional<std::chrono::milliseconds> wait;
                if (*blocking) wait = std::chrono::milliseconds(std::clamp<std::int64_t>(*timeout, 0, bound));
                auto out = co_await ctl_.invoke(*who, q, *params, wait);
                if (!out) co_return fail(out.error());
                Response res;
                if (out->overloaded) {
                    // Nothing ran: the invoker had no room. The record says so too.
                    const Json& result = out->record->result;
                    std::string why = result.is_object() ? result.value("error", std::string("overloaded"))
                                                         : std::string("overloaded");
                    res = errorResponse(Error{Errc::Unavailable, why, 1}, call.requestId);
                } else if (!out->record) {
                    res = jsonResponse(bhttp::status::accepted, Json{{"activationId", out->activationId}});
                } else {
                    const auto& rec = *out->record;
                    auto status = rec.statusCode == 0   ? bhttp::status::ok
                                  : rec.statusCode == 3 ? bhttp::status::internal_server_error
                                                        : bhttp::status::bad_gateway;
                    // The record as stored, text and all; or only its result.
                    res = *resultOnly ? jsonResponse(status, rec.result) : jsonTextResponse(status, rec.text);
                    res.set("Server-Timing", serverTiming(rec));
                }
                res.set("x-openwhisk-activation-id", out->activationId);
                co_return res;
            }
            default:
                co_return fail(methodNotAllowed(req.method_string()));
        }
    }

    if (collection == "packages") {
        if (rest.empty()) {
            if (method != bhttp::verb::get) co_return fail(methodNotAllowed(req.method_string()));
            auto opts = listOptions();
            if (!opts) co_return fail(opts.error());
            co_return reply(co_await ctl_.listPackages(*who, ns, *opts));
        }
        if (rest.size() != 1) co_return fail(notFound());
        const std::string& name = rest[0];
        switch (method) {
            case bhttp::verb::get: co_return reply(co_await ctl_.getPackage(*who, ns, name));
            case bhttp::verb::put: {
                auto overwrite = queryBool(t, "overwrite", false);
                if (!overwrite) co_return fail(overwrite.error());
                auto body = bodyJson(req, true);
                if (!body) co_return fail(body.error());
                co_return reply(co_await ctl_.putPackage(*who, ns, name, *body, *overwrite));
            }
            case bhttp::verb::delete_: {
                auto force = queryBool(t, "force", false);
                if (!force) co_return fail(force.error());
                co_return reply(co_await ctl_.deletePackage(*who, ns, name, *force));
            }
            default: co_return fail(methodNotAllowed(req.method_string()));
        }
    }

    if (collection == "activations") {
        if (method != bhttp::verb::get) co_return fail(methodNotAllowed(req.method_string()));
        if (rest.empty()) {
            auto opts = listOptions();
            if (!opts) co_return fail(opts.error());
            controller::ActivationListOptions a;
            a.list = *opts;
            if (auto it = t.query.find("name"); it != t.query.end() && !it->second.empty()) a.name = it->second;
            auto since = queryInt(t, "since", 0);
            if (!since) co_return fail(since.error());
            auto upto = queryInt(t, "upto", 0);
            if (!upto) co_return fail(upto.error());
            auto docs = queryBool(t, "docs", false);
            if (!docs) co_return fail(docs.error());
            a.since = *since;
            a.upto = *upto;
            a.docs = *docs;
            co_return reply(co_await ctl_.listActivations(*who, ns, a));
        }
        if (rest.size() > 2) co_return fail(notFound());
        auto rec = co_await ctl_.getActivation(*who, ns, rest[0]);
        if (!rec) co_return fail(rec.error());
        if (rest.size() == 1) co_return jsonResponse(bhttp::status::ok, *rec);
        if (rest[1] == "logs") co_return jsonResponse(bhttp::status::ok, Json{{"logs", (*rec)["logs"]}});
        if (rest[1] == "result") co_return jsonResponse(bhttp::status::ok, controller::Controller::resultView(*rec));
        co_return fail(notFound());
    }

    if (collection == "instances" && rest.empty()) {
        if (method != bhttp::verb::get) co_return fail(methodNotAllowed(req.method_string()));
        co_return reply(ctl_.instances(*who, ns));
    }

    if (collection == "usage" && rest.empty()) {
        if (method != bhttp::verb::get) co_return fail(methodNotAllowed(req.method_string()));
        auto since = queryInt(t, "since", 0);
        if (!since) co_return fail(since.error());
        auto upto = queryInt(t, "upto", 0);
        if (!upto) co_return fail(upto.error());
        std::string group = "action";
        if (auto it = t.query.find("group"); it != t.query.end() && !it->second.empty()) group = it->second;
        co_return reply(co_await ctl_.usage(*who, ns, *since, *upto, group));
    }

    if (collection == "triggers" || collection == "rules") {
        co_return fail(Error{Errc::NotImplemented, "Firework does not support " + collection +
                                                       " yet; see docs/api.md."});
    }
    co_return fail(notFound());
}

}  // namespace fw::gateway
