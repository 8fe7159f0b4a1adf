// The daemon's life: start-up errors, restart with the data kept, graceful drain on SIGTERM,
// an accepted activation and an answered record surviving kill -9, the blocking-wait bound,
// and clean-up.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "fwd_process.hpp"

namespace fw::test {
namespace {

const char* kSlow =
    "import time\ndef main(a):\n    time.sleep(a.get('s', 1))\n    return {'slept': a.get('s', 1)}\n";

int runFwd(const std::string& args, std::string* output) {
    std::string cmd = std::string(FW_FWD_BINARY) + " " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    char buf[512];
    while (fgets(buf, sizeof buf, p)) output->append(buf);
    return pclose(p);
}

TEST(Lifecycle, RefusesATakenPortWithAClearMessage) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(listen(s, 1), 0);
    socklen_t len = sizeof a;
    getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    TempDir dir;
    std::string out;
    int status = runFwd("standalone --wskprops none --data-dir " + (dir.path() / "d").string() +
                            " --listen 127.0.0.1:" + std::to_string(ntohs(a.sin_port)),
                        &out);
    close(s);
    EXPECT_NE(status, 0);
    EXPECT_NE(out.find("cannot listen on 127.0.0.1:"), std::string::npos) << out;
    EXPECT_NE(out.find("in use"), std::string::npos) << out;
}

TEST(Lifecycle, RefusesAnUnusableDataDirectory) {
    TempDir dir;
    std::ofstream(dir.path() / "file") << "not a directory";
    std::string out;
    int status = runFwd("standalone --wskprops none --listen 127.0.0.1:0 --data-dir " +
                            (dir.path() / "file").string(),
                        &out);
    EXPECT_NE(status, 0);
    EXPECT_NE(out.find("the data directory"), std::string::npos) << out;
    EXPECT_NE(out.find("unusable"), std::string::npos) << out;
}

TEST(Lifecycle, RefusesADataDirectoryInUse) {
    TempDir dir;
    FwdProcess first(dir.path() / "data");
    first.start();
    std::string out;
    int status = runFwd("standalone --wskprops none --listen 127.0.0.1:0 --data-dir " +
                            (dir.path() / "data").string(),
                        &out);
    EXPECT_NE(status, 0);
    EXPECT_NE(out.find("in use by another fwd"), std::string::npos) << out;
    EXPECT_EQ(first.stop(), 0);
}

TEST(Lifecycle, FirstStartWritesClientPropertiesAndReplacesOnlyItsOwn) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data");
    fwd.start();
    std::ifstream in(fwd.wskprops());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("APIHOST=" + fwd.apiHost()), std::string::npos) << text;
    EXPECT_NE(text.find("AUTH=" + fwd.guestAuth()), std::string::npos) << text;
    EXPECT_NE(text.find("NAMESPACE=guest"), std::string::npos) << text;
    EXPECT_EQ(fwd.stop(), 0);
    // A restart of the same data directory creates no key and leaves the file alone.
    fwd.start();
    std::ifstream same(fwd.wskprops());
    EXPECT_EQ(std::string((std::istreambuf_iterator<char>(same)), std::istreambuf_iterator<char>()), text);
    EXPECT_EQ(fwd.stop(), 0);
    // A new data directory has a new key: the file an earlier fwd wrote (its first line says so)
    // held the old one, and is replaced.
    FwdProcess fresh(dir.path() / "data2");
    ASSERT_EQ(fresh.wskprops(), fwd.wskprops());
    fresh.start();
    std::ifstream replaced(fresh.wskprops());
    std::string now((std::istreambuf_iterator<char>(replaced)), std::istreambuf_iterator<char>());
    EXPECT_NE(now.find("AUTH=" + fresh.guestAuth()), std::string::npos) << now;
    EXPECT_EQ(now.find("AUTH=" + fwd.guestAuth()), std::string::npos) << now;
    EXPECT_EQ(fresh.stop(), 0);
    // Anyone else's file is never overwritten.
    std::ofstream(fwd.wskprops()) << "APIHOST=mine\n";
    FwdProcess third(dir.path() / "data3");
    third.start();
    std::ifstream again(third.wskprops());
    std::string kept((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>());
    EXPECT_EQ(kept, "APIHOST=mine\n");
    EXPECT_EQ(third.stop(), 0);
}

