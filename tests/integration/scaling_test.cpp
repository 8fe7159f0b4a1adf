// Scaling against a real fwd: per-request scale-up, scale to zero after the keep-alive, prewarmed
// instances hiding the cold start, eviction under a small memory pool, the bounded queue, and
// retirement of instances when their action changes.
#include <gtest/gtest.h>

#include <future>
#include <set>
#include <thread>

#include "fwd_process.hpp"

namespace fw::test {
namespace {

const char* kSleepy =
    "import time, uuid\ntoken = uuid.uuid4().hex\ndef main(a):\n"
    "    time.sleep(a.get('s', 0))\n    return {'token': token}\n";

Json instances(client::Client& c) {
    auto r = c.request("GET", "namespaces/_/instances");
    EXPECT_TRUE(r && r->status == 200);
    return r ? *r->json() : Json();
}

Json countsOf(const Json& inst, const std::string& action) {
    for (const auto& a : inst["actions"]) {
        if (a["action"] == action) return a;
    }
    return Json{{"starting", 0}, {"idle", 0}, {"busy", 0}};
}

// Polls GET .../instances until `pred` holds or the timeout passes; returns the last answer.
template <class Pred>
Json waitInstances(client::Client& c, Pred pred, std::chrono::seconds timeout = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    Json last = instances(c);
    while (!pred(last) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
        last = instances(c);
    }
    return last;
}

Json put(client::Client& c, const std::string& name, const std::string& code, int memory = 256) {
    auto r = c.putAction(name, Json{{"exec", {{"kind", "python:3"}, {"code", code}}}, {"limits", {{"memory", memory}}}}, true);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : Json();
}

// Starts `n` blocking invokes of `name` with {"s": seconds}, each on its own connection and
// thread; each future holds the activation record (null if the request failed).
std::vector<std::future<Json>> invokeConcurrently(FwdProcess& fwd, const std::string& name, int n,
                                                  double seconds) {
    std::vector<std::future<Json>> calls;
    for (int i = 0; i < n; ++i) {
        calls.push_back(std::async(std::launch::async, [&fwd, name, seconds] {
            auto cc = fwd.client();
            auto r = cc.invokeAction(name, Json{{"s", seconds}}, true, false);
            return r ? *r->json() : Json();
        }));
    }
    return calls;
}

TEST(Scaling, ABurstScalesUpAndTheIdlePoolReturnsToZero) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data", {"--keep-alive-ms", "1500", "--prewarm", "none"});
    fwd.start();
    auto c = fwd.client();
    put(c, "burst", kSleepy);
    constexpr int kBurst = 6;
    auto calls = invokeConcurrently(fwd, "burst", kBurst, 1.5);
    Json during = waitInstances(c, [](const Json& j) { return countsOf(j, "burst")["busy"] == kBurst; });
    EXPECT_EQ(countsOf(during, "burst")["busy"], kBurst) << during.dump();
    std::set<std::string> tokens;
    for (auto& f : calls) {
        Json rec = f.get();
        EXPECT_EQ(rec["response"]["status"], "success") << rec.dump();
        tokens.insert(rec["response"]["result"].value("token", std::string()));
    }
    EXPECT_EQ(tokens.size(), static_cast<std::size_t>(kBurst)) << "one instance per concurrent activation";
    Json after = instances(c);
    EXPECT_EQ(countsOf(after, "burst")["idle"], kBurst) << after.dump();
    // Scale to zero: after the keep-alive every instance is gone, and so is its memory.
    Json zero = waitInstances(c, [](const Json& j) { return j["actions"].empty(); });
    EXPECT_TRUE(zero["actions"].empty()) << zero.dump();
    EXPECT_EQ(zero["pool"]["usedMb"], 0);
    EXPECT_EQ(fwd.stop(), 0);
    EXPECT_EQ(fwd.waitForNoLeftovers(std::chrono::seconds(5)), std::vector<std::string>{});
}

TEST(Scaling, PrewarmHidesTheColdStartAndIsRefilled) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data", {"--prewarm", "python:3:256=1"});
    fwd.start();
    auto c = fwd.client();
    auto ready = [](const Json& j) { return !j["prewarmed"].empty() && j["prewarmed"][0]["count"] == 1; };
    Json before = waitInstances(c, ready);
    ASSERT_TRUE(ready(before)) << before.dump();
    EXPECT_EQ(before["pool"]["usedMb"], 256);
    put(c, "fresh", kSleepy);
    auto r = c.invokeAction("fresh", Json::object(), true, false);
    ASSERT_TRUE(r);
    Json rec = *r->json();
    EXPECT_EQ(rec["response"]["status"], "success") << rec.dump();
    EXPECT_EQ(*findKeyValue(rec["annotations"], "startKind"), "prewarmed");
    ASSERT_NE(findKeyValue(rec["annotations"], "initTime"), nullptr);
    // The stem cell is replaced in the background.
    Json refilled = waitInstances(c, ready);
    EXPECT_TRUE(ready(refilled)) << refilled.dump();
    // A different memory size does not match the stem cell: that start is cold.
    put(c, "bigger", kSleepy, 512);
    auto big = c.invokeAction("bigger", Json::object(), true, false);
    EXPECT_EQ(*findKeyValue((*big->json())["annotations"], "startKind"), "cold");
    EXPECT_EQ(fwd.stop(), 0);
}

