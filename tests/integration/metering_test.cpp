// Metering against a real fwd: every record carries its billing figures, and the usage ledger
// equals the sum over the records of a period, also after a restart.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <thread>

#include "fwd_process.hpp"

namespace fw::test {
namespace {

const Json* ann(const Json& rec, const char* key) { return findKeyValue(rec["annotations"], key); }

struct Totals {
    std::int64_t invocations = 0, errors = 0, cold = 0;
    double gb = 0, cpu = 0;
};

Totals sumRecords(client::Client& c) {
    client::ActivationQuery q;
    q.limit = 200;
    q.docs = true;
    auto list = c.listActivations(q);
    EXPECT_TRUE(list);
    Totals t;
    for (const auto& r : *list) {
        ++t.invocations;
        if (!r["response"]["success"].get<bool>()) ++t.errors;
        if (*ann(r, "startKind") == "cold") ++t.cold;
        t.gb += ann(r, "gbSeconds")->get<double>();
        t.cpu += ann(r, "cpuTime")->get<double>() / 1000.0;
    }
    return t;
}

void expectLedgerEquals(client::Client& c, const Totals& t) {
    for (const char* group : {"action", "hour"}) {
        SCOPED_TRACE(group);
        auto r = c.request("GET", "namespaces/_/usage", {{"group", group}});
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200) << r->body;
        Json u = *r->json();
        const Json& total = u["total"];
        EXPECT_EQ(total["invocations"], t.invocations);
        EXPECT_EQ(total["errors"], t.errors);
        EXPECT_EQ(total["coldStarts"], t.cold);
        EXPECT_NEAR(total["gbSeconds"].get<double>(), t.gb, 1e-9);
        EXPECT_NEAR(total["cpuSeconds"].get<double>(), t.cpu, 1e-6);
        double rowsGb = 0;
        std::int64_t rowsInv = 0;
        for (const auto& row : u["rows"]) {
            rowsGb += row["gbSeconds"].get<double>();
            rowsInv += row["invocations"].get<std::int64_t>();
        }
        EXPECT_NEAR(rowsGb, t.gb, 1e-9);
        EXPECT_EQ(rowsInv, t.invocations);
        double expectedCost = t.gb * u["prices"]["perGbSecond"].get<double>() +
                              static_cast<double>(t.invocations) * u["prices"]["perMillionRequests"].get<double>() / 1e6;
        EXPECT_NEAR(total["cost"].get<double>(), expectedCost, 1e-12);
    }
}

TEST(Metering, RecordsCarryBillingAndTheLedgerMatchesThemAcrossRestarts) {
    TempDir dir;
    // No stem cells: whether a first start is cold must not depend on how fast they start.
    FwdProcess fwd(dir.path() / "data", {"--prewarm", "none"});
    fwd.start();
    auto c = fwd.client();
    ASSERT_TRUE(c.putAction("burn", Json{{"exec", {{"kind", "python:3"}, {"code",
        "def main(a):\n    x = 0\n    for i in range(2000000):\n        x += i\n    return {'x': x}\n"}}},
        {"limits", {{"memory", 128}}}}, false));
    ASSERT_TRUE(c.putAction("fails", Json{{"exec", {{"kind", "nodejs:20"}, {"code",
        "function main() { return {error: 'no'}; }"}}}}, false));
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.invokeAction("burn", Json::object(), true, false));
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(c.invokeAction("fails", Json::object(), true, false));
    auto rec = c.invokeAction("burn", Json::object(), true, false);
    ASSERT_TRUE(rec);
    Json r = *rec->json();
    std::int64_t billed = ann(r, "billedDuration")->get<std::int64_t>();
    EXPECT_GE(billed, std::max<std::int64_t>(1, r["duration"].get<std::int64_t>()));
    EXPECT_LE(billed, r["duration"].get<std::int64_t>() + 1);
    EXPECT_NEAR(ann(r, "gbSeconds")->get<double>(), billed / 1000.0 * 128 / 1024.0, 1e-12);
    EXPECT_GT(ann(r, "cpuTime")->get<double>(), 1.0) << "a CPU-bound activation reported no CPU time";
    EXPECT_GT(ann(r, "peakMemory")->get<std::int64_t>(), 1 << 20);
    EXPECT_EQ(*ann(r, "startKind"), "warm");

    Totals t = sumRecords(c);
    EXPECT_EQ(t.invocations, 6);
    EXPECT_EQ(t.errors, 2);
    EXPECT_EQ(t.cold, 2);
    expectLedgerEquals(c, t);