TEST(Lifecycle, RestartKeepsKeysEntitiesAndActivations) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data");
    fwd.start();
    std::string key = fwd.guestAuth();
    auto c = fwd.client();
    ASSERT_TRUE(c.putAction("kept", actionBody("python:3", "def main(a):\n    return {'v': 1}\n"), false));
    auto r = c.invokeAction("kept", Json::object(), true, false);
    ASSERT_TRUE(r);
    std::string id = (*r->json())["activationId"].get<std::string>();
    EXPECT_EQ(fwd.stop(), 0);

    fwd.start();
    EXPECT_EQ(fwd.guestAuth(), key);
    auto c2 = fwd.client();
    EXPECT_TRUE(c2.getAction("kept"));
    auto rec = c2.getActivation(id);
    ASSERT_TRUE(rec) << rec.error().message;
    EXPECT_EQ((*rec)["response"]["result"]["v"], 1);
    auto again = c2.invokeAction("kept", Json::object(), true, true);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again->json(), Json::parse(R"({"v":1})"));
    EXPECT_EQ(fwd.stop(), 0);
    EXPECT_EQ(fwd.instanceProcesses(), std::vector<pid_t>{});
    EXPECT_EQ(fwd.instanceCgroups(), std::vector<std::string>{});
}

TEST(Lifecycle, SigtermDrainsRunningActivations) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data");
    fwd.start();
    auto c = fwd.client();
    ASSERT_TRUE(c.putAction("slow", actionBody("python:3", kSlow), false));
    auto r = c.invokeAction("slow", Json{{"s", 1}}, false, false);
    ASSERT_TRUE(r);
    std::string id = (*r->json())["activationId"].get<std::string>();
    EXPECT_EQ(fwd.stop(), 0);  // waits for the running activation
    fwd.start();
    auto c2 = fwd.client();
    auto rec = c2.getActivation(id);
    ASSERT_TRUE(rec) << "the activation was not recorded before exit";
    EXPECT_EQ((*rec)["response"]["status"], "success");
    EXPECT_EQ(fwd.stop(), 0);
}

TEST(Lifecycle, DrainTimeoutForcesAndRecordsTheAbortedActivation) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data", {"--drain-seconds", "0"});
    fwd.start();
    auto c = fwd.client();
    ASSERT_TRUE(c.putAction("slow", actionBody("python:3", kSlow), false));
    auto r = c.invokeAction("slow", Json{{"s", 20}}, false, false);
    ASSERT_TRUE(r);
    std::string id = (*r->json())["activationId"].get<std::string>();
    // Wait until it runs (its instance exists), then stop.
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (fwd.instanceProcesses().empty() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(fwd.stop(), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
    EXPECT_EQ(fwd.instanceProcesses(), std::vector<pid_t>{});
    EXPECT_EQ(fwd.instanceCgroups(), std::vector<std::string>{});
    fwd.start();
    auto c2 = fwd.client();
    auto rec = c2.getActivation(id);
    ASSERT_TRUE(rec);
    EXPECT_EQ((*rec)["response"]["status"], "whisk internal error") << rec->dump();
    EXPECT_EQ(fwd.stop(), 0);
}

TEST(Lifecycle, FwdRaisesItsOpenFileLimitToTheHardLimit) {
    // About ten fds per live instance: a soft limit of 1024 would cap the pool near a hundred.
    // fwd inherits a soft limit below the hard one, as under systemd's defaults.
    rlimit mine{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &mine), 0);
    ASSERT_GT(mine.rlim_max, 1024u) << "the hard open-file limit here is too low to test this";
    rlimit low = mine;
    low.rlim_cur = 1024;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
    TempDir dir;
    FwdProcess fwd(dir.path() / "data");
    fwd.start();
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &mine), 0);
    std::ifstream in("/proc/" + std::to_string(fwd.pid()) + "/limits");
    std::string line;
    bool found = false;
    while (std::getline(in, line)) {
        if (line.rfind("Max open files", 0) != 0) continue;
        std::istringstream fields(line.substr(std::string("Max open files").size()));
        std::string soft, hard;
        fields >> soft >> hard;
        EXPECT_EQ(soft, hard) << line;
        found = true;
    }
    EXPECT_TRUE(found) << "no 'Max open files' line in /proc/<fwd>/limits";
    EXPECT_EQ(fwd.stop(), 0);
}

