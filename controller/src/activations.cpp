#include "activations.hpp"

namespace fw::controller {

RecordFacts recordFacts(const RunRequest& req, const RunResult& res) {
    RecordFacts f;
    f.path = req.action.path();
    auto slash = f.path.find('/');
    f.entityPath = slash == std::string::npos ? f.path : f.path.substr(slash + 1);
    f.status = statusWord(res.status);
    f.success = res.status == ActivationStatus::Success;
    f.startKind = res.startKind;
    f.start = res.startMs;
    f.durationMs = std::max<std::int64_t>(0, res.endMs - res.startMs);
    f.waitMs = std::max<std::int64_t>(0, res.startMs - req.acceptedAtMs);
    f.initMs = res.initTimeMs;
    f.billedMs = billedDurationMs(res.durationUs);
    f.gbSeconds = gbSeconds(f.billedMs, req.limits.memoryMb);
    f.cpuSeconds = static_cast<double>(res.cpuTimeUs) / 1e6;
    return f;
}

namespace {

// {"key": key, "value": value}, built in place (an initializer list would deep-copy the value).
Json keyValue(const char* key, Json value) {
    Json kv(Json::value_t::object);
    kv.emplace("key", key);
    kv.emplace("value", std::move(value));
    return kv;
}

}  // namespace

Json buildActivationRecord(const std::string& subject, const RunRequest& req, const RunResult& res,
                           bool publish, const RecordFacts& f) {
    Json annotations(Json::value_t::array);
    auto& a = annotations.get_ref<Json::array_t&>();
    a.reserve(12);
    a.push_back(keyValue("path", f.path));
    a.push_back(keyValue("waitTime", f.waitMs));
    a.push_back(keyValue("kind", req.exec.kind));
    a.push_back(keyValue("timeout", res.timeout));
    a.push_back(keyValue("limits", toJson(req.limits)));
    if (f.initMs) a.push_back(keyValue("initTime", *f.initMs));
    a.push_back(keyValue("startKind", std::string(startKindWord(f.startKind))));
    // Metering (Firework's additions): what this activation is billed for and what it used.
    a.push_back(keyValue("billedDuration", f.billedMs));
    a.push_back(keyValue("gbSeconds", f.gbSeconds));
    a.push_back(keyValue("cpuTime", static_cast<double>(res.cpuTimeUs) / 1000.0));
    a.push_back(keyValue("peakMemory", res.peakMemoryBytes));

    Json response(Json::value_t::object);
    response.emplace("status", std::string(f.status));
    response.emplace("statusCode", static_cast<int>(res.status));
    response.emplace("success", f.success);
    response.emplace("result", res.result);

    Json rec(Json::value_t::object);
    rec.emplace("namespace", subject);
    rec.emplace("name", req.action.entity.name);
    rec.emplace("subject", subject);
    rec.emplace("activationId", req.activationId);
    rec.emplace("start", res.startMs);
    rec.emplace("end", res.endMs);
    rec.emplace("duration", f.durationMs);
    rec.emplace("response", std::move(response));
    rec.emplace("logs", res.logs);
    rec.emplace("version", req.version);
    rec.emplace("publish", publish);
    rec.emplace("annotations", std::move(annotations));
    return rec;
}

Json buildActivationRecord(const std::string& subject, const RunRequest& req, const RunResult& res,
                           bool publish) {
    return buildActivationRecord(subject, req, res, publish, recordFacts(req, res));
}

Json activationSummary(const Json& r) {
    Json s = {{"namespace", r["namespace"]},     {"name", r["name"]},
              {"version", r["version"]},         {"publish", r["publish"]},
              {"annotations", r["annotations"]}, {"activationId", r["activationId"]},
              {"start", r["start"]}};
    if (r.contains("end")) {
        s["end"] = r["end"];
        s["duration"] = r["duration"];
    }
    if (r.contains("cause")) s["cause"] = r["cause"];
    s["statusCode"] = r["response"].value("statusCode", 0);
    return s;
}

Json activationResultView(const Json& r) {
    const Json& resp = r["response"];
    return Json{{"result", resp.value("result", Json::object())},
                {"success", resp.value("success", false)},
                {"status", resp.value("status", std::string("success"))}};
}

}  // namespace fw::controller
