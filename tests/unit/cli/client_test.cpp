#include "fw/client/client.hpp"

#include <gtest/gtest.h>

#include "fake_transport.hpp"

namespace fw::client {
namespace {

using testing::FakeState;
using testing::FakeTransport;
using testing::header;
using testing::reply;

struct Fixture {
    std::shared_ptr<FakeState> state = std::make_shared<FakeState>();
    Client client;
    explicit Fixture(Config cfg = {"127.0.0.1:3233", "uuid:key", "_", 0})
        : client(std::move(cfg), std::make_unique<FakeTransport>(state)) {}
};

TEST(Client, TypedCallsBuildTheirRequests) {
    const std::string base = "http://127.0.0.1:3233/api/v1/";
    struct Case {
        std::string name;
        std::function<bool(Client&)> call;
        std::string method, url;
        std::optional<std::string> body;
    } cases[] = {
        {"put action create",
         [](Client& c) {
             return !!c.putAction("hello", {{"a", 1}}, false);
         },
         "PUT", base + "namespaces/_/actions/hello?overwrite=false", R"({"a":1})"},
        {"put action update", [](Client& c) { return !!c.putAction("p/a", Json::object(), true); },
         "PUT", base + "namespaces/_/actions/p/a?overwrite=true", "{}"},
        {"get action", [](Client& c) { return !!c.getAction("/ns/p/a"); }, "GET",
         base + "namespaces/ns/actions/p/a?code=true", std::nullopt},
        {"get action without code", [](Client& c) { return !!c.getAction("a", false); }, "GET",
         base + "namespaces/_/actions/a?code=false", std::nullopt},
        {"list actions", [](Client& c) { return !!c.listActions(); }, "GET",
         base + "namespaces/_/actions?limit=30", std::nullopt},
        {"list actions skip", [](Client& c) { return !!c.listActions(5, 200); }, "GET",
         base + "namespaces/_/actions?limit=200&skip=5", std::nullopt},
        {"list actions of a package", [](Client& c) { return !!c.listActions("pkg", 0, 30); },
         "GET", base + "namespaces/_/actions/pkg/?limit=30", std::nullopt},
        {"list actions of a package elsewhere",
         [](Client& c) { return !!c.listActions("/ns/pkg", 0, 30); }, "GET",
         base + "namespaces/ns/actions/pkg/?limit=30", std::nullopt},
        {"list actions of a namespace", [](Client& c) { return !!c.listActions("/ns", 0, 30); },
         "GET", base + "namespaces/ns/actions?limit=30", std::nullopt},
        {"delete action", [](Client& c) { return !!c.deleteAction("a"); }, "DELETE",
         base + "namespaces/_/actions/a", std::nullopt},
        {"invoke non-blocking",
         [](Client& c) {
             return !!c.invokeAction("a", {{"x", 1}}, false, false);
         },
         "POST", base + "namespaces/_/actions/a?blocking=false", R"({"x":1})"},
        {"invoke blocking", [](Client& c) { return !!c.invokeAction("a", nullptr, true, false); },
         "POST", base + "namespaces/_/actions/a?blocking=true", "{}"},
        {"invoke result implies blocking",
         [](Client& c) { return !!c.invokeAction("a", Json::object(), false, true); }, "POST",
         base + "namespaces/_/actions/a?blocking=true&result=true", "{}"},
        {"list activations", [](Client& c) { return !!c.listActivations(); }, "GET",
         base + "namespaces/_/activations?limit=30", std::nullopt},
        {"list activations filtered",
         [](Client& c) {
             return !!c.listActivations({.name = "/ns/pkg/a",
                                         .skip = 2,
                                         .limit = 5,
                                         .since = 10,
                                         .upto = 20,
                                         .docs = true});
         },
         "GET",
         base + "namespaces/ns/activations?name=pkg%2Fa&skip=2&limit=5&since=10&upto=20&docs=true",
         std::nullopt},
        {"get activation", [](Client& c) { return !!c.getActivation("abc"); }, "GET",
         base + "namespaces/_/activations/abc", std::nullopt},
        {"activation logs", [](Client& c) { return !!c.activationLogs("abc"); }, "GET",
         base + "namespaces/_/activations/abc/logs", std::nullopt},
        {"activation result", [](Client& c) { return !!c.activationResult("abc"); }, "GET",
         base + "namespaces/_/activations/abc/result", std::nullopt},
        {"namespaces", [](Client& c) { return !!c.listNamespaces(); }, "GET", base + "namespaces",
         std::nullopt},
        {"usage with defaults", [](Client& c) { return !!c.usage(); }, "GET",
         base + "namespaces/_/usage", std::nullopt},
        {"usage by hour", [](Client& c) { return !!c.usage(1795800000000, 1795886400000, "hour"); },
         "GET", base + "namespaces/_/usage?since=1795800000000&upto=1795886400000&group=hour",
         std::nullopt},
        {"usage since only", [](Client& c) { return !!c.usage(10, std::nullopt, "action"); }, "GET",
         base + "namespaces/_/usage?since=10&group=action", std::nullopt},
        {"instances", [](Client& c) { return !!c.instances(); }, "GET",
         base + "namespaces/_/instances", std::nullopt},
        {"put package",
         [](Client& c) {
             return !!c.putPackage("/ns/p", {{"publish", true}}, true);
         },
         "PUT", base + "namespaces/ns/packages/p?overwrite=true", R"({"publish":true})"},
        {"get package", [](Client& c) { return !!c.getPackage("p"); }, "GET",
         base + "namespaces/_/packages/p", std::nullopt},
        {"list packages", [](Client& c) { return !!c.listPackages(); }, "GET",
         base + "namespaces/_/packages?limit=30", std::nullopt},
        {"delete package", [](Client& c) { return !!c.deletePackage("p"); }, "DELETE",
         base + "namespaces/_/packages/p", std::nullopt},
        {"trigger via putEntity",
         [](Client& c) { return !!c.putEntity("triggers", "t", Json::object(), true); }, "PUT",
         base + "namespaces/_/triggers/t?overwrite=true", "{}"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        Fixture f;
        ASSERT_TRUE(c.call(f.client));
        ASSERT_EQ(f.state->requests.size(), 1u);
        const auto& r = f.state->requests[0];
        EXPECT_EQ(r.method, c.method);
        EXPECT_EQ(r.url, c.url);
        EXPECT_EQ(r.body, c.body);
        EXPECT_EQ(header(r, "Authorization"), "Basic dXVpZDprZXk=");
        EXPECT_EQ(header(r, "Content-Type"), c.body ? "application/json" : "<none>");
    }
}

TEST(Client, ConfiguredNamespaceIsUsedAndUnderscoreResolvesToIt) {
    Fixture f({"h", "", "guest", 0});
    ASSERT_TRUE(f.client.getAction("/_/a", false));
    ASSERT_TRUE(f.client.listActivations());
    ASSERT_EQ(f.state->requests.size(), 2u);
    EXPECT_EQ(f.state->requests[0].url, "http://h/api/v1/namespaces/guest/actions/a?code=false");
    EXPECT_EQ(f.state->requests[1].url, "http://h/api/v1/namespaces/guest/activations?limit=30");
    EXPECT_EQ(header(f.state->requests[0], "Authorization"), "<none>") << "no auth configured";
}

TEST(Client, UsageAndInstancesUseTheConfiguredNamespace) {
    Fixture f({"h", "", "my ns", 0});
    ASSERT_TRUE(f.client.usage(1, 2, "action"));
    ASSERT_TRUE(f.client.instances());
    ASSERT_EQ(f.state->requests.size(), 2u);
    EXPECT_EQ(f.state->requests[0].url,
              "http://h/api/v1/namespaces/my%20ns/usage?since=1&upto=2&group=action");
    EXPECT_EQ(f.state->requests[1].url, "http://h/api/v1/namespaces/my%20ns/instances");
}

TEST(Client, BadNamesFailBeforeAnyRequest) {
    struct Case {
        std::string name;
        std::function<Result<Json>(Client&)> call;
    } cases[] = {
        {"nested package", [](Client& c) { return c.getPackage("a/b"); }},
        {"bad action name", [](Client& c) { return c.getAction("a/b/c/d"); }},
        {"bad activation id", [](Client& c) { return c.getActivation("../x"); }},
        {"empty activation id", [](Client& c) { return c.activationLogs(""); }},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        Fixture f;
        auto r = c.call(f.client);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, Errc::InvalidArgument);
        EXPECT_TRUE(f.state->requests.empty());
    }
}

TEST(Client, MissingApiHostIsAnError) {
    Fixture f({"", "u:k", "_", 0});
    auto r = f.client.request("GET", "namespaces");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("APIHOST"), std::string::npos);
    EXPECT_TRUE(f.state->requests.empty());
}

TEST(Client, StatusesMapToErrors) {
    struct Case {
        long status;
        std::string body;
        Errc code;
        std::string message;
    } cases[] = {
        {400, R"({"error":"bad","code":"tx"})", Errc::InvalidArgument, "bad"},
        {401, R"({"error":"The supplied authentication is invalid"})", Errc::Unauthorized,
         "The supplied authentication is invalid"},
        {403, R"({"error":"no"})", Errc::Forbidden, "no"},
        {404, R"({"error":"The requested resource does not exist."})", Errc::NotFound,
         "The requested resource does not exist."},
        {406, "", Errc::NotAcceptable, "HTTP 406 Not Acceptable"},
        {409, R"({"error":"resource already exists"})", Errc::Conflict, "resource already exists"},
        {413, R"({"error":"Request larger than allowed"})", Errc::PayloadTooLarge,
         "Request larger than allowed"},
        {429, R"({"error":"Too many requests"})", Errc::TooManyRequests, "Too many requests"},
        {501, "", Errc::NotImplemented, "HTTP 501 Not Implemented"},
        {500, "<html>\n<body>oops</body>", Errc::Internal,
         "HTTP 500 Internal Server Error: <html>"},
        {502, R"({"response":{"result":{"error":"boom"}}})", Errc::Internal, "boom"},
        {503, R"({"error":"No invokers available"})", Errc::Unavailable, "No invokers available"},
        {504, "", Errc::Timeout, "HTTP 504 Gateway Timeout"},
        {418, "[]", Errc::Internal, "HTTP 418"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.status);
        Fixture f;
        f.state->replies.push_back(reply(c.status, c.body));
        auto r = f.client.getAction("a");
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, c.code);
        EXPECT_EQ(r.error().message, c.message);
        EXPECT_EQ(f.client.lastResponse().status, c.status);
        EXPECT_EQ(f.client.lastResponse().body, c.body) << "the body stays available";
    }
}

