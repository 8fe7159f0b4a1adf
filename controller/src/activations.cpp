#include "activations.hpp"

namespace fw::controller {

Json buildActivationRecord(const std::string& subject, const RunRequest& req, const RunResult& res,
                           bool publish) {
    Json annotations = Json::array();
    annotations.push_back({{"key", "path"}, {"value", req.action.path()}});
    annotations.push_back(
        {{"key", "waitTime"}, {"value", std::max<std::int64_t>(0, res.startMs - req.acceptedAtMs)}});
    annotations.push_back({{"key", "kind"}, {"value", req.exec.kind}});
    annotations.push_back({{"key", "timeout"}, {"value", res.timeout}});
    annotations.push_back({{"key", "limits"}, {"value", toJson(req.limits)}});
    if (res.initTimeMs) annotations.push_back({{"key", "initTime"}, {"value", *res.initTimeMs}});
    annotations.push_back({{"key", "startKind"}, {"value", startKindWord(res.startKind)}});
    // Metering (Firework's additions): what this activation is billed for and what it used.
    std::int64_t billed = billedDurationMs(res.durationUs);
    annotations.push_back({{"key", "billedDuration"}, {"value", billed}});
    annotations.push_back({{"key", "gbSeconds"}, {"value", gbSeconds(billed, req.limits.memoryMb)}});
    annotations.push_back({{"key", "cpuTime"}, {"value", static_cast<double>(res.cpuTimeUs) / 1000.0}});
    annotations.push_back({{"key", "peakMemory"}, {"value", res.peakMemoryBytes}});

    Json response = {{"status", statusWord(res.status)},
                     {"statusCode", static_cast<int>(res.status)},
                     {"success", res.status == ActivationStatus::Success},
                     {"result", res.result}};
    Json rec = {{"namespace", subject},
                {"name", req.action.entity.name},
                {"subject", subject},
                {"activationId", req.activationId},
                {"start", res.startMs},
                {"end", res.endMs},
                {"duration", std::max<std::int64_t>(0, res.endMs - res.startMs)},
                {"response", response},
                {"logs", res.logs},
                {"version", req.version},
                {"publish", publish},
                {"annotations", annotations}};
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