    auto byAction = c.request("GET", "namespaces/_/usage", {{"group", "action"}});
    Json rows = (*byAction->json())["rows"];
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0]["action"], "burn");
    EXPECT_EQ(rows[0]["invocations"], 4);
    EXPECT_EQ(rows[1]["action"], "fails");
    EXPECT_EQ(rows[1]["errors"], 2);

    // Restart: the ledger is durable and nothing is counted again.
    EXPECT_EQ(fwd.stop(), 0);
    fwd.start();
    auto c2 = fwd.client();
    expectLedgerEquals(c2, t);
    ASSERT_TRUE(c2.invokeAction("fails", Json::object(), true, false));
    Totals t2 = sumRecords(c2);
    EXPECT_EQ(t2.invocations, 7);
    expectLedgerEquals(c2, t2);

    auto bad = c2.request("GET", "namespaces/_/usage", {{"group", "minute"}});
    EXPECT_EQ(bad->status, 400);
    EXPECT_EQ(fwd.stop(), 0);
}

}  // namespace
}  // namespace fw::test

namespace fw::test {
namespace {

std::int64_t recordCount(client::Client& c) {
    auto r = c.request("GET", "namespaces/_/activations", {{"count", "true"}});
    return r && r->status == 200 ? (*r->json())["activations"].get<std::int64_t>() : -1;
}

// Waits (bounded) until the record count satisfies `done`; returns the count then.
std::int64_t waitForRecords(client::Client& c, const std::function<bool(std::int64_t)>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (!done(recordCount(c)) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return recordCount(c);
}

bool waitForCount(client::Client& c, std::int64_t n) {
    return waitForRecords(c, [n](std::int64_t count) { return count == n; }) == n;
}

// Creates a Python action that returns its arguments and invokes it `n` times, blocking, with
// {"i": i}; the activation ids, oldest first (fewer if an invoke failed, which is reported).
std::vector<std::string> createAndInvoke(client::Client& c, const std::string& name, int n) {
    std::vector<std::string> ids;
    if (!c.putAction(name, Json{{"exec", {{"kind", "python:3"}, {"code", "def main(a):\n    return a\n"}}}}, false)) {
        ADD_FAILURE() << "cannot create " << name;
        return ids;
    }
    for (int i = 0; i < n; ++i) {
        auto r = c.invokeAction(name, Json{{"i", i}}, true, false);
        if (!r) {
            ADD_FAILURE() << "invoke " << i << " of " << name << " failed";
            return ids;
        }
        ids.push_back((*r->json())["activationId"].get<std::string>());
    }
    return ids;
}

TEST(Retention, KeepsTheNewestRecordsPerNamespaceButTheWholeLedger) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data", {"--prewarm", "none", "--activation-retention-count", "2",
                                         "--retention-interval-ms", "100"});
    fwd.start();
    auto c = fwd.client();
    auto ids = createAndInvoke(c, "kept", 5);
    ASSERT_EQ(ids.size(), 5u);
    EXPECT_TRUE(waitForCount(c, 2)) << recordCount(c);
    EXPECT_TRUE(c.getActivation(ids[4])) << "the newest record was pruned";
    EXPECT_TRUE(c.getActivation(ids[3]));
    EXPECT_EQ(c.getActivation(ids[0]).error().code, Errc::NotFound);
    EXPECT_EQ(ledgerInvocations(c), 5);
    EXPECT_EQ(fwd.stop(), 0);
}

// The count bound holds between intervals: a namespace that has stored a tenth of its bound
// since its last pass gets the next one then, not an interval (here an hour) later.
TEST(Retention, TheCountBoundHoldsUnderLoadBetweenIntervals) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data", {"--prewarm", "none", "--activation-retention-count", "20",
                                         "--retention-interval-ms", "3600000"});
    fwd.start();
    auto c = fwd.client();
    auto ids = createAndInvoke(c, "busy", 100);
    ASSERT_EQ(ids.size(), 100u);
    // Passes come every 2 records stored, so at most one record beyond the bound remains.
    std::int64_t left = waitForRecords(c, [](std::int64_t count) { return count <= 21; });
    EXPECT_LE(left, 21) << "records beyond the count bound of 20 were not pruned";
    EXPECT_GE(left, 20);
    EXPECT_TRUE(c.getActivation(ids.back())) << "the newest record was pruned";
    EXPECT_EQ(ledgerInvocations(c), 100);
    EXPECT_EQ(fwd.stop(), 0);
}

TEST(Retention, PrunesRecordsOlderThanTheRetentionPeriod) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data", {"--prewarm", "none", "--activation-retention-ms", "1000",
                                         "--retention-interval-ms", "100"});
    fwd.start();
    auto c = fwd.client();
    ASSERT_EQ(createAndInvoke(c, "aged", 2).size(), 2u);
    EXPECT_TRUE(waitForCount(c, 0)) << recordCount(c);
    EXPECT_EQ(ledgerInvocations(c), 2);
    EXPECT_EQ(fwd.stop(), 0);
}

}  // namespace
}  // namespace fw::test
