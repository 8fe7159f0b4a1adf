// The REST API against a real fwd: entities CRUD, lists, packages, and every bad-input case, each
// checked to leave stored state unchanged and the daemon serving.
#include <gtest/gtest.h>

#include "fw/common/util.hpp"
#include "fwd_process.hpp"

namespace fw::test {
namespace {

class ApiTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir();
        fwd_ = new FwdProcess(dir_->path() / "data");
        fwd_->start();
    }
    static void TearDownTestSuite() {
        int status = fwd_->stop();
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
        delete fwd_;
        delete dir_;
    }
    void SetUp() override { ASSERT_TRUE(fwd_->running()); }

    static TempDir* dir_;
    static FwdProcess* fwd_;
};
TempDir* ApiTest::dir_ = nullptr;
FwdProcess* ApiTest::fwd_ = nullptr;

const char* kPy = "def main(args):\n    return {'ok': True}\n";

TEST_F(ApiTest, InfoNeedsNoAuthButNamespacesDo) {
    auto anon = fwd_->client("nobody:nokey");
    auto info = anon.request("GET", "");
    ASSERT_TRUE(info);
    EXPECT_EQ(info->status, 200);
    EXPECT_EQ((*info->json())["api_version_path"], "v1");
    auto ns = anon.request("GET", "namespaces");
    ASSERT_TRUE(ns);
    EXPECT_EQ(ns->status, 401);
    EXPECT_EQ(ns->header("www-authenticate"), "Basic realm=\"OpenWhisk secure realm\"");
    auto body = *ns->json();
    EXPECT_EQ(body["error"], "The supplied authentication is invalid");
    EXPECT_EQ(body["code"].get<std::string>().size(), 32u);

    client::Config cfg;
    cfg.apiHost = fwd_->apiHost();
    client::Client noAuth(cfg);
    auto missing = noAuth.request("GET", "namespaces");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 401);
    EXPECT_NE((*missing->json())["error"].get<std::string>().find("requires authentication"), std::string::npos);

    auto guest = fwd_->client();
    auto list = guest.listNamespaces();
    ASSERT_TRUE(list) << list.error().message;
    EXPECT_EQ(*list, Json::array({"guest"}));
    auto limits = guest.request("GET", "namespaces/_/limits");
    ASSERT_TRUE(limits);
    EXPECT_EQ(limits->status, 200);
    EXPECT_EQ((*limits->json())["maxActionMemory"], 512);
}

TEST_F(ApiTest, ActionCrudWithVersionsAndOverwrite) {
    auto c = fwd_->client();
    auto created = c.putAction("crud", actionBody("python:3", kPy), false);
    ASSERT_TRUE(created) << created.error().message;
    EXPECT_EQ((*created)["version"], "0.0.1");
    EXPECT_EQ((*created)["namespace"], "guest");

    auto again = c.putAction("crud", actionBody("python:3", kPy), false);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::Conflict);
    EXPECT_EQ(again.error().message, "resource already exists");

    auto updated = c.putAction("crud", Json{{"limits", {{"timeout", 5000}}}}, true);
    ASSERT_TRUE(updated) << updated.error().message;
    EXPECT_EQ((*updated)["version"], "0.0.2");
    EXPECT_EQ((*updated)["exec"]["code"], kPy);
    EXPECT_EQ((*updated)["limits"]["timeout"], 5000);

    auto withCode = c.getAction("crud", true);
    ASSERT_TRUE(withCode);
    EXPECT_EQ((*withCode)["exec"]["code"], kPy);
    auto noCode = c.getAction("crud", false);
    ASSERT_TRUE(noCode);
    EXPECT_FALSE((*noCode)["exec"].contains("code"));

    auto deleted = c.deleteAction("crud");
    ASSERT_TRUE(deleted);
    EXPECT_EQ((*deleted)["name"], "crud");
    auto gone = c.getAction("crud");
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().code, Errc::NotFound);
    EXPECT_EQ(gone.error().message, "The requested resource does not exist.");
    EXPECT_EQ(c.deleteAction("crud").error().code, Errc::NotFound);
}

