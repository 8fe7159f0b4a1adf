#include <gtest/gtest.h>

#include "activations.hpp"

namespace fw::controller {
namespace {

RunRequest request() {
    RunRequest r;
    r.activationId = "0123456789abcdef0123456789abcdef";
    r.action = QualifiedName{"guest", {"pkg", "hello"}};
    r.version = "0.0.2";
    r.exec.kind = "python:3";
    r.acceptedAtMs = 1000;
    return r;
}

// The record as a caller and the store get it, parsed back.
Json recordOf(RunResult res, const RunRequest& req = request()) {
    RecordFacts facts = recordFacts(req, res);
    FinishedRecord rec = finishedRecord("guest", req, res, false, facts);
    Json parsed = Json::parse(rec.text, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << rec.text;
    return parsed;
}

const Json* annotation(const Json& rec, const std::string& key) {
    return findKeyValue(rec["annotations"], key);
}

TEST(Activations, RecordHasTheOpenWhiskShape) {
    RunResult res;
    res.status = ActivationStatus::Success;
    res.result = {{"ok", true}};
    res.logs = {"2017-05-01T12:00:00.123456789Z  stdout: hi"};
    res.startMs = 1012;
    res.endMs = 1042;
    res.initTimeMs = 20;
    res.startKind = StartKind::Cold;
    Json rec = recordOf(res);
    EXPECT_EQ(rec["namespace"], "guest");
    EXPECT_EQ(rec["name"], "hello");
    EXPECT_EQ(rec["subject"], "guest");
    EXPECT_EQ(rec["duration"], 30);
    EXPECT_EQ(rec["response"]["status"], "success");
    EXPECT_EQ(rec["response"]["success"], true);
    EXPECT_EQ(rec["response"]["result"], res.result);
    EXPECT_EQ(*annotation(rec, "path"), "guest/pkg/hello");
    EXPECT_EQ(*annotation(rec, "waitTime"), 12);
    EXPECT_EQ(*annotation(rec, "initTime"), 20);
    EXPECT_EQ(*annotation(rec, "kind"), "python:3");
    EXPECT_EQ(*annotation(rec, "timeout"), false);
    ASSERT_NE(annotation(rec, "limits"), nullptr);
    EXPECT_EQ(*annotation(rec, "limits"), toJson(request().limits));
    EXPECT_EQ(rec["logs"], Json(res.logs));
    EXPECT_EQ(rec["version"], "0.0.2");
    EXPECT_EQ(rec["activationId"], "0123456789abcdef0123456789abcdef");
    EXPECT_EQ(rec["start"], 1012);
    EXPECT_EQ(rec["end"], 1042);
    EXPECT_EQ(rec["publish"], false);
    EXPECT_EQ(rec.size(), 12u) << rec.dump();
}

// The record is written as text directly: it must be the JSON nlohmann would write for the same
// values, whatever the function returned or printed (quotes, control characters, non-ASCII,
// invalid UTF-8, which becomes U+FFFD as everywhere else in the API).
TEST(Activations, RecordTextIsTheJsonOfItsValues) {
    RunRequest req = request();
    req.action.entity.name = "h\u00e9llo";
    RunResult res;
    res.status = ActivationStatus::ApplicationError;
    res.result = {{"error", "bad \"quote\" \\ back\nslash \x01"}, {"n", 1.5}, {"list", {1, "\xc3\xa9", nullptr}}};
    res.logs = {"plain", "tab\there", "caf\xc3\xa9", "broken \xff\xfe utf-8", "\"quoted\""};
    res.startMs = 1005;  // accepted at 1000
    res.endMs = 1009;
    res.durationUs = 4000;
    res.cpuTimeUs = 1234;
    res.peakMemoryBytes = 1 << 20;
    res.startKind = StartKind::Prewarmed;
    res.initTimeMs = 3;
    RecordFacts facts = recordFacts(req, res);
    RunResult copy = res;
    FinishedRecord rec = finishedRecord("guest", req, copy, true, facts);
    Json parsed = Json::parse(rec.text, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << rec.text;
    auto dumped = [](const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); };
    EXPECT_EQ(dumped(parsed["response"]["result"]), dumped(res.result));
    std::vector<std::string> logs;
    for (const auto& l : res.logs) logs.push_back(Json::parse(dumped(Json(l))).get<std::string>());
    EXPECT_EQ(parsed["logs"], Json(logs));
    EXPECT_EQ(parsed["logs"][3], "broken \xef\xbf\xbd\xef\xbf\xbd utf-8");
    EXPECT_EQ(parsed["name"], req.action.entity.name);
    EXPECT_EQ(parsed["publish"], true);
    EXPECT_EQ(parsed["response"]["status"], "application error");
    EXPECT_EQ(parsed["response"]["statusCode"], 1);
    EXPECT_EQ(parsed["response"]["success"], false);
    EXPECT_EQ(*annotation(parsed, "startKind"), "prewarmed");
    EXPECT_EQ(*annotation(parsed, "initTime"), 3);
    EXPECT_EQ(*annotation(parsed, "billedDuration"), 4);
    EXPECT_TRUE(annotation(parsed, "gbSeconds")->is_number_float());
    EXPECT_DOUBLE_EQ(annotation(parsed, "gbSeconds")->get<double>(), facts.gbSeconds);
    EXPECT_DOUBLE_EQ(annotation(parsed, "cpuTime")->get<double>(), 1.234);
    EXPECT_EQ(*annotation(parsed, "peakMemory"), 1 << 20);
    // Keys in nlohmann's order, so the text reads the same as a dump of what it parses to.
    EXPECT_EQ(rec.text, dumped(parsed));
    // What the answer needs, without parsing the text.
    EXPECT_EQ(rec.result, res.result);
    EXPECT_EQ(rec.statusCode, 1);
    EXPECT_EQ(rec.waitMs, 5);
    EXPECT_EQ(rec.initMs, 3);
    EXPECT_EQ(rec.durationMs, 4);
}

// The limits annotation is written as text too; it must stay toJson's object, with and without
// an instances bound.
TEST(Activations, LimitsTextIsTheirJson) {
    ActionLimits l;
    l.timeoutMs = 1234;
    l.memoryMb = 512;
    l.logsMb = 3;
    l.concurrency = 7;
    for (int instances : {0, 4}) {
        l.instances = instances;
        std::string text;
        appendJson(text, l);
        EXPECT_EQ(text, toJson(l).dump());
    }
}

TEST(Activations, WholeNumbersStayFloatsInTheRecord) {
    RunResult res;
    res.status = ActivationStatus::Success;
    res.cpuTimeUs = 2000;  // 2.0 ms
    Json rec = recordOf(res);
    EXPECT_TRUE(annotation(rec, "cpuTime")->is_number_float()) << rec.dump();
    EXPECT_EQ(annotation(rec, "cpuTime")->get<double>(), 2.0);
}

TEST(Activations, StatusWordsAndWarmRecordsHaveNoInitTime) {
    struct Case {
        ActivationStatus status;
        std::string word;
        bool success;
    } cases[] = {{ActivationStatus::Success, "success", true},
                 {ActivationStatus::ApplicationError, "application error", false},
                 {ActivationStatus::DeveloperError, "action developer error", false},
                 {ActivationStatus::WhiskError, "whisk internal error", false}};
    for (const auto& c : cases) {
        SCOPED_TRACE(c.word);
        RunResult res;
        res.status = c.status;
        res.startKind = StartKind::Warm;
        Json rec = recordOf(res);
        EXPECT_EQ(rec["response"]["status"], c.word);
        EXPECT_EQ(rec["response"]["success"], c.success);
        EXPECT_EQ(rec["response"]["statusCode"], static_cast<int>(c.status));
        EXPECT_EQ(annotation(rec, "initTime"), nullptr);
        Json summary = activationSummary(rec);
        EXPECT_EQ(summary["statusCode"], static_cast<int>(c.status));
        EXPECT_FALSE(summary.contains("logs"));
        EXPECT_FALSE(summary.contains("response"));
        Json result = activationResultView(rec);
        EXPECT_EQ(result["status"], c.word);
    }
}

}  // namespace
}  // namespace fw::controller