TEST(Lifecycle, FwdAllocatesWithJemalloc) {
    // Linked in on purpose (fwd/CMakeLists.txt): a build that silently fell back to glibc's
    // malloc would cost every invoke about a tenth more CPU.
    TempDir dir;
    FwdProcess fwd(dir.path() / "data");
    fwd.start();
    std::ifstream maps("/proc/" + std::to_string(fwd.pid()) + "/maps");
    std::string line;
    bool mapped = false;
    while (std::getline(maps, line)) mapped = mapped || line.find("libjemalloc") != std::string::npos;
    EXPECT_TRUE(mapped) << "libjemalloc is not mapped into fwd (pid " << fwd.pid() << ")";
    EXPECT_EQ(fwd.stop(), 0);
}

TEST(Lifecycle, AnAcceptedActivationSurvivesKill9) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data");
    fwd.start();
    auto c = fwd.client();
    ASSERT_TRUE(c.putAction("durable", actionBody("python:3", kSlow), false));
    auto r = c.invokeAction("durable", Json{{"s", 0.5}}, false, false);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 202);
    std::string id = (*r->json())["activationId"].get<std::string>();
    fwd.kill9();
    auto leftCgroups = fwd.instanceCgroups();
    auto leftProcesses = fwd.instanceProcesses();
    fwd.start();
    // Whatever the killed daemon left is gone once its successor has started.
    for (const auto& cg : leftCgroups) EXPECT_FALSE(std::filesystem::exists(cg)) << cg;
    for (pid_t p : leftProcesses) EXPECT_NE(::kill(p, 0), 0) << "process " << p << " survived";
    auto c2 = fwd.client();
    auto rec = waitForActivation(c2, id);
    ASSERT_TRUE(rec) << "the accepted activation was lost: " << rec.error().message;
    EXPECT_EQ((*rec)["response"]["result"]["slept"], 0.5);
    EXPECT_EQ(fwd.stop(), 0);
}

// A blocking invocation of a 1.5 s action against a 300 ms blocking wait: 202 and the id.
std::string invokeBeyondTheWait(FwdProcess& fwd) {
    auto c = fwd.client();
    EXPECT_TRUE(c.putAction("slow", actionBody("python:3", kSlow), false));
    auto r = c.invokeAction("slow", Json{{"s", 1.5}}, true, false);
    EXPECT_TRUE(r);
    if (!r) return "";
    EXPECT_EQ(r->status, 202) << r->body;
    auto j = r->json();
    return j && j->contains("activationId") ? (*j)["activationId"].get<std::string>() : "";
}

TEST(Lifecycle, BlockingInvokeBeyondTheWaitAnswers202) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data", {"--blocking-wait-ms", "300"});
    fwd.start();
    std::string id = invokeBeyondTheWait(fwd);
    ASSERT_FALSE(id.empty());
    auto c = fwd.client();
    auto rec = waitForActivation(c, id);
    ASSERT_TRUE(rec);
    EXPECT_EQ((*rec)["response"]["status"], "success");
    EXPECT_EQ(fwd.stop(), 0);
}