TEST(Scaling, StemCellsComeBackWhenAFullPoolHasRoomAgain) {
    // A pool of two: a burst of two takes both stem cells, and no replacement fits until the
    // burst's instances pass their keep-alive. Then the stem cells must come back by themselves;
    // nothing else (no prewarmed start) would ask for them.
    TempDir dir;
    FwdProcess fwd(dir.path() / "data",
                   {"--memory-pool", "512", "--prewarm", "python:3:256=2", "--keep-alive-ms", "1000"});
    fwd.start();
    auto c = fwd.client();
    auto full = [](const Json& j) { return !j["prewarmed"].empty() && j["prewarmed"][0]["count"] == 2; };
    Json before = waitInstances(c, full);
    ASSERT_TRUE(full(before)) << before.dump();
    put(c, "pair", kSleepy);
    auto calls = invokeConcurrently(fwd, "pair", 2, 0.5);
    for (auto& f : calls) {
        Json rec = f.get();
        EXPECT_EQ(rec["response"]["status"], "success") << rec.dump();
        EXPECT_EQ(*findKeyValue(rec["annotations"], "startKind"), "prewarmed") << rec.dump();
    }
    Json busyPool = instances(c);
    EXPECT_EQ(busyPool["pool"]["usedMb"], 512) << busyPool.dump();
    // The keep-alive retires the two instances; the freed room goes back to stem cells.
    Json after = waitInstances(c, [&](const Json& j) { return j["actions"].empty() && full(j); });
    EXPECT_TRUE(after["actions"].empty()) << after.dump();
    EXPECT_TRUE(full(after)) << "the stem cells did not come back: " << after.dump();
    EXPECT_EQ(fwd.stop(), 0);
}

TEST(Scaling, ASmallPoolEvictsTheLeastRecentlyUsedIdleInstance) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data", {"--memory-pool", "512", "--prewarm", "none"});
    fwd.start();
    auto c = fwd.client();
    for (const char* n : {"a", "b", "c"}) put(c, n, kSleepy);
    ASSERT_TRUE(c.invokeAction("a", Json::object(), true, false));
    ASSERT_TRUE(c.invokeAction("b", Json::object(), true, false));
    Json two = instances(c);
    EXPECT_EQ(two["pool"]["usedMb"], 512);
    auto rc = c.invokeAction("c", Json::object(), true, false);
    ASSERT_TRUE(rc);
    EXPECT_EQ((*rc->json())["response"]["status"], "success");
    Json after = instances(c);
    EXPECT_EQ(countsOf(after, "a")["idle"], 0) << "the least recently used one goes: " << after.dump();
    EXPECT_EQ(countsOf(after, "b")["idle"], 1) << after.dump();
    EXPECT_EQ(countsOf(after, "c")["idle"], 1) << after.dump();
    EXPECT_EQ(after["pool"]["usedMb"], 512);
    EXPECT_EQ(fwd.stop(), 0);
}

TEST(Scaling, AFullPoolQueuesThenFailsClearly) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data",
                   {"--memory-pool", "256", "--prewarm", "none", "--max-queue", "1", "--queue-wait-ms", "800"});
    fwd.start();
    auto c = fwd.client();
    put(c, "hog", kSleepy);
    put(c, "other", kSleepy);
    // The hog takes the whole pool for a while.
    auto hog = c.invokeAction("hog", Json{{"s", 4}}, false, false);
    ASSERT_TRUE(hog);
    std::string hogId = (*hog->json())["activationId"].get<std::string>();
    waitInstances(c, [](const Json& j) { return countsOf(j, "hog")["busy"] == 1; });

    // One waits in the queue (and gives up after 800 ms); meanwhile the queue is full for the next.
    auto waiting = std::async(std::launch::async, [&fwd] {
        auto cc = fwd.client();
        return cc.request("POST", "namespaces/_/actions/other", {{"blocking", "true"}}, Json::object());
    });
    Json queued = waitInstances(c, [](const Json& j) { return j["pool"]["queued"] == 1; });
    EXPECT_EQ(queued["pool"]["queued"], 1) << queued.dump();
    auto full = c.request("POST", "namespaces/_/actions/other", {{"blocking", "true"}}, Json::object());
    ASSERT_TRUE(full);
    EXPECT_EQ(full->status, 503) << full->body;
    EXPECT_NE((*full->json())["error"].get<std::string>().find("activations are already waiting for room"),
              std::string::npos) << full->body;
    auto timedOut = waiting.get();
    ASSERT_TRUE(timedOut);
    EXPECT_EQ(timedOut->status, 503) << timedOut->body;
    EXPECT_NE((*timedOut->json())["error"].get<std::string>().find("had no room for the action within"),
              std::string::npos) << timedOut->body;
    // A non-blocking activation that finds no room ends as a failed record, not as nothing.
    auto nb = c.invokeAction("other", Json::object(), false, false);
    ASSERT_TRUE(nb);
    auto rec = waitForActivation(c, (*nb->json())["activationId"].get<std::string>());
    ASSERT_TRUE(rec);
    EXPECT_EQ((*rec)["response"]["status"], "whisk internal error") << rec->dump();
    // The hog itself was unaffected.
    auto hogRec = waitForActivation(c, hogId);
    ASSERT_TRUE(hogRec);
    EXPECT_EQ((*hogRec)["response"]["status"], "success");
    EXPECT_EQ(fwd.stop(), 0);
}

