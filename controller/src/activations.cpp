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

// One annotation, {"key":key,"value":...}, preceded by a comma unless it is the first.
template <class F>
void annotation(std::string& out, bool first, std::string_view key, F value) {
    if (!first) out += ',';
    out += "{\"key\":";
    appendJsonString(out, key);
    out += ",\"value\":";
    value();
    out += '}';
}

}  // namespace

FinishedRecord finishedRecord(const std::string& subject, const RunRequest& req, RunResult& res,
                              bool publish, const RecordFacts& f) {
    FinishedRecord rec;
    std::string resultText;
    appendJson(resultText, res.result);
    std::string& out = rec.text;
    std::size_t logBytes = 0;
    for (const auto& l : res.logs) logBytes += l.size() + 3;
    out.reserve(640 + resultText.size() + logBytes);
    // Keys in the order nlohmann::json (a std::map) writes them, so that records read the same
    // whichever way they were made.
    out += "{\"activationId\":";
    appendJsonString(out, req.activationId);
    out += ",\"annotations\":[";
    annotation(out, true, "path", [&] { appendJsonString(out, f.path); });
    annotation(out, false, "waitTime", [&] { appendJsonInt(out, f.waitMs); });
    annotation(out, false, "kind", [&] { appendJsonString(out, req.exec.kind); });
    annotation(out, false, "timeout", [&] { appendJsonBool(out, res.timeout); });
    annotation(out, false, "limits", [&] { appendJson(out, req.limits); });
    if (f.initMs) annotation(out, false, "initTime", [&] { appendJsonInt(out, *f.initMs); });
    annotation(out, false, "startKind", [&] { appendJsonString(out, startKindWord(f.startKind)); });
    // Metering (Firework's additions): what this activation is billed for and what it used.
    annotation(out, false, "billedDuration", [&] { appendJsonInt(out, f.billedMs); });
    annotation(out, false, "gbSeconds", [&] { appendJsonDouble(out, f.gbSeconds); });
    annotation(out, false, "cpuTime", [&] { appendJsonDouble(out, static_cast<double>(res.cpuTimeUs) / 1000.0); });
    annotation(out, false, "peakMemory", [&] { appendJsonInt(out, res.peakMemoryBytes); });
    out += "],\"duration\":";
    appendJsonInt(out, f.durationMs);
    out += ",\"end\":";
    appendJsonInt(out, res.endMs);
    out += ",\"logs\":[";
    for (std::size_t i = 0; i < res.logs.size(); ++i) {
        if (i > 0) out += ',';
        appendJsonString(out, res.logs[i]);
    }
    out += "],\"name\":";
    appendJsonString(out, req.action.entity.name);
    out += ",\"namespace\":";
    appendJsonString(out, subject);
    out += ",\"publish\":";
    appendJsonBool(out, publish);
    out += ",\"response\":{\"result\":";
    out += resultText;
    out += ",\"status\":";
    appendJsonString(out, f.status);
    out += ",\"statusCode\":";
    appendJsonInt(out, static_cast<int>(res.status));
    out += ",\"success\":";
    appendJsonBool(out, f.success);
    out += "},\"start\":";
    appendJsonInt(out, res.startMs);
    out += ",\"subject\":";
    appendJsonString(out, subject);
    out += ",\"version\":";
    appendJsonString(out, req.version);
    out += '}';

    rec.result = std::move(res.result);
    rec.statusCode = static_cast<int>(res.status);
    rec.waitMs = f.waitMs;
    rec.initMs = f.initMs.value_or(0);
    rec.durationMs = f.durationMs;
    return rec;
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
