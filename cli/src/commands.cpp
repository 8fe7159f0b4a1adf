// The commands of fwctl: each turns its options into client calls and prints the outcome.
// Request bodies come from action_body.cpp and output from format.cpp; this file holds only the
// order of steps and the exit codes.
#include "commands.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <set>

#include "fw/cli/format.hpp"
#include "fw/cli/time_arg.hpp"
#include "fw/client/properties.hpp"
#include "fw/common/file.hpp"
#include "fw/common/names.hpp"
#include "fw/common/util.hpp"

namespace fw::cli {
namespace {

// A poll interval short enough to feel live and long enough to be no load.
constexpr std::chrono::milliseconds kPollInterval{2000};
// The server's maximum page; poll asks for this much so a burst is not missed.
constexpr int kPollPage = 200;

std::string dumpPretty(const Json& j) {
    return j.dump(2, ' ', false, Json::error_handler_t::replace);
}

// Logs every exchange on stderr for -v (never the Authorization header).
class TracingTransport final : public client::Transport {
  public:
    TracingTransport(std::unique_ptr<client::Transport> inner, std::ostream& err)
        : inner_(std::move(inner)), err_(err) {}
    Result<client::Response> send(const client::HttpRequest& req) override {
        err_ << "> " << req.method << " " << req.url << "\n";
        if (req.body) err_ << "> " << clip(*req.body) << "\n";
        auto r = inner_->send(req);
        if (!r) {
            err_ << "< transport error: " << r.error().message << "\n";
        } else {
            err_ << "< " << r->status << "\n";
            if (!r->body.empty()) err_ << "< " << clip(r->body) << "\n";
        }
        return r;
    }

  private:
    static std::string clip(const std::string& s) {
        constexpr std::size_t kMax = 2048;
        return s.size() <= kMax
                   ? s
                   : s.substr(0, kMax) + "... (" + std::to_string(s.size()) + " bytes)";
    }
    std::unique_ptr<client::Transport> inner_;
    std::ostream& err_;
};

Result<std::string> readFile(const std::string& path) {
    auto text = readWholeFile(path);
    if (!text) return Error{Errc::InvalidArgument, text.error().message};
    return text;
}

Result<void> writeFile(const std::string& path, std::string_view bytes) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return Error{Errc::InvalidArgument, "cannot write '" + path + "': " + std::strerror(errno)};
    }
    std::size_t off = 0;
    while (off < bytes.size()) {
        auto n = ::write(fd, bytes.data() + off, bytes.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            return Error{Errc::Internal, "cannot write '" + path + "': " + std::strerror(err)};
        }
        off += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) {
        return Error{Errc::Internal, "cannot write '" + path + "': " + std::strerror(errno)};
    }
    return {};
}

// -p/-P (or -a/-A) as a KeyVal array, or null when none was given.
Result<Json> keyValues(const KeyValuePairs& pairs, const std::optional<std::string>& file) {
    std::optional<std::string> text;
    if (file) {
        auto t = readFile(*file);
        if (!t) return t.error();
        text = std::move(*t);
    }
    return buildKeyValues(text, file.value_or(""), pairs);
}

// "/ns/pkg/name" for messages, with the namespace the request used ("_" stays "_").
std::string displayName(std::string_view name, std::string_view ns) {
    auto q = parseQualifiedName(name, ns.empty() ? "_" : ns);
    return q ? "/" + q->path() : std::string(name);
}

Result<std::string> lastActivationId(client::Client& api) {
    auto list = api.listActivations({.limit = 1});
    if (!list) return list.error();
    const Json first = list->is_array() && !list->empty() ? (*list)[0] : Json();
    const Json& id = field(first, "activationId");
    if (!id.is_string()) return Error{Errc::NotFound, "there are no activations yet"};
    return id.get<std::string>();
}

Result<std::string> activationId(Context& ctx, const ActivationOptions& o) {
    if (!o.last) return o.id;
    auto api = ctx.api();
    if (!api) return api.error();
    return lastActivationId(**api);
}

}  // namespace

// ---- Context ----