TEST(Scaling, QueuedActivationsRunWhenAnInstanceComesFree) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data", {"--memory-pool", "256", "--prewarm", "none"});
    fwd.start();
    auto c = fwd.client();
    put(c, "one", kSleepy);
    auto calls = invokeConcurrently(fwd, "one", 3, 0.3);
    std::set<std::string> tokens;
    for (auto& f : calls) {
        Json rec = f.get();
        EXPECT_EQ(rec["response"]["status"], "success") << rec.dump();
        tokens.insert(rec["response"]["result"].value("token", std::string()));
    }
    EXPECT_EQ(tokens.size(), 1u) << "all three ran, one after another, in the one instance that fits";
    EXPECT_EQ(fwd.stop(), 0);
}

TEST(Scaling, UpdatingOrDeletingAnActionRetiresItsInstances) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data", {"--prewarm", "none"});
    fwd.start();
    auto c = fwd.client();
    put(c, "changing", kSleepy);
    ASSERT_TRUE(c.invokeAction("changing", Json::object(), true, false));
    EXPECT_EQ(countsOf(instances(c), "changing")["idle"], 1);
    put(c, "changing", std::string(kSleepy) + "# v2\n");
    EXPECT_EQ(countsOf(instances(c), "changing")["idle"], 0);
    ASSERT_TRUE(c.invokeAction("changing", Json::object(), true, false));
    EXPECT_EQ(countsOf(instances(c), "changing")["idle"], 1);
    ASSERT_TRUE(c.deleteAction("changing"));
    Json gone = instances(c);
    EXPECT_TRUE(gone["actions"].empty()) << gone.dump();
    EXPECT_EQ(gone["pool"]["usedMb"], 0);
    EXPECT_EQ(fwd.stop(), 0);
}

}  // namespace
}  // namespace fw::test

namespace fw::test {
namespace {

TEST(Scaling, ANodeInstanceTakesSeveralActivationsWithItsConcurrencyLimit) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data", {"--prewarm", "none"});
    fwd.start();
    auto c = fwd.client();
    ASSERT_TRUE(c.putAction("together", Json{{"exec", {{"kind", "nodejs:20"}, {"code",
        "const token = Math.random().toString(16).slice(2);\n"
        "async function main(a) {\n"
        "  console.log('start ' + a.i);\n"
        "  await new Promise(r => setTimeout(r, 1500));\n"
        "  console.log('end ' + a.i);\n"
        "  return {token, i: a.i, id: globalThis.__fw_activation().activationId};\n"
        "}\n"}}}, {"limits", {{"concurrency", 4}}}}, false));
    // The first activation starts the instance; the next three join it while it runs.
    auto first = std::async(std::launch::async, [&fwd] {
        auto cc = fwd.client();
        auto r = cc.invokeAction("together", Json{{"i", 0}}, true, false);
        return r ? *r->json() : Json();
    });
    waitInstances(c, [](const Json& j) { return countsOf(j, "together")["busy"] == 1; });
    std::vector<std::future<Json>> rest;
    for (int i = 1; i < 4; ++i) {
        rest.push_back(std::async(std::launch::async, [&fwd, i] {
            auto cc = fwd.client();
            auto r = cc.invokeAction("together", Json{{"i", i}}, true, false);
            return r ? *r->json() : Json();
        }));
    }
    std::vector<Json> recs{first.get()};
    for (auto& f : rest) recs.push_back(f.get());
    std::set<std::string> tokens;
    for (const auto& rec : recs) {
        ASSERT_EQ(rec["response"]["status"], "success") << rec.dump();
        const Json& r = rec["response"]["result"];
        tokens.insert(r["token"].get<std::string>());
        EXPECT_EQ(r["id"], rec["activationId"]) << "each activation sees its own id";
        // Each record holds exactly its own log lines, although they ran interleaved.
        int i = r["i"].get<int>();
        ASSERT_EQ(rec["logs"].size(), 2u) << rec.dump();
        EXPECT_TRUE(rec["logs"][0].get<std::string>().ends_with("stdout: start " + std::to_string(i))) << rec.dump();
        EXPECT_TRUE(rec["logs"][1].get<std::string>().ends_with("stdout: end " + std::to_string(i))) << rec.dump();
    }
    EXPECT_EQ(tokens.size(), 1u) << "all four ran in one instance";
    Json after = instances(c);
    EXPECT_EQ(countsOf(after, "together")["idle"], 1) << after.dump();
    EXPECT_EQ(fwd.stop(), 0);
}

}  // namespace
}  // namespace fw::test