TEST_F(ApiTest, ListsPageCountAndIncludePackagedActions) {
    auto c = fwd_->client();
    ASSERT_TRUE(c.putPackage("lp", Json{{"parameters", {{{"key", "p"}, {"value", 1}}}}}, false));
    for (const char* n : {"list-a", "list-b", "lp/inner"}) {
        ASSERT_TRUE(c.putAction(n, actionBody("python:3", kPy), false)) << n;
    }
    auto all = c.listActions(0, 200);
    ASSERT_TRUE(all);
    bool sawInner = false;
    for (const auto& a : *all) {
        EXPECT_FALSE(a["exec"].contains("code"));
        if (a["name"] == "inner") {
            sawInner = true;
            EXPECT_EQ(a["namespace"], "guest/lp");
        }
    }
    EXPECT_TRUE(sawInner);
    auto page = c.listActions(1, 1);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->size(), 1u);
    auto count = c.request("GET", "namespaces/_/actions", {{"count", "true"}});
    ASSERT_TRUE(count);
    EXPECT_EQ((*count->json())["actions"], all->size());
    auto inPkg = c.listActions("lp");
    ASSERT_TRUE(inPkg) << inPkg.error().message;
    ASSERT_EQ(inPkg->size(), 1u);
    EXPECT_EQ((*inPkg)[0]["name"], "inner");

    auto pkg = c.getPackage("lp");
    ASSERT_TRUE(pkg);
    ASSERT_EQ((*pkg)["actions"].size(), 1u);
    auto notEmpty = c.deletePackage("lp");
    ASSERT_FALSE(notEmpty);
    EXPECT_EQ(notEmpty.error().code, Errc::Conflict);
    auto tooMany = c.request("GET", "namespaces/_/actions", {{"limit", "201"}});
    ASSERT_TRUE(tooMany);
    EXPECT_EQ(tooMany->status, 400);
    EXPECT_EQ((*tooMany->json())["error"], "The value '201' is not in the range of 0 to 200 for actions.");
    auto forced = c.request("DELETE", "namespaces/_/packages/lp", {{"force", "true"}});
    ASSERT_TRUE(forced);
    EXPECT_EQ(forced->status, 200);
    EXPECT_EQ(c.getAction("lp/inner").error().code, Errc::NotFound);
}

TEST_F(ApiTest, ActionInMissingPackageIsNotFound) {
    auto c = fwd_->client();
    auto r = c.putAction("nopkg/a", actionBody("python:3", kPy), false);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::NotFound);
}

// Each bad request gets its status and message and changes nothing.
TEST_F(ApiTest, BadInputIsRejectedAndChangesNothing) {
    auto c = fwd_->client();
    ASSERT_TRUE(c.putAction("stable", actionBody("python:3", kPy), false));
    auto before = c.getAction("stable");
    ASSERT_TRUE(before);
    auto listBefore = c.listActions(0, 200);
    ASSERT_TRUE(listBefore);

    struct Case {
        std::string name;
        std::string method;
        std::string path;
        std::string rawBody;
        long status;
        std::string message;
    } cases[] = {
        {"malformed json", "PUT", "namespaces/_/actions/stable?overwrite=true", "{\"exec\":", 400,
         "The request content was malformed"},
        {"wrong type", "PUT", "namespaces/_/actions/stable?overwrite=true",
         R"({"exec":{"kind":"python:3","code":"x"},"parameters":"no"})", 400, "'parameters' must be an array"},
        {"unknown kind", "PUT", "namespaces/_/actions/stable?overwrite=true",
         R"({"exec":{"kind":"cobol:85","code":"x"}})", 400, "Valid values are: 'blackbox'"},
        {"memory over", "PUT", "namespaces/_/actions/stable?overwrite=true",
         R"({"exec":{"kind":"python:3","code":"x"},"limits":{"memory":1024}})", 400,
         "memory size 1024 MB exceeds allowed threshold of 512 MB"},
        {"timeout under", "PUT", "namespaces/_/actions/stable?overwrite=true",
         R"({"limits":{"timeout":10}})", 400, "below allowed threshold of 100 milliseconds"},
        {"dotdot name", "PUT", "namespaces/_/actions/..%2Fx", R"({"exec":{"kind":"python:3","code":"x"}})",
         400, "is not valid"},
        {"bad chars", "PUT", "namespaces/_/actions/a%3Bb", R"({"exec":{"kind":"python:3","code":"x"}})",
         400, "is not valid"},
        {"too long", "PUT", "namespaces/_/actions/" + std::string(257, 'n'),
         R"({"exec":{"kind":"python:3","code":"x"}})", 400, "is not valid"},
        {"three segments", "PUT", "namespaces/_/actions/a/b/c", R"({"exec":{"kind":"python:3","code":"x"}})",
         404, "does not exist"},
        {"empty body", "PUT", "namespaces/_/actions/newone", "", 400, "the body is empty"},
        {"invoke non-object", "POST", "namespaces/_/actions/stable?blocking=true", "[1,2]", 400,
         "must be a JSON object"},
        {"bad query", "POST", "namespaces/_/actions/stable?blocking=perhaps", "{}", 400,
         "'blocking' must be true or false"},
        {"other namespace", "GET", "namespaces/someoneelse/actions/stable", "", 403,
         "not authorized to access 'someoneelse/stable'"},
        {"other namespace put", "PUT", "namespaces/someoneelse/actions/x",
         R"({"exec":{"kind":"python:3","code":"x"}})", 403, "not authorized"},
        {"count with docs", "GET", "namespaces/_/activations?count=true&docs=true", "", 400,
         "The parameter 'docs' is not permitted with 'count'."},
        {"wrong collection", "GET", "namespaces/_/packages/stable", "", 409,
         "Resource by this name exists but is not in this collection."},
        {"triggers", "GET", "namespaces/_/triggers", "", 501, "does not support triggers yet"},
    };
    for (const auto& k : cases) {
        SCOPED_TRACE(k.name);
        std::optional<Json> body;
        Result<client::Response> r = Error{};
        if (k.rawBody.empty()) {
            r = c.request(k.method, k.path);
        } else {
            auto parsed = Json::parse(k.rawBody, nullptr, false);
            if (!parsed.is_discarded()) {
                r = c.request(k.method, k.path, {}, parsed);
            } else {
                // Malformed JSON has to go raw: use curl through the client's transport.
                client::HttpRequest raw;
                raw.method = k.method;
                raw.url = fwd_->apiHost() + "/api/v1/" + k.path;
                raw.headers = {{"Content-Type", "application/json"},
                               {"Authorization", "Basic " + base64Encode(fwd_->guestAuth())}};
                raw.body = k.rawBody;
                r = client::makeCurlTransport(c.config())->send(raw);
            }
        }
        ASSERT_TRUE(r) << r.error().message;
        EXPECT_EQ(r->status, k.status) << r->body;
        auto j = r->json();
        ASSERT_TRUE(j) << r->body;
        EXPECT_NE((*j)["error"].get<std::string>().find(k.message), std::string::npos) << r->body;
        EXPECT_EQ(r->header("content-type"), "application/json");
    }
    EXPECT_EQ(*c.getAction("stable"), *before);
    EXPECT_EQ(c.listActions(0, 200)->size(), listBefore->size());
    EXPECT_EQ(c.getAction("newone").error().code, Errc::NotFound);
}