TEST(Client, ErrorMessageFromBodies) {
    struct Case {
        std::string name;
        long status;
        std::string body;
        std::string want;
    } cases[] = {
        {"error string", 400, R"({"error":"x","code":"y"})", "x"},
        {"error object with error", 502, R"({"error":{"error":"inner"}})", "inner"},
        {"error object with message", 400, R"({"error":{"message":"m"}})", "m"},
        {"error of another type", 400, R"({"error":42})", "42"},
        {"activation result error", 502,
         R"({"activationId":"a","response":{"status":"application error","result":{"error":"e"}}})",
         "e"},
        {"activation result nested error", 502,
         R"({"response":{"result":{"error":{"error":"deep"}}}})", "deep"},
        {"activation without error", 502,
         R"({"response":{"status":"action developer error","result":{}}})",
         "action developer error"},
        {"empty body", 404, "", "HTTP 404 Not Found"},
        {"json without error", 409, R"({"x":1})", "HTTP 409 Conflict"},
        {"text body", 503, "upstream down\nmore", "HTTP 503 Service Unavailable: upstream down"},
        {"long text body", 500, std::string(300, 'x'),
         "HTTP 500 Internal Server Error: " + std::string(200, 'x') + "..."},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(errorMessage(reply(c.status, c.body)), c.want);
    }
}