Result<client::Config> Context::config() const {
    auto cfg = client::loadConfig(io_.env);
    if (!cfg) return cfg.error();
    if (!globals_.apiHost.empty()) cfg->apiHost = globals_.apiHost;
    if (!globals_.auth.empty()) cfg->auth = globals_.auth;
    if (!globals_.ns.empty()) cfg->ns = globals_.ns;
    if (globals_.insecure) cfg->insecure = true;
    return cfg;
}

Result<client::Client*> Context::api() {
    if (!client_) {
        auto cfg = config();
        if (!cfg) return cfg.error();
        std::unique_ptr<client::Transport> t =
            io_.transport ? io_.transport(*cfg) : client::makeCurlTransport(*cfg);
        if (globals_.verbose) t = std::make_unique<TracingTransport>(std::move(t), err());
        client_.emplace(*cfg, std::move(t));
    }
    return &*client_;
}

int Context::fail(const Error& e) const { return fail(e.message); }

int Context::fail(const std::string& message) const {
    err() << "error: " << oneLine(message) << "\n";
    return kExitError;
}

void Context::printJson(const Json& j) const { out() << dumpPretty(j) << "\n"; }

// ---- property ----

namespace {
struct PropertyKey {
    const char* file;   // key in the properties file
    const char* label;  // for `property get` and messages
    const std::optional<std::string> PropertyOptions::*option;
};
constexpr PropertyKey kPropertyKeys[] = {
    {"APIHOST", "apihost", &PropertyOptions::apiHost},
    {"AUTH", "auth", &PropertyOptions::auth},
    {"NAMESPACE", "namespace", &PropertyOptions::ns},
};
}  // namespace

int propertySet(Context& ctx, const PropertyOptions& o) {
    if (!o.apiHost && !o.auth && !o.ns) {
        ctx.err() << "error: property set needs --apihost, --auth or --namespace\n";
        return kExitUsage;
    }
    auto path = client::propertiesPath(ctx.io().env);
    auto props = client::readPropertiesFile(path);
    if (!props) return ctx.fail(props.error());
    for (const auto& k : kPropertyKeys) {
        if (const auto& v = o.*k.option) props->set(k.file, *v);
    }
    // serverless-openwhisk refuses a file without NAMESPACE; "_" is the caller's own.
    if (!props->get("NAMESPACE") || props->get("NAMESPACE")->empty()) props->set("NAMESPACE", "_");
    if (auto w = client::writePropertiesFile(path, *props); !w) return ctx.fail(w.error());
    for (const auto& k : kPropertyKeys) {
        const auto& v = o.*k.option;
        if (!v) continue;
        // The key is a secret: say that it was set, not what it is.
        if (std::string_view(k.file) == "AUTH") {
            ctx.out() << "ok: auth set in " << path.string() << "\n";
        } else {
            ctx.out() << "ok: " << k.label << " set to " << *v << " in " << path.string() << "\n";
        }
    }
    return kExitOk;
}

int propertyUnset(Context& ctx, const PropertyOptions& o) {
    if (!o.apiHost && !o.auth && !o.ns) {
        ctx.err() << "error: property unset needs --apihost, --auth or --namespace\n";
        return kExitUsage;
    }
    auto path = client::propertiesPath(ctx.io().env);
    auto props = client::readPropertiesFile(path);
    if (!props) return ctx.fail(props.error());
    std::vector<const char*> removed;
    for (const auto& k : kPropertyKeys) {
        if ((o.*k.option).has_value() && props->unset(k.file)) removed.push_back(k.label);
    }
    if (!removed.empty()) {
        if (auto w = client::writePropertiesFile(path, *props); !w) return ctx.fail(w.error());
    }
    for (const auto& k : kPropertyKeys) {
        if (!(o.*k.option).has_value()) continue;
        bool was = std::find(removed.begin(), removed.end(), k.label) != removed.end();
        ctx.out() << "ok: " << k.label << (was ? " unset" : " was not set") << "\n";
    }
    return kExitOk;
}