TEST(Lifecycle, ABlockingInvokeAnswered202SurvivesKill9) {
    // A blocking invocation gets no pending row while its caller waits; once the wait is over
    // and the caller has the id (202), it must be as durable as a non-blocking one.
    TempDir dir;
    FwdProcess fwd(dir.path() / "data", {"--blocking-wait-ms", "300"});
    fwd.start();
    std::string id = invokeBeyondTheWait(fwd);
    ASSERT_FALSE(id.empty());
    fwd.kill9();
    fwd.start();
    auto c = fwd.client();
    auto rec = waitForActivation(c, id);
    ASSERT_TRUE(rec) << "the activation answered with 202 was lost: " << rec.error().message;
    EXPECT_EQ((*rec)["response"]["result"]["slept"], 1.5);
    EXPECT_EQ(fwd.stop(), 0);
}

TEST(Lifecycle, BlockingInvokesAnsweredWithTheirRecordLeaveNothingPending) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data");
    fwd.start();
    auto c = fwd.client();
    ASSERT_TRUE(c.putAction("slow", actionBody("python:3", kSlow), false));
    for (int i = 0; i < 3; ++i) {
        auto r = c.invokeAction("slow", Json{{"s", 0}}, true, false);
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200) << r->body;
    }
    // Restarting runs every pending activation again: none may be left.
    fwd.kill9();
    fwd.start();
    auto c2 = fwd.client();
    client::ActivationQuery q;
    q.name = "slow";
    auto list = c2.listActivations(q);
    ASSERT_TRUE(list) << list.error().message;
    EXPECT_EQ(list->size(), 3u) << list->dump();
    EXPECT_EQ(fwd.stop(), 0);
}

// Holds SQLite's write lock on fwd's store, as another writer would: fwd can read but not commit.
class StoreWriteLock {
public:
    explicit StoreWriteLock(const std::filesystem::path& db) {
        ok_ = sqlite3_open(db.c_str(), &db_) == SQLITE_OK &&
              sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
    }
    ~StoreWriteLock() {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        sqlite3_close(db_);
    }
    bool ok() const { return ok_; }

private:
    sqlite3* db_ = nullptr;
    bool ok_ = false;
};

// Creates the action "echo" (returns {"n": n}), takes the store's write lock, invokes "echo"
// blocking with n = 0 .. count-1 (each must be answered 200 with its own n), runs `thenWhileLocked`
// and lets the lock go. Returns the activation ids.
std::vector<std::string> answeredWhileLocked(FwdProcess& fwd, int count,
                                             const std::function<void()>& thenWhileLocked) {
    auto c = fwd.client();
    auto put = c.putAction("echo", actionBody("python:3", "def main(a):\n    return {'n': a.get('n')}\n"), true);
    EXPECT_TRUE(put) << put.error().message;
    StoreWriteLock lock(fwd.dataDir() / "firework.db");
    EXPECT_TRUE(lock.ok()) << "cannot take the store's write lock";
    std::vector<std::string> ids;
    for (int n = 0; n < count && lock.ok(); ++n) {
        auto r = c.invokeAction("echo", Json{{"n", n}}, true, false);
        EXPECT_TRUE(r && r->status == 200) << (r ? r->body : r.error().message);
        if (!r || r->status != 200) break;
        EXPECT_EQ((*r->json())["response"]["result"]["n"], n);
        ids.push_back((*r->json())["activationId"].get<std::string>());
    }
    thenWhileLocked();
    return ids;
}

