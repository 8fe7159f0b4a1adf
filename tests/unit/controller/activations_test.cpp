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
    Json rec = buildActivationRecord("guest", request(), res, false);
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
        Json rec = buildActivationRecord("guest", request(), res, false);
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