int propertyGet(Context& ctx, const PropertyOptions& o) {
    auto cfg = ctx.config();
    if (!cfg) return ctx.fail(cfg.error());
    std::string values[] = {cfg->apiHost, cfg->auth, cfg->ns};
    bool any = o.apiHost || o.auth || o.ns;
    if (ctx.json()) {
        Json j = Json::object();
        for (std::size_t i = 0; i < std::size(kPropertyKeys); ++i) {
            if (!any || (o.*kPropertyKeys[i].option).has_value())
                j[kPropertyKeys[i].label] = values[i];
        }
        if (!any) j["file"] = client::propertiesPath(ctx.io().env).string();
        ctx.printJson(j);
        return kExitOk;
    }
    int asked = int(o.apiHost.has_value()) + int(o.auth.has_value()) + int(o.ns.has_value());
    if (asked == 1) {
        // One value alone, for scripts: APIHOST=$(fwctl property get --apihost).
        for (std::size_t i = 0; i < std::size(kPropertyKeys); ++i) {
            if ((o.*kPropertyKeys[i].option).has_value()) ctx.out() << values[i] << "\n";
        }
        return kExitOk;
    }
    Table t({"PROPERTY", "VALUE"});
    for (std::size_t i = 0; i < std::size(kPropertyKeys); ++i) {
        if (!any || (o.*kPropertyKeys[i].option).has_value()) {
            t.add({kPropertyKeys[i].label, values[i].empty() ? "-" : values[i]});
        }
    }
    if (!any) t.add({"file", client::propertiesPath(ctx.io().env).string()});
    ctx.out() << t.str();
    return kExitOk;
}

// ---- action ----

int actionPut(Context& ctx, const ActionOptions& o, bool update) {
    ActionSpec spec = o.spec;
    auto params = keyValues(o.kv.params, o.kv.paramFile);
    if (!params) return ctx.fail(params.error());
    auto annotations = keyValues(o.kv.annotations, o.kv.annotationFile);
    if (!annotations) return ctx.fail(annotations.error());
    spec.parameters = std::move(*params);
    spec.annotations = std::move(*annotations);

    std::optional<Code> code;
    if (spec.file) {
        auto c = readCode(*spec.file);
        if (!c) return ctx.fail(c.error());
        code = std::move(*c);
    }
    auto api = ctx.api();
    if (!api) return ctx.fail(api.error());
    auto body = buildActionBody(spec, code, update, (*api)->config().ns);
    if (!body) return ctx.fail(body.error());
    auto r = (*api)->putAction(o.name, *body, /*overwrite=*/update);
    if (!r) return ctx.fail(r.error());
    if (ctx.json()) {
        ctx.printJson(*r);
    } else {
        ctx.out() << "ok: " << (update ? "updated" : "created") << " action " << o.name << "\n";
    }
    return kExitOk;
}

int actionGet(Context& ctx, const std::string& name, bool code,
              const std::optional<std::string>& saveAs) {
    auto api = ctx.api();
    if (!api) return ctx.fail(api.error());
    auto r = (*api)->getAction(name, code || saveAs.has_value());
    if (!r) return ctx.fail(r.error());
    const Json& exec = field(*r, "exec");
    const bool binary = isTrue(exec, "binary");
    if (saveAs) {
        const Json& stored = field(exec, "code");
        if (!stored.is_string()) return ctx.fail("action " + name + " has no code to save");
        std::string bytes = stored.get<std::string>();
        if (binary) {
            auto decoded = base64Decode(bytes);
            if (!decoded) return ctx.fail("the code of action " + name + " is not valid base64");
            bytes = std::move(*decoded);
        }
        if (auto w = writeFile(*saveAs, bytes); !w) return ctx.fail(w.error());
        if (!ctx.json()) {
            ctx.out() << "ok: saved the code of action " << name << " to " << *saveAs << "\n";
            return kExitOk;
        }
    }
    if (ctx.json()) {
        ctx.printJson(*r);
        return kExitOk;
    }
    ctx.out() << actionSummary(*r, ctx.io().utc);
    if (code) {
        const Json& stored = field(exec, "code");
        if (!stored.is_string()) {
            ctx.out() << "code  (none)\n";
        } else if (binary) {
            ctx.out() << "code  (binary, " << stored.get<std::string>().size()
                      << " characters of base64; save it with --save FILE)\n";
        } else {
            const auto& text = stored.get<std::string>();
            ctx.out() << "code\n" << text << (text.ends_with('\n') ? "" : "\n");
        }
    }
    return kExitOk;
}

