// Per-namespace quotas against a real fwd: 429 with OpenWhisk's messages and Retry-After, limits
// readable at GET .../limits, and changed at run time by the admin command.
#include <gtest/gtest.h>

#include <thread>

#include "fw/common/util.hpp"
#include "fwd_process.hpp"

namespace fw::test {
namespace {

const char* kQuick = "def main(a):\n    return {}\n";
const char* kSlow = "import time\ndef main(a):\n    time.sleep(a.get('s', 2))\n    return {}\n";

TEST(Quota, PerMinuteLimitAnswers429WithRetryAfter) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data", {"--namespace-per-minute", "4"});
    fwd.start();
    auto c = fwd.client();
    ASSERT_TRUE(c.putAction("quick", Json{{"exec", {{"kind", "python:3"}, {"code", kQuick}}}}, false));
    auto limits = c.request("GET", "namespaces/_/limits");
    ASSERT_TRUE(limits);
    EXPECT_EQ((*limits->json())["invocationsPerMinute"], 4);
    EXPECT_EQ((*limits->json())["concurrentInvocations"], 100);

    // The bucket is the calendar minute: if one ends mid-sequence, the sequence runs again.
    for (int attempt = 0; attempt < 2; ++attempt) {
        std::int64_t minute = nowMs() / 60000;
        std::vector<long> statuses;
        client::Response last;
        for (int i = 0; i < 6; ++i) {
            auto r = c.request("POST", "namespaces/_/actions/quick", {{"blocking", "true"}}, Json::object());
            ASSERT_TRUE(r);
            statuses.push_back(r->status);
            last = *r;
        }
        if (nowMs() / 60000 != minute) continue;
        int ok = 0;
        for (long st : statuses) ok += st == 200;
        // Some of the 4 may have been used by an earlier attempt in this minute.
        EXPECT_LE(ok, 4);
        EXPECT_EQ(last.status, 429) << last.body;
        auto body = *last.json();
        EXPECT_NE(body["error"].get<std::string>().find("Too many requests in the last minute (count: 4, allowed: 4)."),
                  std::string::npos) << last.body;
        int retry = std::stoi(last.header("retry-after"));
        EXPECT_GE(retry, 1);
        EXPECT_LE(retry, 60);
        break;
    }
    // The admin command lifts the limit while the daemon runs (it re-reads within 2 s).
    std::string cmd = std::string(FW_FWD_BINARY) + " admin namespace limits guest --per-minute 0 --data-dir " +
                      fwd.dataDir().string() + " >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto perMinute = [&] { return (*c.request("GET", "namespaces/_/limits")->json())["invocationsPerMinute"]; };
    while (perMinute() != 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(perMinute(), 0);
    // More than the old limit in a row, whatever minute it is: all are admitted now.
    for (int i = 0; i < 6; ++i) {
        auto r = c.request("POST", "namespaces/_/actions/quick", {{"blocking", "true"}}, Json::object());
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200) << r->body;
    }
    // A rejected invocation left no record behind.
    client::ActivationQuery q;
    q.limit = 200;
    auto list = c.listActivations(q);
    ASSERT_TRUE(list);
    for (const auto& a : *list) EXPECT_EQ(a["statusCode"], 0);
    EXPECT_EQ(fwd.stop(), 0);
}

TEST(Quota, ConcurrencyLimitAnswers429) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data", {"--namespace-concurrent", "2"});
    fwd.start();
    auto c = fwd.client();
    ASSERT_TRUE(c.putAction("slow", Json{{"exec", {{"kind", "python:3"}, {"code", kSlow}}}}, false));
    std::vector<std::string> ids;
    for (int i = 0; i < 2; ++i) {
        auto r = c.invokeAction("slow", Json{{"s", 3}}, false, false);
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 202);
        ids.push_back((*r->json())["activationId"].get<std::string>());
    }
    auto third = c.request("POST", "namespaces/_/actions/slow", {}, Json::object());
    ASSERT_TRUE(third);
    EXPECT_EQ(third->status, 429);
    EXPECT_EQ((*third->json())["error"], "Too many concurrent requests in flight (count: 2, allowed: 2).");
    EXPECT_EQ(third->header("retry-after"), "1");
    // Once they finish, there is room again.
    for (const auto& id : ids) ASSERT_TRUE(waitForActivation(c, id));
    auto again = c.invokeAction("slow", Json{{"s", 0}}, true, false);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 200);
    // Bad admin input is refused and changes nothing.
    std::string bad = std::string(FW_FWD_BINARY) + " admin namespace limits nobody --concurrent 3 --data-dir " +
                      fwd.dataDir().string() + " 2>/dev/null";
    EXPECT_NE(std::system(bad.c_str()), 0);
    EXPECT_EQ((*c.request("GET", "namespaces/_/limits")->json())["concurrentInvocations"], 2);
    EXPECT_EQ(fwd.stop(), 0);
}

TEST(Quota, AnActionsInstancesLimitBoundsItsActivationsInFlight) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data", {"--prewarm", "none"});
    fwd.start();
    auto c = fwd.client();
    ASSERT_TRUE(c.putAction("single", Json{{"exec", {{"kind", "python:3"}, {"code", kSlow}}},
                                           {"limits", {{"instances", 1}}}}, false));
    EXPECT_EQ((*c.getAction("single"))["limits"]["instances"], 1);
    auto first = c.invokeAction("single", Json{{"s", 2}}, false, false);
    ASSERT_TRUE(first);
    ASSERT_EQ(first->status, 202);
    auto second = c.request("POST", "namespaces/_/actions/single", {}, Json::object());
    ASSERT_TRUE(second);
    EXPECT_EQ(second->status, 429);
    EXPECT_EQ((*second->json())["error"],
              "Too many concurrent activations of 'guest/single' in flight (count: 1, allowed: 1).");
    // Other actions of the namespace are not affected.
    ASSERT_TRUE(c.putAction("free", Json{{"exec", {{"kind", "python:3"}, {"code", kQuick}}}}, false));
    auto other = c.invokeAction("free", Json::object(), true, false);
    ASSERT_TRUE(other);
    EXPECT_EQ(other->status, 200);
    ASSERT_TRUE(waitForActivation(c, (*first->json())["activationId"].get<std::string>()));
    auto again = c.invokeAction("single", Json{{"s", 0}}, true, false);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 200);
    EXPECT_EQ(fwd.stop(), 0);
}

}  // namespace
}  // namespace fw::test