TEST(Client, InvokeReturnsOutcomesAndFailsOnRequestErrors) {
    struct Case {
        long status;
        std::string body;
        bool ok;
    } cases[] = {
        {200, R"({"activationId":"a","response":{}})", true},
        {202, R"({"activationId":"a"})", true},
        {502, R"({"error":"boom"})", true},
        {500, R"({"activationId":"a","response":{"status":"whisk internal error"}})", true},
        {500, R"({"error":"db down"})", false},
        {404, R"({"error":"The requested resource does not exist."})", false},
        {429, R"({"error":"Too many"})", false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::to_string(c.status) + " " + c.body);
        Fixture f;
        f.state->replies.push_back(reply(c.status, c.body));
        auto r = f.client.invokeAction("a", Json::object(), true, false);
        ASSERT_EQ(bool(r), c.ok);
        if (c.ok) {
            EXPECT_EQ(r->status, c.status);
            EXPECT_EQ(r->body, c.body);
        }
    }
}

TEST(Client, InvalidUtf8IsReplacedNotThrown) {
    // A -p value from a Latin-1 terminal: nlohmann's default dump() would throw.
    Fixture f;
    ASSERT_TRUE(f.client.invokeAction("a", {{"s", "caf\xe9"}}, false, false));
    EXPECT_EQ(f.state->requests.at(0).body, "{\"s\":\"caf\xef\xbf\xbd\"}");
    EXPECT_EQ(errorMessage(reply(400, "{\"error\":{\"x\":\"\\u00e9\"}}")), "{\"x\":\"\xc3\xa9\"}");
}

TEST(Client, ListActionsOfAPackageWithDefaults) {
    Fixture f;
    ASSERT_TRUE(f.client.listActions("pkg"));
    EXPECT_EQ(f.state->requests.at(0).url,
              "http://127.0.0.1:3233/api/v1/namespaces/_/actions/pkg/?limit=30");
}

TEST(Client, TransportErrorsPassThrough) {
    Fixture f;
    f.state->replies.push_back(Error{Errc::Unavailable, "cannot connect"});
    auto r = f.client.listNamespaces();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::Unavailable);
    EXPECT_EQ(r.error().message, "cannot connect");
}

TEST(Client, SuccessBodies) {
    struct Case {
        std::string body;
        bool ok;
        Json want;
    } cases[] = {
        {R"(["guest"])", true, Json::array({"guest"})},
        {"", true, nullptr},
        {"  \n", true, nullptr},
        {"not json", false, nullptr},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.body);
        Fixture f;
        f.state->replies.push_back(reply(200, c.body));
        auto r = f.client.listNamespaces();
        ASSERT_EQ(bool(r), c.ok);
        if (c.ok) {
            EXPECT_EQ(*r, c.want);
        } else {
            EXPECT_NE(r.error().message.find("not JSON"), std::string::npos);
        }
    }
}

}  // namespace
}  // namespace fw::client