int actionList(Context& ctx, const ListOptions& o) {
    auto api = ctx.api();
    if (!api) return ctx.fail(api.error());
    auto r = (*api)->listActions(o.scope, o.skip, o.limit);
    if (!r) return ctx.fail(r.error());
    if (ctx.json()) {
        ctx.printJson(*r);
    } else {
        ctx.out() << actionTable(*r);
    }
    return kExitOk;
}

int actionDelete(Context& ctx, const std::string& name) {
    auto api = ctx.api();
    if (!api) return ctx.fail(api.error());
    auto r = (*api)->deleteAction(name);
    if (!r) return ctx.fail(r.error());
    if (ctx.json()) {
        ctx.printJson(*r);
    } else {
        ctx.out() << "ok: deleted action " << name << "\n";
    }
    return kExitOk;
}

int actionInvoke(Context& ctx, const InvokeOptions& o) {
    auto params = keyValues(o.kv.params, o.kv.paramFile);
    if (!params) return ctx.fail(params.error());
    Json payload = params->is_null() ? Json::object() : keyValuesToObject(*params);
    auto api = ctx.api();
    if (!api) return ctx.fail(api.error());
    const bool blocking = o.blocking || o.result;
    auto r = (*api)->invokeAction(o.name, payload, blocking, o.result);
    if (!r) return ctx.fail(r.error());

    auto body = r->json();
    if (!body) return ctx.fail(body.error());
    std::string id = r->header("x-openwhisk-activation-id");
    if (const Json& bodyId = field(*body, "activationId"); id.empty() && bodyId.is_string()) {
        id = bodyId.get<std::string>();
    }
    const std::string shown = displayName(o.name, (*api)->config().ns);

    if (r->status == 202) {
        if (ctx.json()) ctx.printJson(*body);
        if (!blocking) {
            if (!ctx.json()) ctx.out() << "ok: invoked " << shown << " with id " << id << "\n";
            return kExitOk;
        }
        ctx.err() << "error: invoked " << shown << " with id " << id
                  << ", but the result is not ready yet (the blocking wait ended); get it later "
                     "with: fwctl activation result "
                  << id << "\n";
        return kExitNotReady;
    }
    if (r->status >= 400) {
        // The action ran and failed (502), or the platform failed it (500): an outcome, printed
        // like a result, plus one line saying so.
        ctx.printJson(*body);
        std::string why = client::errorMessage(*r);
        ctx.err() << "error: " << (id.empty() ? "the activation" : "activation " + id) << " of "
                  << shown << " failed: " << oneLine(why) << "\n";
        return kExitActionFailed;
    }
    if (!body->is_null()) ctx.printJson(*body);
    return kExitOk;
}

// ---- activation ----

int activationList(Context& ctx, const ListOptions& o) {
    auto api = ctx.api();
    if (!api) return ctx.fail(api.error());
    auto r = (*api)->listActivations({.name = o.scope,
                                      .skip = o.skip,
                                      .limit = o.limit,
                                      .since = o.since,
                                      .upto = o.upto,
                                      .docs = o.full});
    if (!r) return ctx.fail(r.error());
    if (ctx.json()) {
        ctx.printJson(*r);
    } else {
        ctx.out() << activationTable(*r, ctx.io().utc);
    }
    return kExitOk;
}

int activationGet(Context& ctx, const ActivationOptions& o) {
    auto id = activationId(ctx, o);
    if (!id) return ctx.fail(id.error());
    auto api = ctx.api();
    if (!api) return ctx.fail(api.error());
    auto r = (*api)->getActivation(*id);
    if (!r) return ctx.fail(r.error());
    if (ctx.json()) {
        ctx.printJson(*r);
    } else {
        ctx.out() << activationSummary(*r, ctx.io().utc);
    }
    return kExitOk;
}

int activationLogs(Context& ctx, const ActivationOptions& o) {
    auto id = activationId(ctx, o);
    if (!id) return ctx.fail(id.error());
    auto api = ctx.api();
    if (!api) return ctx.fail(api.error());
    auto r = (*api)->activationLogs(*id);
    if (!r) return ctx.fail(r.error());
    if (ctx.json()) {
        ctx.printJson(*r);
        return kExitOk;
    }
    if (const Json& lines = field(*r, "logs"); lines.is_array()) {
        for (const auto& line : lines) {
            std::string text = displayValue(line);
            ctx.out() << (o.strip ? stripLogLine(text) : text) << "\n";
        }
    }
    return kExitOk;
}