TEST_F(ApiTest, OversizedBodiesAre413) {
    auto c = fwd_->client();
    ASSERT_TRUE(c.putAction("big", actionBody("python:3", kPy), false));
    Json params = {{"blob", std::string(1024 * 1024 + 10, 'x')}};
    auto r = c.request("POST", "namespaces/_/actions/big", {{"blocking", "true"}}, params);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_NE((*r->json())["error"].get<std::string>().find("Request larger than allowed:"), std::string::npos);

    std::string code = "# " + std::string(48 * 1024 * 1024 + 1, 'c') + "\ndef main(a):\n  return a\n";
    auto tooBig = c.putAction("big", actionBody("python:3", code), true);
    ASSERT_FALSE(tooBig);
    EXPECT_EQ(tooBig.error().code, Errc::PayloadTooLarge);
    EXPECT_NE(tooBig.error().message.find("exec larger than allowed"), std::string::npos);
    EXPECT_EQ((*c.getAction("big"))["version"], "0.0.1");
    // Still serving, and the action still runs.
    auto ok = c.invokeAction("big", Json::object(), true, true);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200);
}

TEST_F(ApiTest, AnotherNamespaceIsCreatedByTheAdminCommandAndIsolated) {
    // `fwd admin namespace create` works against the running daemon's store.
    std::string cmd = std::string(FW_FWD_BINARY) + " admin namespace create team --data-dir " +
                      fwd_->dataDir().string();
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    char buf[256] = {};
    ASSERT_NE(fgets(buf, sizeof buf, p), nullptr);
    ASSERT_EQ(pclose(p), 0);
    std::string key(buf);
    key.erase(key.find_last_not_of("\n") + 1);
    ASSERT_EQ(key.size(), 36u + 1 + 64u) << key;

    auto team = fwd_->client(key);
    ASSERT_EQ(*team.listNamespaces(), Json::array({"team"}));
    ASSERT_TRUE(team.putAction("mine", actionBody("python:3", kPy), false));
    auto guest = fwd_->client();
    auto peek = guest.request("GET", "namespaces/team/actions/mine");
    ASSERT_TRUE(peek);
    EXPECT_EQ(peek->status, 403);
    EXPECT_EQ(guest.getAction("mine").error().code, Errc::NotFound);  // not in guest's namespace
    // Creating the same namespace again fails and prints no key.
    EXPECT_NE(std::system((cmd + " >/dev/null 2>&1").c_str()), 0);
}

}  // namespace
}  // namespace fw::test