TEST(Lifecycle, BlockingCallersAnsweredBeforeTheCommitLoseNothingToKill9) {
    // A blocking caller is answered once its record is in the completion journal, before the
    // store commits it (docs/architecture.md, Durability). With the store's write lock held
    // elsewhere no commit can happen, so every answer below comes from that path; the daemon
    // is then killed, and its successor must hold every record, counted once in the ledger.
    TempDir dir;
    FwdProcess fwd(dir.path() / "data");
    fwd.start();
    auto ids = answeredWhileLocked(fwd, 5, [&fwd] { fwd.kill9(); });
    ASSERT_EQ(ids.size(), 5u);
    std::size_t segments = 0;
    for (const auto& e : std::filesystem::directory_iterator(fwd.dataDir() / "journal")) {
        segments += e.path().extension() == ".fwj";
    }
    EXPECT_GE(segments, 1u) << "the killed daemon left no journal";

    fwd.start();
    EXPECT_NE(fwd.log().find("stored 5 finished activation(s) from the journal"), std::string::npos)
        << fwd.log();
    auto c2 = fwd.client();
    for (int n = 0; n < 5; ++n) {
        auto rec = c2.request("GET", "namespaces/_/activations/" + ids[static_cast<std::size_t>(n)]);
        ASSERT_TRUE(rec);
        ASSERT_EQ(rec->status, 200) << "the record answered to the caller was lost: " << rec->body;
        EXPECT_EQ((*rec->json())["response"]["result"]["n"], n);
    }
    EXPECT_EQ(ledgerInvocations(c2), 5);
    // Restarting again stores nothing twice.
    EXPECT_EQ(fwd.stop(), 0);
    fwd.start();
    auto c3 = fwd.client();
    EXPECT_EQ(ledgerInvocations(c3), 5);
    EXPECT_EQ(fwd.stop(), 0);
    // A daemon stopped with everything committed leaves no journal to replay.
    for (const auto& e : std::filesystem::directory_iterator(fwd.dataDir() / "journal")) {
        ADD_FAILURE() << "left behind: " << e.path();
    }
}

TEST(Lifecycle, AnAnsweredRecordTheStoreRefusesIsStoredOnceItCan) {
    // The store's write lock held past SQLite's busy timeout (5 s): the commit of the answered
    // records fails. They are kept in the journal and tried again until the store takes them.
    TempDir dir;
    FwdProcess fwd(dir.path() / "data");
    fwd.start();
    auto ids = answeredWhileLocked(fwd, 3, [&fwd] {
        // Until the first commit has given up on the lock.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (fwd.log().find("cannot be stored yet") == std::string::npos &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    });
    ASSERT_EQ(ids.size(), 3u);
    ASSERT_NE(fwd.log().find("cannot be stored yet"), std::string::npos) << fwd.log();
    auto c = fwd.client();
    for (int n = 0; n < 3; ++n) {
        auto rec = waitForActivation(c, ids[static_cast<std::size_t>(n)]);
        ASSERT_TRUE(rec) << "a refused record was lost: " << rec.error().message;
        EXPECT_EQ((*rec)["response"]["result"]["n"], n);
    }
    EXPECT_EQ(ledgerInvocations(c), 3);
    EXPECT_EQ(fwd.stop(), 0);
}

TEST(Lifecycle, TheQuotasReReadDoesNotHoldInvocationsBehindTheStore) {
    // A namespace's quota is re-read from the store once it is old (here at once). Store work
    // queued after writes runs after them, so an invocation that waited for that read waited for
    // every record the store had yet to commit: under load, everybody's answer waited up to
    // seconds. Here no commit can happen (the write lock is held elsewhere): the invocations must
    // still be answered, from the journal, before the stuck commit gives up on the lock (SQLite's
    // 5 s busy timeout, logged as "cannot be stored yet"). Waiting for the store, they were
    // answered only after that.
    TempDir dir;
    FwdProcess fwd(dir.path() / "data", {"--quota-refresh-ms", "0"});
    fwd.start();
    auto ids = answeredWhileLocked(fwd, 3, [&fwd] {
        EXPECT_EQ(fwd.log().find("cannot be stored yet"), std::string::npos)
            << "an invocation was answered only after the store's commit had failed:\n" << fwd.log();
    });
    EXPECT_EQ(ids.size(), 3u);
    EXPECT_EQ(fwd.stop(), 0);
}

TEST(Lifecycle, ARecordIsReadableAsSoonAsItsCallerHasIt) {
    // The caller may be answered before the commit; a read that follows still finds the record
    // (the store runs work in the order it was queued). 100 invokes: the default quota is 120
    // a minute.
    TempDir dir;
    FwdProcess fwd(dir.path() / "data");
    fwd.start();
    auto c = fwd.client();
    auto put = c.putAction("echo", actionBody("nodejs:20", "function main(a) { return {n: a.n}; }"), false);
    ASSERT_TRUE(put) << put.error().message;
    for (int n = 0; n < 100; ++n) {
        auto r = c.invokeAction("echo", Json{{"n", n}}, true, false);
        ASSERT_TRUE(r) << "invoke " << n << ": " << r.error().message;
        ASSERT_EQ(r->status, 200) << r->body;
        auto id = (*r->json())["activationId"].get<std::string>();
        auto rec = c.request("GET", "namespaces/_/activations/" + id);
        ASSERT_TRUE(rec);
        ASSERT_EQ(rec->status, 200) << "invoke " << n << ": " << rec->body;
    }
    EXPECT_EQ(fwd.stop(), 0);
}

}  // namespace
}  // namespace fw::test