int activationResult(Context& ctx, const ActivationOptions& o) {
    auto id = activationId(ctx, o);
    if (!id) return ctx.fail(id.error());
    auto api = ctx.api();
    if (!api) return ctx.fail(api.error());
    auto r = (*api)->activationResult(*id);
    if (!r) return ctx.fail(r.error());
    if (!ctx.json() && r->is_object() && r->contains("result")) {
        ctx.printJson(field(*r, "result"));
    } else {
        ctx.printJson(*r);
    }
    return kExitOk;
}

int activationPoll(Context& ctx, const PollOptions& o) {
    auto api = ctx.api();
    if (!api) return ctx.fail(api.error());
    const std::int64_t start = ctx.io().nowMs();
    // A plain number (max: no deadline) rather than an optional: g++ 12 -O2 wrongly warns that
    // an optional<int64_t> built this way may be read uninitialised.
    const bool bounded = o.exitAfterSeconds.has_value();
    const std::int64_t end = bounded ? start + *o.exitAfterSeconds * 1000
                                     : std::numeric_limits<std::int64_t>::max();
    if (!ctx.json()) {
        ctx.err() << "polling for activations" << (o.name.empty() ? "" : " of " + o.name)
                  << (bounded ? " for " + std::to_string(*o.exitAfterSeconds) + " s"
                               : " (Ctrl-C to stop)")
                  << "\n";
    }
    // `since` stays at the start: a record is stored when its activation ends, so one that
    // started before an earlier poll may appear later. `seen` keeps each printed once.
    std::set<std::string> seen;
    while (true) {
        auto r = (*api)->listActivations(
            {.name = o.name, .limit = kPollPage, .since = start, .docs = true});
        if (!r) return ctx.fail(r.error());
        std::vector<Json> fresh;
        if (r->is_array()) {
            for (const auto& a : *r) {
                const Json& id = field(a, "activationId");
                if (!id.is_string()) continue;
                if (seen.insert(id.get<std::string>()).second) fresh.push_back(a);
            }
        }
        std::stable_sort(fresh.begin(), fresh.end(), [](const Json& a, const Json& b) {
            auto began = [](const Json& j) {
                const Json& s = field(j, "start");
                return s.is_number() ? s.get<std::int64_t>() : std::int64_t{0};
            };
            return began(a) < began(b);
        });
        for (const auto& a : fresh) {
            if (ctx.json()) {
                ctx.out() << a.dump(-1, ' ', false, Json::error_handler_t::replace) << "\n";
                continue;
            }
            ctx.out() << activationHeadline(a) << "\n";
            if (const Json& lines = field(a, "logs"); lines.is_array()) {
                for (const auto& line : lines) {
                    std::string text = displayValue(line);
                    ctx.out() << "  " << (o.strip ? stripLogLine(text) : text) << "\n";
                }
            }
        }
        ctx.out().flush();
        const std::int64_t now = ctx.io().nowMs();
        if (now >= end) return kExitOk;
        ctx.io().sleep(std::min<std::chrono::milliseconds>(kPollInterval, std::chrono::milliseconds(end - now)));
    }
}

// ---- namespace ----

int namespaceList(Context& ctx) {
    auto api = ctx.api();
    if (!api) return ctx.fail(api.error());
    auto r = (*api)->listNamespaces();
    if (!r) return ctx.fail(r.error());
    if (ctx.json()) {
        ctx.printJson(*r);
    } else {
        ctx.out() << namespaceTable(*r);
    }
    return kExitOk;
}

// ---- usage and instances (Firework extensions) ----

namespace {

constexpr std::int64_t kDefaultUsagePeriodMs = 24 * 3600 * 1000;

// A daemon older than an endpoint answers 404 (or 501 from a gateway that knows the route but
// not the feature): say so, since "The requested resource does not exist." alone reads like a
// typo. The code must match the status, so a transport error after an old 404 gets no hint.
int failExtension(Context& ctx, client::Client& api, const Error& e, std::string_view what) {
    const long status = api.lastResponse().status;
    if ((status == 404 && e.code == Errc::NotFound) ||
        (status == 501 && e.code == Errc::NotImplemented)) {
        return ctx.fail(oneLine(e.message) + " (the daemon at " + api.config().apiHost +
                        " may be older than fwctl and not offer " + std::string(what) + ")");
    }
    return ctx.fail(e);
}

}  // namespace

