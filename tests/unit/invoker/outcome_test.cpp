#include <gtest/gtest.h>

#include "outcome.hpp"

namespace fw::invoker {
namespace {

TEST(Outcome, ResultLinesMapToStatuses) {
    struct Case {
        std::string line;
        ActivationStatus status;
        std::string result;
    } cases[] = {
        {R"({"a":1})", ActivationStatus::Success, R"({"a":1})"},
        {"{\"a\":1}\n", ActivationStatus::Success, R"({"a":1})"},
        {R"([1,2])", ActivationStatus::Success, R"([1,2])"},
        {R"({"error":"boom"})", ActivationStatus::ApplicationError, R"({"error":"boom"})"},
        {R"("text")", ActivationStatus::DeveloperError,
         R"({"error":"The action did not return a dictionary or array."})"},
        {"not json", ActivationStatus::DeveloperError,
         R"({"error":"The action did not return a dictionary or array."})"},
        {"", ActivationStatus::DeveloperError,
         R"({"error":"The action did not return a dictionary or array."})"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.line);
        auto o = fromResultLine(c.line, 1024);
        EXPECT_EQ(o.status, c.status);
        EXPECT_EQ(o.result, Json::parse(c.result));
    }
}

TEST(Outcome, OversizedResultIsTruncatedApplicationError) {
    std::string line = R"({"big":")" + std::string(100, 'x') + R"("})";
    auto o = fromResultLine(line, 20);
    EXPECT_EQ(o.status, ActivationStatus::ApplicationError);
    std::string msg = o.result["error"].get<std::string>();
    EXPECT_EQ(msg.rfind("The action produced a response that exceeded the allowed length: " +
                            std::to_string(line.size()) + " > 20 bytes. The truncated response was: ",
                        0),
              0u);
    EXPECT_TRUE(msg.ends_with(line.substr(0, 20)));
}

TEST(Outcome, FailureMessages) {
    EXPECT_EQ(timedOut(3000, false).result["error"],
              "The action exceeded its time limits of 3000 milliseconds.");
    EXPECT_EQ(timedOut(3000, true).result["error"],
              "The action exceeded its time limits of 3000 milliseconds during initialization.");
    EXPECT_EQ(exitedEarly().result["error"],
              "The action did not produce a valid response and exited unexpectedly.");
    EXPECT_EQ(outOfMemory().result["error"], "The action exhausted its memory and was aborted.");
    EXPECT_EQ(exitedEarly().status, ActivationStatus::DeveloperError);
    EXPECT_EQ(platformError("x").status, ActivationStatus::WhiskError);
}

}  // namespace
}  // namespace fw::invoker
