#include "entities.hpp"

#include "fw/common/kinds.hpp"
#include "fw/common/util.hpp"

namespace fw::controller {
namespace {

Error malformed(const std::string& detail) {
    return Error{Errc::InvalidArgument, "The request content was malformed:\n" + detail};
}

// Checks that `field` of `body`, when present and not null, has the expected JSON type.
Result<void> expectType(const Json& body, const char* field, Json::value_t type, const char* noun) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) return {};
    bool ok = it->type() == type ||
              (type == Json::value_t::number_integer && it->is_number_integer());
    if (!ok) return malformed(std::string("'") + field + "' must be " + noun);
    return {};
}

Result<Json> annotationsFor(const Json& body, const std::optional<Json>& existing) {
    Json ann = existing ? existing->value("annotations", Json::array()) : Json::array();
    if (body.contains("annotations") && !body["annotations"].is_null()) {
        auto a = validateKeyValues(body["annotations"], "annotations");
        if (!a) return a.error();
        // OpenWhisk replaces the annotations given in an update and keeps the others.
        for (const auto& kv : *a) setKeyValue(ann, kv["key"].get<std::string>(), kv["value"]);
    }
    if (body.contains("delAnnotations") && !body["delAnnotations"].is_null()) {
        const auto& del = body["delAnnotations"];
        if (!del.is_array()) return malformed("'delAnnotations' must be an array of strings");
        for (const auto& k : del) {
            if (!k.is_string()) return malformed("'delAnnotations' must be an array of strings");
            Json kept = Json::array();
            for (const auto& kv : ann) {
                if (kv["key"] != k) kept.push_back(kv);
            }
            ann = std::move(kept);
        }
    }
    return ann;
}

Result<Json> parametersFor(const Json& body, const std::optional<Json>& existing,
                           const SystemLimits& limits) {
    Json params = existing ? existing->value("parameters", Json::array()) : Json::array();
    if (body.contains("parameters") && !body["parameters"].is_null()) {
        auto p = validateKeyValues(body["parameters"], "parameters");
        if (!p) return p.error();
        params = *p;  // parameters given in an update replace the old set
    }
    auto size = params.dump().size();
    if (size > limits.maxParameterBytes) {
        return Error{Errc::PayloadTooLarge, "parameters larger than allowed: " + std::to_string(size) +
                                                " > " + std::to_string(limits.maxParameterBytes) +
                                                " bytes."};
    }
    return params;
}

bool isActionLoopImage(const std::string& image) {
    return image.find("actionloop") != std::string::npos;
}

Result<Json> buildExec(const Json& body, const std::optional<Json>& existing,
                       const SystemLimits& limits) {
    if (!body.contains("exec") || body["exec"].is_null()) {
        if (existing) return (*existing)["exec"];
        return malformed("'exec' is required to create an action");
    }
    const Json& e = body["exec"];
    if (!e.is_object()) return malformed("'exec' must be an object");
    for (auto [field, noun] : {std::pair{"kind", "a string"}, {"code", "a string"},
                               {"main", "a string"}, {"image", "a string"}}) {
        if (auto r = expectType(e, field, Json::value_t::string, noun); !r) {
            return malformed(std::string("'exec.") + field + "' must be " + noun);
        }
    }
    if (!e.contains("kind") || !e["kind"].is_string()) return malformed("'exec.kind' is required");
    auto kind = resolveKind(e["kind"].get<std::string>());
    if (!kind) return kind.error();
    Json out = {{"kind", *kind}};
    std::string code = e.value("code", std::string());
    if (code.size() > limits.maxCodeBytes) {
        return Error{Errc::PayloadTooLarge, "exec larger than allowed: " + std::to_string(code.size()) +
                                                " > " + std::to_string(limits.maxCodeBytes) +
                                                " bytes."};
    }
    auto blank = code.find_first_not_of(" \t\r\n") == std::string::npos;
    if (*kind == "blackbox") {
        std::string image = e.value("image", std::string("openwhisk/dockerskeleton"));
        if (image != "openwhisk/dockerskeleton" && !isActionLoopImage(image)) {
            return malformed("The image '" + image +
                             "' cannot be run: Firework runs no container images. Use the image "
                             "'openwhisk/dockerskeleton' with code (an executable run once per "
                             "activation) or 'openwhisk/actionloop-v2' with code (an executable "
                             "that speaks ActionLoop).");
        }
        if (blank) {
            return malformed("A blackbox action needs 'exec.code': the executable (text, or a "
                             "base64 zip holding an 'exec' file)");
        }
        out["image"] = image;
    } else if (blank) {
        return malformed("'exec.code' must not be empty");
    }
    out["code"] = code;
    out["binary"] = looksLikeBase64(code);
    if (e.contains("main") && e["main"].is_string() && !e["main"].get<std::string>().empty()) {
        out["main"] = e["main"];
    }
    return out;
}

}  // namespace

std::string bumpVersion(const std::string& v) {
    auto dot = v.rfind('.');
    if (dot == std::string::npos) return v + ".1";
    try {
        return v.substr(0, dot + 1) + std::to_string(std::stoll(v.substr(dot + 1)) + 1);
    } catch (...) {
        return v + ".1";
    }
}