int usage(Context& ctx, const UsageOptions& o) {
    if (o.csv && ctx.json()) {
        ctx.err() << "error: --csv and --json exclude each other\n";
        return kExitUsage;
    }
    const std::int64_t now = ctx.io().nowMs();
    std::int64_t upto = now;
    if (o.upto) {
        auto t = parseTimeArg(*o.upto, now);
        if (!t) {
            ctx.err() << "error: --upto: " << t.error().message << "\n";
            return kExitUsage;
        }
        upto = *t;
    }
    std::int64_t since = upto - kDefaultUsagePeriodMs;
    if (o.since) {
        auto t = parseTimeArg(*o.since, now);
        if (!t) {
            ctx.err() << "error: --since: " << t.error().message << "\n";
            return kExitUsage;
        }
        since = *t;
    }
    if (since > upto) {
        ctx.err() << "error: --since (" << formatUtcMinute(since) << " UTC) is after --upto ("
                  << formatUtcMinute(upto) << " UTC)\n";
        return kExitUsage;
    }
    auto api = ctx.api();
    if (!api) return ctx.fail(api.error());
    auto r = (*api)->usage(since, upto, o.group);
    if (!r) return failExtension(ctx, **api, r.error(), "usage reports");
    if (ctx.json()) {
        ctx.printJson(*r);
    } else if (o.csv) {
        ctx.out() << usageCsv(*r);
    } else {
        ctx.out() << usageReport(*r);
    }
    return kExitOk;
}

int instanceList(Context& ctx) {
    auto api = ctx.api();
    if (!api) return ctx.fail(api.error());
    auto r = (*api)->instances();
    if (!r) return failExtension(ctx, **api, r.error(), "instance lists");
    if (ctx.json()) {
        ctx.printJson(*r);
    } else {
        ctx.out() << instancesReport(*r);
    }
    return kExitOk;
}

// ---- package ----

int packagePut(Context& ctx, const PackageOptions& o, bool update) {
    auto params = keyValues(o.kv.params, o.kv.paramFile);
    if (!params) return ctx.fail(params.error());
    auto annotations = keyValues(o.kv.annotations, o.kv.annotationFile);
    if (!annotations) return ctx.fail(annotations.error());
    Json body = buildPackageBody({*params, *annotations, o.shared}, update);
    auto api = ctx.api();
    if (!api) return ctx.fail(api.error());
    auto r = (*api)->putPackage(o.name, body, update);
    if (!r) return ctx.fail(r.error());
    if (ctx.json()) {
        ctx.printJson(*r);
    } else {
        ctx.out() << "ok: " << (update ? "updated" : "created") << " package " << o.name << "\n";
    }
    return kExitOk;
}

int packageGet(Context& ctx, const std::string& name) {
    auto api = ctx.api();
    if (!api) return ctx.fail(api.error());
    auto r = (*api)->getPackage(name);
    if (!r) return ctx.fail(r.error());
    if (ctx.json()) {
        ctx.printJson(*r);
    } else {
        ctx.out() << packageSummary(*r, ctx.io().utc);
    }
    return kExitOk;
}

int packageList(Context& ctx, const ListOptions& o) {
    auto api = ctx.api();
    if (!api) return ctx.fail(api.error());
    auto r = (*api)->listPackages(o.skip, o.limit);
    if (!r) return ctx.fail(r.error());
    if (ctx.json()) {
        ctx.printJson(*r);
    } else {
        ctx.out() << packageTable(*r);
    }
    return kExitOk;
}

int packageDelete(Context& ctx, const std::string& name) {
    auto api = ctx.api();
    if (!api) return ctx.fail(api.error());
    auto r = (*api)->deletePackage(name);
    if (!r) return ctx.fail(r.error());
    if (ctx.json()) {
        ctx.printJson(*r);
    } else {
        ctx.out() << "ok: deleted package " << name << "\n";
    }
    return kExitOk;
}

}  // namespace fw::cli