namespace fw::test {
namespace {

TEST(Lifecycle, SystemBoundsComeFromAConfigFileAndFlags) {
    TempDir dir;
    std::ofstream(dir.path() / "fwd.toml") << "[standalone]\n"
                                              "action-memory-max-mb = 1024\n"
                                              "max-result-bytes = 2048\n"
                                              "prewarm = \"none\"\n";
    FwdProcess fwd(dir.path() / "data", {"--config", (dir.path() / "fwd.toml").string(),
                                         "--action-timeout-max-ms", "5000", "--action-timeout-default-ms", "3000"});
    fwd.start();
    auto c = fwd.client();
    Json limits = *c.request("GET", "namespaces/_/limits")->json();
    EXPECT_EQ(limits["maxActionMemory"], 1024);
    EXPECT_EQ(limits["maxResultSize"], 2048);
    EXPECT_EQ(limits["maxActionTimeout"], 5000);
    // The bounds are enforced: 1024 MB is now allowed, a 6 s timeout is not.
    EXPECT_TRUE(c.putAction("roomy", Json{{"exec", {{"kind", "python:3"}, {"code",
        "def main(a):\n    return {'big': 'x' * a.get('n', 10)}\n"}}}, {"limits", {{"memory", 1024}}}}, false));
    auto tooLong = c.putAction("slowpoke", Json{{"exec", {{"kind", "python:3"}, {"code", "x=1"}}},
                                                {"limits", {{"timeout", 6000}}}}, false);
    ASSERT_FALSE(tooLong);
    EXPECT_NE(tooLong.error().message.find("exceeds allowed threshold of 5000 milliseconds"), std::string::npos);
    // Results over 2048 bytes are cut with OpenWhisk's message.
    auto big = c.invokeAction("roomy", Json{{"n", 5000}}, true, false);
    ASSERT_TRUE(big);
    Json rec = *big->json();
    EXPECT_EQ(rec["response"]["status"], "application error");
    EXPECT_NE(rec["response"]["result"]["error"].get<std::string>().find(
                  "The action produced a response that exceeded the allowed length"),
              std::string::npos);
    EXPECT_EQ(fwd.stop(), 0);

    // A default outside its bounds is refused at start.
    std::string out;
    int status = runFwd("standalone --wskprops none --listen 127.0.0.1:0 --data-dir " +
                            (dir.path() / "other").string() + " --action-memory-default-mb 1000",
                        &out);
    EXPECT_NE(status, 0);
    EXPECT_NE(out.find("default action memory is outside its bounds"), std::string::npos) << out;
}

}  // namespace
}  // namespace fw::test