Result<Json> buildActionDoc(const QualifiedName& name, const Json& body,
                            const std::optional<Json>& existing, const SystemLimits& limits,
                            std::int64_t updated) {
    if (!body.is_object()) return malformed("the body must be a JSON object");
    for (auto [field, type, noun] :
         {std::tuple{"exec", Json::value_t::object, "an object"},
          {"limits", Json::value_t::object, "an object"},
          {"parameters", Json::value_t::array, "an array"},
          {"annotations", Json::value_t::array, "an array"},
          {"version", Json::value_t::string, "a string"},
          {"publish", Json::value_t::boolean, "a boolean"},
          {"name", Json::value_t::string, "a string"},
          {"namespace", Json::value_t::string, "a string"}}) {
        if (auto r = expectType(body, field, type, noun); !r) return r.error();
    }
    auto exec = buildExec(body, existing, limits);
    if (!exec) return exec.error();
    ActionLimits base = limits.defaults;
    if (existing && existing->contains("limits")) {
        auto old = parseLimits((*existing)["limits"], limits.defaults, limits);
        if (old) base = *old;
    }
    auto lim = parseLimits(body.value("limits", Json()), base, limits);
    if (!lim) return lim.error();
    if (lim->concurrency > 1 && familyOf((*exec)["kind"].get<std::string>()) != RuntimeFamily::NodeJs) {
        return Error{Errc::InvalidArgument,
                     "concurrency " + std::to_string(lim->concurrency) +
                         " is only supported for nodejs actions; other runtimes take one "
                         "activation per instance (limits.concurrency 1)"};
    }
    auto params = parametersFor(body, existing, limits);
    if (!params) return params.error();
    auto ann = annotationsFor(body, existing);
    if (!ann) return ann.error();
    if (!existing) {
        // OpenWhisk adds these on create unless the caller set them (Actions.amendAnnotations).
        if (!findKeyValue(*ann, "exec")) setKeyValue(*ann, "exec", (*exec)["kind"]);
        if (!findKeyValue(*ann, "provide-api-key")) setKeyValue(*ann, "provide-api-key", false);
    } else {
        setKeyValue(*ann, "exec", (*exec)["kind"]);
    }
    std::string version;
    if (existing) {
        version = bumpVersion(existing->value("version", std::string("0.0.0")));
    } else {
        version = body.value("version", std::string("0.0.1"));
    }
    bool publish = body.contains("publish") && body["publish"].is_boolean()
                       ? body["publish"].get<bool>()
                       : (existing ? existing->value("publish", false) : false);
    return Json{{"namespace", name.nsPath()}, {"name", name.entity.name},
                {"version", version},         {"publish", publish},
                {"exec", *exec},              {"parameters", *params},
                {"limits", toJson(*lim)},     {"annotations", *ann},
                {"updated", updated}};
}

Result<Json> buildPackageDoc(const std::string& ns, const std::string& name, const Json& body,
                             const std::optional<Json>& existing, const SystemLimits& limits,
                             std::int64_t updated) {
    if (!body.is_object()) return malformed("the body must be a JSON object");
    for (auto [field, type, noun] :
         {std::tuple{"parameters", Json::value_t::array, "an array"},
          {"annotations", Json::value_t::array, "an array"},
          {"version", Json::value_t::string, "a string"},
          {"publish", Json::value_t::boolean, "a boolean"}}) {
        if (auto r = expectType(body, field, type, noun); !r) return r.error();
    }
    if (body.contains("binding") && !body["binding"].is_null()) {
        const auto& b = body["binding"];
        bool empty = (b.is_object() && b.empty()) || (b.is_boolean() && !b.get<bool>());
        if (!empty) {
            return Error{Errc::InvalidArgument,
                         "Package bindings are not supported yet: create the package itself "
                         "(omit 'binding' or send an empty object)."};
        }
    }
    auto params = parametersFor(body, existing, limits);
    if (!params) return params.error();
    auto ann = annotationsFor(body, existing);
    if (!ann) return ann.error();
    std::string version = existing ? bumpVersion(existing->value("version", std::string("0.0.0")))
                                   : body.value("version", std::string("0.0.1"));
    bool publish = body.contains("publish") && body["publish"].is_boolean()
                       ? body["publish"].get<bool>()
                       : (existing ? existing->value("publish", false) : false);
    return Json{{"namespace", ns},     {"name", name},           {"version", version},
                {"publish", publish},  {"parameters", *params},  {"annotations", *ann},
                {"binding", Json::object()}, {"updated", updated}};
}

Json actionView(const Json& doc, bool withCode) {
    Json out = doc;
    if (!withCode && out.contains("exec")) out["exec"].erase("code");
    return out;
}

Json actionSummary(const Json& doc) {
    Json exec = {{"binary", doc["exec"].value("binary", false)}};
    return Json{{"namespace", doc["namespace"]},     {"name", doc["name"]},
                {"version", doc["version"]},         {"publish", doc["publish"]},
                {"annotations", doc["annotations"]}, {"limits", doc["limits"]},
                {"exec", exec},                      {"updated", doc["updated"]}};
}

Json packageSummary(const Json& doc) {
    return Json{{"namespace", doc["namespace"]},     {"name", doc["name"]},
                {"version", doc["version"]},         {"publish", doc["publish"]},
                {"annotations", doc["annotations"]}, {"binding", false},
                {"updated", doc["updated"]}};
}

}  // namespace fw::controller
