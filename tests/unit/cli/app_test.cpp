// fwctl end to end inside the process: a command line in, requests out (to a fake transport),
// and the exact stdout, stderr and exit code back. No network, no sleeping (a fake clock).
#include "fw/cli/app.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "fake_transport.hpp"
#include "fw/common/util.hpp"

namespace fw::cli {
namespace {

using client::testing::FakeState;
using client::testing::FakeTransport;
using client::testing::reply;

class Fwctl : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/fwctl-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        env_ = {{"FW_CONFIG_FILE", (dir_ / "wskprops").string()},
                {"FW_APIHOST", "h:1"},
                {"FW_AUTH", "u:k"}};
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    int run(std::vector<std::string> args) {
        out_.str("");
        err_.str("");
        state_->requests.clear();
        Io io;
        io.out = &out_;
        io.err = &err_;
        io.env = [this](std::string_view k) -> std::optional<std::string> {
            auto it = env_.find(std::string(k));
            if (it == env_.end()) return std::nullopt;
            return it->second;
        };
        io.transport = [this](const client::Config&) {
            return std::make_unique<FakeTransport>(state_);
        };
        io.sleep = [this](std::chrono::milliseconds d) {
            sleeps_.push_back(d);
            now_ += d.count();
        };
        io.nowMs = [this] { return now_; };
        io.utc = true;
        args.insert(args.begin(), "fwctl");
        std::vector<const char*> argv;
        for (const auto& a : args) argv.push_back(a.c_str());
        return fw::cli::run(static_cast<int>(argv.size()), argv.data(), io);
    }
    std::string file(const std::string& name, const std::string& content) {
        auto p = dir_ / name;
        std::ofstream(p, std::ios::binary) << content;
        return p.string();
    }
    std::string read(const std::string& name) {
        std::ifstream in(dir_ / name, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    const client::HttpRequest& request(std::size_t i = 0) {
        EXPECT_GT(state_->requests.size(), i);
        return state_->requests.at(i);
    }
    void replies(std::initializer_list<client::Response> rs) {
        for (const auto& r : rs) state_->replies.push_back(r);
    }

    std::filesystem::path dir_;
    std::map<std::string, std::string> env_;
    std::shared_ptr<FakeState> state_ = std::make_shared<FakeState>();
    std::ostringstream out_, err_;
    std::int64_t now_ = 1'700'000'000'000;
    std::vector<std::chrono::milliseconds> sleeps_;
};

const std::string kBase = "http://h:1/api/v1/";

TEST_F(Fwctl, UsageErrorsExitTwoWithoutRequests) {
    struct Case {
        std::vector<std::string> args;
        std::string mentions;
    } cases[] = {
        {{}, "A subcommand is required"},
        {{"action"}, "A subcommand is required"},
        {{"action", "create"}, "name is required"},
        {{"action", "invoke", "x", "-p", "a"}, "--param"},
        {{"action", "create", "x", "f", "--native", "--docker", "img"}, "excludes"},
        {{"action", "create", "x", "f", "--web", "maybe"}, "maybe"},
        {{"action", "list", "--limit", "-1"}, "--limit"},
        {{"activation", "get"}, "error: give an activation ID or --last"},
        {{"activation", "logs", "abc", "--last"}, "excludes"},
        {{"property", "set"}, "error: property set needs"},
        {{"usage", "--group", "day"}, "day"},
        {{"usage", "extra"}, "extra"},
        {{"instance"}, "A subcommand is required"},
        {{"nonsense"}, "nonsense"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(::testing::PrintToString(c.args));
        EXPECT_EQ(run(c.args), kExitUsage);
        EXPECT_NE(err_.str().find(c.mentions), std::string::npos) << err_.str();
        EXPECT_TRUE(state_->requests.empty());
    }
}

TEST_F(Fwctl, HelpAndVersionSucceed) {
    EXPECT_EQ(run({"--help"}), kExitOk);
    EXPECT_NE(out_.str().find("Usage: fwctl"), std::string::npos);
    EXPECT_EQ(run({"action", "invoke", "--help"}), kExitOk);
    EXPECT_NE(out_.str().find("--blocking"), std::string::npos);
    EXPECT_EQ(run({"--version"}), kExitOk);
    EXPECT_TRUE(out_.str().starts_with("fwctl ")) << out_.str();
}

TEST_F(Fwctl, ActionCreateAndUpdateSendTheirBodies) {
    std::string py = file("hello.py", "def main(args):\n    return args\n");
    std::string params = file("params.json", R"({"from":"file","n":1})");
    struct Case {
        std::vector<std::string> args;
        std::string url;
        std::string body;
        std::string out;
    } cases[] = {
        {{"action", "create", "hello", py, "-p", "n", "2", "-p", "s", "text", "--memory", "128"},
         kBase + "namespaces/_/actions/hello?overwrite=false",
         R"({"exec":{"kind":"python:3","code":"def main(args):\n    return args\n"},
             "parameters":[{"key":"n","value":2},{"key":"s","value":"text"}],
             "limits":{"memory":128}})",
         "ok: created action hello\n"},
        {{"action", "update", "pkg/hello", "-P", params, "-p", "n", "3", "-a", "web-export", "true",
          "--timeout", "5000"},
         kBase + "namespaces/_/actions/pkg/hello?overwrite=true",
         R"({"parameters":[{"key":"from","value":"file"},{"key":"n","value":3}],
             "annotations":[{"key":"web-export","value":true}],"limits":{"timeout":5000}})",
         "ok: updated action pkg/hello\n"},
        {{"action", "update", "/other/x", "--docker", "me/img"},
         kBase + "namespaces/other/actions/x?overwrite=true",
         R"({"exec":{"kind":"blackbox","image":"me/img"}})",
         "ok: updated action /other/x\n"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(::testing::PrintToString(c.args));
        ASSERT_EQ(run(c.args), kExitOk) << err_.str();
        ASSERT_EQ(state_->requests.size(), 1u);
        EXPECT_EQ(request().method, "PUT");
        EXPECT_EQ(request().url, c.url);
        EXPECT_EQ(Json::parse(request().body.value()), Json::parse(c.body));
        EXPECT_EQ(out_.str(), c.out);
        EXPECT_EQ(err_.str(), "");
    }
}

TEST_F(Fwctl, LocalInputErrorsAreOneLineAndSendNothing) {
    struct Case {
        std::vector<std::string> args;
        std::string err;
    } cases[] = {
        {{"action", "create", "a", (dir_ / "missing.py").string()},
         "error: cannot read '" + (dir_ / "missing.py").string() +
             "': No such file or directory\n"},
        {{"action", "create", "a", file("app.zip", "PK\x03\x04")},
         "error: cannot tell the runtime of the zip '" + (dir_ / "app.zip").string() +
             "': add --kind (python:3 or nodejs:20), or --native if it is an executable\n"},
        {{"action", "create", "a"},
         "error: action create needs the code: give FILE or DIR (or --docker IMAGE, or "
         "--sequence A,B)\n"},
        {{"action", "invoke", "a", "-P", file("bad.json", "[1]")},
         "error: '" + (dir_ / "bad.json").string() +
             "' must hold a JSON object such as {\"name\": \"value\"}\n"},
        {{"action", "get", "a/b/c/d"},
         "error: The name 'a/b/c/d' is not valid: use 1 to 256 letters, digits, '_', '@', '.', "
         "'&', '-' or inner spaces, starting with a letter, digit or '_'.\n"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(::testing::PrintToString(c.args));
        EXPECT_EQ(run(c.args), kExitError);
        EXPECT_EQ(err_.str(), c.err);
        EXPECT_EQ(out_.str(), "");
        EXPECT_TRUE(state_->requests.empty());
    }
}

TEST_F(Fwctl, ServerAndTransportErrorsAreOneLine) {
    struct Case {
        Result<client::Response> reply;
        std::string err;
    } cases[] = {
        {reply(409, R"({"error":"resource already exists","code":"tx1"})"),
         "error: resource already exists\n"},
        {reply(
             400,
             R"({"error":"The request content was malformed:\nThe specified runtime 'x' is not supported.","code":"t"})"),
         "error: The request content was malformed: The specified runtime 'x' is not "
         "supported.\n"},
        {reply(401, ""), "error: HTTP 401 Unauthorized\n"},
        {reply(502, "<html>\n<h1>Bad Gateway</h1>"), "error: HTTP 502 Bad Gateway: <html>\n"},
        {Error{Errc::Unavailable, "cannot connect to http://h:1/api/v1/namespaces: refused"},
         "error: cannot connect to http://h:1/api/v1/namespaces: refused\n"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.err);
        state_->replies.push_back(c.reply);
        EXPECT_EQ(run({"namespace", "list"}), kExitError);
        EXPECT_EQ(err_.str(), c.err);
        EXPECT_EQ(out_.str(), "");
    }
}

TEST_F(Fwctl, InvokeOutcomes) {
    const std::string activation =
        R"({"activationId":"abc","response":{"status":"success","result":{"x":1}}})";
    struct Case {
        std::string name;
        std::vector<std::string> flags;
        client::Response reply;
        std::string url;
        int exit;
        std::string out, err;
    } cases[] = {
        {"non-blocking",
         {},
         reply(202, R"({"activationId":"abc"})"),
         "namespaces/_/actions/hello?blocking=false",
         kExitOk,
         "ok: invoked /_/hello with id abc\n",
         ""},
        {"non-blocking json",
         {"--json"},
         reply(202, R"({"activationId":"abc"})"),
         "namespaces/_/actions/hello?blocking=false",
         kExitOk,
         "{\n  \"activationId\": \"abc\"\n}\n",
         ""},
        {"result",
         {"-r"},
         reply(200, R"({"x":1})", {{"x-openwhisk-activation-id", "abc"}}),
         "namespaces/_/actions/hello?blocking=true&result=true",
         kExitOk,
         "{\n  \"x\": 1\n}\n",
         ""},
        {"blocking prints the activation",
         {"--blocking"},
         reply(200, activation),
         "namespaces/_/actions/hello?blocking=true",
         kExitOk,
         Json::parse(activation).dump(2) + "\n",
         ""},
        {"application error",
         {"-r"},
         reply(502, R"({"error":"boom"})", {{"x-openwhisk-activation-id", "abc"}}),
         "namespaces/_/actions/hello?blocking=true&result=true",
         kExitActionFailed,
         "{\n  \"error\": \"boom\"\n}\n",
         "error: activation abc of /_/hello failed: boom\n"},
        {"developer error, blocking",
         {"-b"},
         reply(
             502,
             R"({"activationId":"abc","response":{"status":"action developer error","result":{"error":"The action exceeded its time limit of 3000 ms"}}})"),
         "namespaces/_/actions/hello?blocking=true",
         kExitActionFailed,
         Json::parse(
             R"({"activationId":"abc","response":{"status":"action developer error","result":{"error":"The action exceeded its time limit of 3000 ms"}}})")
                 .dump(2) +
             "\n",
         "error: activation abc of /_/hello failed: The action exceeded its time limit of 3000 "
         "ms\n"},
        {"blocking wait ended",
         {"-r"},
         reply(202, R"({"activationId":"abc"})"),
         "namespaces/_/actions/hello?blocking=true&result=true",
         kExitNotReady,
         "",
         "error: invoked /_/hello with id abc, but the result is not ready yet (the blocking "
         "wait ended); get it later with: fwctl activation result abc\n"},
        {"missing action",
         {"-b"},
         reply(404, R"({"error":"The requested resource does not exist."})"),
         "namespaces/_/actions/hello?blocking=true",
         kExitError,
         "",
         "error: The requested resource does not exist.\n"},
        {"throttled",
         {},
         reply(429, R"({"error":"Too many requests in the last minute"})"),
         "namespaces/_/actions/hello?blocking=false",
         kExitError,
         "",
         "error: Too many requests in the last minute\n"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        state_->replies.push_back(c.reply);
        std::vector<std::string> args = {"action", "invoke", "hello", "-p", "name", "World"};
        args.insert(args.end(), c.flags.begin(), c.flags.end());
        EXPECT_EQ(run(args), c.exit);
        EXPECT_EQ(request().method, "POST");
        EXPECT_EQ(request().url, kBase + c.url);
        EXPECT_EQ(request().body, R"({"name":"World"})");
        EXPECT_EQ(out_.str(), c.out);
        EXPECT_EQ(err_.str(), c.err);
    }
}

TEST_F(Fwctl, ConfigPrecedenceFileThenEnvThenFlags) {
    file("wskprops", "APIHOST=file-host\nAUTH=file:key\nNAMESPACE=filens\n");
    struct Case {
        std::string name;
        std::map<std::string, std::string> env;
        std::vector<std::string> flags;
        std::string url, auth;
    } cases[] = {
        {"file",
         {},
         {},
         "http://file-host/api/v1/namespaces/filens/actions?limit=30",
         "Basic " + base64Encode("file:key")},
        {"env over file",
         {{"FW_APIHOST", "env-host"}, {"FW_AUTH", "env:key"}, {"FW_NAMESPACE", "envns"}},
         {},
         "http://env-host/api/v1/namespaces/envns/actions?limit=30",
         "Basic " + base64Encode("env:key")},
        {"flags over env",
         {{"FW_APIHOST", "env-host"}, {"FW_AUTH", "env:key"}},
         {"--apihost", "https://flag-host:8443", "-u", "flag:key", "-n", "flagns"},
         "https://flag-host:8443/api/v1/namespaces/flagns/actions?limit=30",
         "Basic " + base64Encode("flag:key")},
        {"flags after the command",
         {},
         {"--namespace", "late"},
         "http://file-host/api/v1/namespaces/late/actions?limit=30",
         "Basic " + base64Encode("file:key")},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        env_ = c.env;
        env_["FW_CONFIG_FILE"] = (dir_ / "wskprops").string();
        std::vector<std::string> args = {"action", "list"};
        if (c.name == "flags after the command") {
            args.insert(args.end(), c.flags.begin(), c.flags.end());
        } else {
            args.insert(args.begin(), c.flags.begin(), c.flags.end());
        }
        state_->replies.push_back(reply(200, "[]"));
        ASSERT_EQ(run(args), kExitOk) << err_.str();
        EXPECT_EQ(request().url, c.url);
        EXPECT_EQ(client::testing::header(request(), "Authorization"), c.auth);
    }
}

TEST_F(Fwctl, PropertySetGetUnsetKeepTheRestOfTheFile) {
    file("wskprops", "# my settings\nAPIGW_ACCESS_TOKEN=tok\nAPIHOST=old\n");
    env_.erase("FW_APIHOST");
    env_.erase("FW_AUTH");

    ASSERT_EQ(run({"property", "set", "--apihost", "127.0.0.1:3233", "--auth", "uuid:secret"}),
              kExitOk)
        << err_.str();
    const std::string path = (dir_ / "wskprops").string();
    EXPECT_EQ(out_.str(),
              "ok: apihost set to 127.0.0.1:3233 in " + path + "\nok: auth set in " + path + "\n");
    EXPECT_EQ(read("wskprops"),
              "# my settings\nAPIGW_ACCESS_TOKEN=tok\nAPIHOST=127.0.0.1:3233\nAUTH=uuid:secret\n"
              "NAMESPACE=_\n");

    ASSERT_EQ(run({"property", "get", "--auth"}), kExitOk);
    EXPECT_EQ(out_.str(), "uuid:secret\n");
    ASSERT_EQ(run({"property", "get"}), kExitOk);
    EXPECT_EQ(out_.str(),
              "PROPERTY   VALUE\napihost    127.0.0.1:3233\nauth       uuid:secret\n"
              "namespace  _\nfile       " +
                  path + "\n");
    env_["FW_NAMESPACE"] = "fromenv";
    ASSERT_EQ(run({"property", "get", "--namespace"}), kExitOk);
    EXPECT_EQ(out_.str(), "fromenv\n") << "get shows the values in effect";
    ASSERT_EQ(run({"--namespace", "fromflag", "property", "get", "--namespace"}), kExitOk);
    EXPECT_EQ(out_.str(), "fromflag\n");

    ASSERT_EQ(run({"property", "unset", "--auth", "--apihost"}), kExitOk);
    EXPECT_EQ(out_.str(), "ok: apihost unset\nok: auth unset\n");
    EXPECT_EQ(read("wskprops"), "# my settings\nAPIGW_ACCESS_TOKEN=tok\nNAMESPACE=_\n");
    ASSERT_EQ(run({"property", "unset", "--auth"}), kExitOk);
    EXPECT_EQ(out_.str(), "ok: auth was not set\n");
    EXPECT_TRUE(state_->requests.empty());
}

TEST_F(Fwctl, ListsPrintTablesOrJson) {
    const std::string actions =
        R"([{"namespace":"guest","name":"hello","version":"0.0.1","annotations":[{"key":"exec","value":"python:3"}]}])";
    state_->replies.push_back(reply(200, actions));
    ASSERT_EQ(run({"action", "list", "pkg", "--limit", "5", "--skip", "2"}), kExitOk);
    EXPECT_EQ(request().url, kBase + "namespaces/_/actions/pkg/?limit=5&skip=2");
    EXPECT_EQ(out_.str(), "NAME          KIND      VERSION\n/guest/hello  python:3  0.0.1\n");

    state_->replies.push_back(reply(200, actions));
    ASSERT_EQ(run({"action", "list", "--json"}), kExitOk);
    EXPECT_EQ(Json::parse(out_.str()), Json::parse(actions));

    state_->replies.push_back(reply(200, "[]"));
    ASSERT_EQ(run({"activation", "list", "hello", "--since", "10", "--upto", "20", "--full"}),
              kExitOk);
    EXPECT_EQ(request().url,
              kBase + "namespaces/_/activations?name=hello&limit=30&since=10&upto=20&docs=true");

    state_->replies.push_back(reply(200, R"([{"namespace":"guest","name":"p","publish":true}])"));
    ASSERT_EQ(run({"package", "list"}), kExitOk);
    EXPECT_EQ(out_.str(), "NAME      SHARED  BINDING\n/guest/p  yes     -\n");
}

TEST_F(Fwctl, ActivationCommandsWithLast) {
    const std::string logs =
        R"({"logs":["2024-01-01T00:00:00.000000001Z stdout: hello","2024-01-01T00:00:00.1Z stderr: careful"]})";
    replies({reply(200, R"([{"activationId":"last1"}])"), reply(200, logs)});
    ASSERT_EQ(run({"activation", "logs", "--last", "--strip"}), kExitOk) << err_.str();
    ASSERT_EQ(state_->requests.size(), 2u);
    EXPECT_EQ(request(0).url, kBase + "namespaces/_/activations?limit=1");
    EXPECT_EQ(request(1).url, kBase + "namespaces/_/activations/last1/logs");
    EXPECT_EQ(out_.str(), "hello\ncareful\n");

    replies({reply(200, logs)});
    ASSERT_EQ(run({"activation", "logs", "abc"}), kExitOk);
    EXPECT_EQ(
        out_.str(),
        "2024-01-01T00:00:00.000000001Z stdout: hello\n2024-01-01T00:00:00.1Z stderr: careful\n");

    replies({reply(200, R"({"result":{"ok":true},"success":true,"status":"success"})")});
    ASSERT_EQ(run({"activation", "result", "abc"}), kExitOk);
    EXPECT_EQ(request().url, kBase + "namespaces/_/activations/abc/result");
    EXPECT_EQ(out_.str(), "{\n  \"ok\": true\n}\n");

    replies({reply(200, "[]")});
    EXPECT_EQ(run({"activation", "get", "--last"}), kExitError);
    EXPECT_EQ(err_.str(), "error: there are no activations yet\n");
}

TEST_F(Fwctl, PollPrintsEachNewActivationOnceUntilExit) {
    auto act = [](std::string id, std::int64_t start, std::string log) {
        return Json{{"activationId", id},
                    {"name", "hello"},
                    {"namespace", "guest"},
                    {"start", start},
                    {"duration", 3},
                    {"response", {{"status", "success"}}},
                    {"logs", Json::array({log})}};
    };
    Json a1 = act("a1", now_ + 10, "2024-01-01T00:00:00Z stdout: one");
    Json a2 = act("a2", now_ + 5, "2024-01-01T00:00:00Z stdout: two");
    replies({reply(200, "[]"), reply(200, Json::array({a1}).dump()),
             reply(200, Json::array({a1, a2}).dump())});

    const std::int64_t start = now_;
    ASSERT_EQ(run({"activation", "poll", "hello", "--exit", "5"}), kExitOk) << err_.str();
    // Polls at 0, 2 and 4 s, then a last one at the 5 s deadline (an empty answer).
    ASSERT_EQ(state_->requests.size(), 4u);
    for (const auto& r : state_->requests) {
        EXPECT_EQ(r.url, kBase + "namespaces/_/activations?name=hello&limit=200&since=" +
                             std::to_string(start) + "&docs=true");
    }
    EXPECT_EQ(sleeps_, (std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(2000),
                                                               std::chrono::milliseconds(2000),
                                                               std::chrono::milliseconds(1000)}));
    EXPECT_EQ(out_.str(),
              "activation a1  guest/hello  success  3ms\n"
              "  2024-01-01T00:00:00Z stdout: one\n"
              "activation a2  guest/hello  success  3ms\n"
              "  2024-01-01T00:00:00Z stdout: two\n");
}

TEST_F(Fwctl, OddServerAnswersArePrintedNotFatal) {
    // A proxy or an older server answering with the wrong shape must not crash fwctl.
    replies({reply(200, R"([{"name":"x"}])")});
    EXPECT_EQ(run({"action", "get", "x", "--code"}), kExitOk);
    EXPECT_EQ(out_.str(), "[\n  {\n    \"name\": \"x\"\n  }\n]\ncode  (none)\n");

    replies({reply(200, R"({"logs":"not a list"})")});
    EXPECT_EQ(run({"activation", "logs", "abc"}), kExitOk);
    EXPECT_EQ(out_.str(), "");

    replies(
        {reply(200, R"([{"activationId":"a","start":"soon","logs":"x"},{"activationId":1},7])")});
    EXPECT_EQ(run({"activation", "poll", "--exit", "0"}), kExitOk);
    EXPECT_EQ(out_.str(), "activation a  -  -\n") << "the bad entries are skipped";

    replies({reply(200, R"({"not":"a list"})")});
    EXPECT_EQ(run({"activation", "result", "--last"}), kExitError);
    EXPECT_EQ(err_.str(), "error: there are no activations yet\n");

    replies({reply(200, "not json at all")});
    EXPECT_EQ(run({"namespace", "list"}), kExitError);
    EXPECT_EQ(
        err_.str(),
        "error: the server answered HTTP 200 with a body that is not JSON: not json at all\n");
}

TEST_F(Fwctl, ActionGetSavesBinaryCode) {
    const std::string bytes(
        "\x7f"
        "ELF\0\x01",
        6);
    replies({reply(
        200, Json{{"namespace", "guest"},
                  {"name", "bin"},
                  {"exec", {{"kind", "blackbox"}, {"binary", true}, {"code", base64Encode(bytes)}}}}
                 .dump())});
    const std::string target = (dir_ / "out.bin").string();
    ASSERT_EQ(run({"action", "get", "bin", "--save", target}), kExitOk) << err_.str();
    EXPECT_EQ(request().url, kBase + "namespaces/_/actions/bin?code=true");
    EXPECT_EQ(read("out.bin"), bytes);
    EXPECT_EQ(out_.str(), "ok: saved the code of action bin to " + target + "\n");

    replies({reply(
        200, R"({"namespace":"guest","name":"a","version":"0.0.1","exec":{"kind":"python:3"}})")});
    ASSERT_EQ(run({"action", "get", "a"}), kExitOk);
    EXPECT_EQ(request().url, kBase + "namespaces/_/actions/a?code=false");
    EXPECT_EQ(out_.str(), "action   /guest/a\nkind     python:3\nversion  0.0.1\n");
}

TEST_F(Fwctl, VerboseTracesWithoutTheKey) {
    replies({reply(200, R"(["guest"])")});
    ASSERT_EQ(run({"-v", "namespace", "list"}), kExitOk);
    EXPECT_EQ(err_.str(), "> GET " + kBase + "namespaces\n< 200\n< [\"guest\"]\n");
    EXPECT_EQ(out_.str(), "NAMESPACE\nguest\n");
}

TEST_F(Fwctl, UsageSendsThePeriodAndGroup) {
    const std::string now = std::to_string(now_);
    const std::string dayAgo = std::to_string(now_ - 86'400'000);
    struct Case {
        std::vector<std::string> args;
        std::string url;
    } cases[] = {
        {{"usage"}, "namespaces/_/usage?since=" + dayAgo + "&upto=" + now + "&group=action"},
        {{"usage", "--group", "hour"},
         "namespaces/_/usage?since=" + dayAgo + "&upto=" + now + "&group=hour"},
        {{"usage", "--since", "-7d"},
         "namespaces/_/usage?since=" + std::to_string(now_ - 7 * 86'400'000LL) + "&upto=" + now +
             "&group=action"},
        {{"usage", "--since=-1h30m", "--group=action"},
         "namespaces/_/usage?since=" + std::to_string(now_ - 5'400'000) + "&upto=" + now +
             "&group=action"},
        {{"usage", "--since", "2026-11-28", "--upto", "2026-11-28T10:00Z"},
         "namespaces/_/usage?since=1795824000000&upto=1795860000000&group=action"},
        {{"usage", "--since", "2026-11-28 10:00", "--upto", "2026-11-28T12:00+01:00"},
         "namespaces/_/usage?since=1795860000000&upto=1795863600000&group=action"},
        {{"usage", "--upto", "1795886400000"},
         "namespaces/_/usage?since=1795800000000&upto=1795886400000&group=action"},
        {{"usage", "--since", "1600000000000", "--csv"},
         "namespaces/_/usage?since=1600000000000&upto=" + now + "&group=action"},
        {{"-n", "other", "usage", "--upto", "now"},
         "namespaces/other/usage?since=" + dayAgo + "&upto=" + now + "&group=action"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(::testing::PrintToString(c.args));
        ASSERT_EQ(run(c.args), kExitOk) << err_.str();
        ASSERT_EQ(state_->requests.size(), 1u);
        EXPECT_EQ(request().method, "GET");
        EXPECT_EQ(request().url, kBase + c.url);
        EXPECT_EQ(request().body, std::nullopt);
        EXPECT_EQ(err_.str(), "");
    }
}

TEST_F(Fwctl, UsageRejectsBadTimesWithoutARequest) {
    const std::string forms =
        "' is not a time: use epoch milliseconds, a UTC date or time such as 2026-11-28 or "
        "2026-11-28T10:00Z, or a time ago such as -24h or -7d\n";
    struct Case {
        std::vector<std::string> args;
        std::string err;
    } cases[] = {
        {{"usage", "--since", "yesterday"}, "error: --since: 'yesterday" + forms},
        {{"usage", "--upto", "28/11/2026"}, "error: --upto: '28/11/2026" + forms},
        {{"usage", "--since", "-24"}, "error: --since: '-24" + forms},
        {{"usage", "--upto", "2026-02-30"},
         "error: --upto: '2026-02-30' is not a valid date and time\n"},
        {{"usage", "--since", "2026-11-28T10:00Z", "--upto", "2026-11-28"},
         "error: --since (2026-11-28 10:00 UTC) is after --upto (2026-11-28 00:00 UTC)\n"},
        {{"usage", "--csv", "--json"}, "error: --csv and --json exclude each other\n"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(::testing::PrintToString(c.args));
        EXPECT_EQ(run(c.args), kExitUsage);
        EXPECT_EQ(err_.str(), c.err);
        EXPECT_EQ(out_.str(), "");
        EXPECT_TRUE(state_->requests.empty());
    }
}

const char* const kUsageBody = R"({"namespace":"guest","since":1795800000000,
  "upto":1795886400000,"group":"action",
  "prices":{"perGbSecond":0.0000166667,"perMillionRequests":0.2,"currency":"USD"},
  "rows":[{"action":"pkg/a","invocations":12,"errors":1,"coldStarts":2,"gbSeconds":0.0031,
           "cpuSeconds":0.021,"cost":0.0000027}],
  "total":{"invocations":12,"errors":1,"coldStarts":2,"gbSeconds":0.0031,"cpuSeconds":0.021,
           "cost":0.0000027}})";

TEST_F(Fwctl, UsagePrintsATableCsvOrJson) {
    const std::string hours = R"({"namespace":"guest","since":1795860000000,
      "upto":1795867200000,"group":"hour","prices":{"perGbSecond":0.0000166667,
      "perMillionRequests":0.2,"currency":"USD"},
      "rows":[{"hour":1795860000000,"invocations":3,"errors":0,"coldStarts":1,"gbSeconds":0.75,
               "cpuSeconds":0.2,"cost":0.0000131}],
      "total":{"invocations":3,"errors":0,"coldStarts":1,"gbSeconds":0.75,"cpuSeconds":0.2,
               "cost":0.0000131}})";
    struct Case {
        std::vector<std::string> args;
        std::string body, out;
    } cases[] = {
        {{"usage"},
         kUsageBody,
         "usage of guest from 2026-11-27 17:20 to 2026-11-28 17:20 UTC; prices: 0.0000166667 "
         "USD per GB-second, 0.2 USD per million requests\n"
         "ACTION  INVOCATIONS  ERRORS  COLD  GB-SECONDS  CPU-SECONDS       COST\n"
         "pkg/a            12       1     2      0.0031        0.021  0.0000027\n"
         "TOTAL            12       1     2      0.0031        0.021  0.0000027\n"},
        {{"usage", "--csv"},
         kUsageBody,
         "action,invocations,errors,coldStarts,gbSeconds,cpuSeconds,cost\r\n"
         "pkg/a,12,1,2,0.0031,0.021,0.0000027\r\n"},
        {{"usage", "--group", "hour"},
         hours,
         "usage of guest from 2026-11-28 10:00 to 2026-11-28 12:00 UTC; prices: 0.0000166667 "
         "USD per GB-second, 0.2 USD per million requests\n"
         "HOUR              INVOCATIONS  ERRORS  COLD  GB-SECONDS  CPU-SECONDS       COST\n"
         "2026-11-28 10:00            3       0     1      0.7500        0.200  0.0000131\n"
         "TOTAL                       3       0     1      0.7500        0.200  0.0000131\n"},
        {{"usage", "--group", "hour", "--csv"},
         hours,
         "hour,invocations,errors,coldStarts,gbSeconds,cpuSeconds,cost\r\n"
         "2026-11-28T10:00:00Z,3,0,1,0.75,0.2,0.0000131\r\n"},
        {{"usage", "--json"}, kUsageBody, Json::parse(kUsageBody).dump(2) + "\n"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(::testing::PrintToString(c.args));
        replies({reply(200, c.body)});
        ASSERT_EQ(run(c.args), kExitOk) << err_.str();
        EXPECT_EQ(out_.str(), c.out);
        EXPECT_EQ(err_.str(), "");
    }
}

TEST_F(Fwctl, InstanceListAndItsAlias) {
    const std::string body = R"({"actions":[{"action":"pkg/a","starting":0,"idle":1,"busy":2}],
      "prewarmed":[{"kind":"python:3","memory":256,"count":2}],
      "pool":{"memoryMb":8192,"usedMb":768,"queued":0}})";
    const std::string table =
        "ACTION  STARTING  IDLE  BUSY\n"
        "pkg/a          0     1     2\n"
        "\n"
        "KIND      MEMORY  COUNT\n"
        "python:3  256 MB      2\n"
        "\n"
        "pool: 768 of 8192 MB in use, 0 queued\n";
    struct Case {
        std::vector<std::string> args;
        std::string url, out;
    } cases[] = {
        {{"instance", "list"}, "namespaces/_/instances", table},
        {{"instances"}, "namespaces/_/instances", table},
        {{"instances", "--namespace", "other"}, "namespaces/other/instances", table},
        {{"--json", "instances"}, "namespaces/_/instances", Json::parse(body).dump(2) + "\n"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(::testing::PrintToString(c.args));
        replies({reply(200, body)});
        ASSERT_EQ(run(c.args), kExitOk) << err_.str();
        ASSERT_EQ(state_->requests.size(), 1u);
        EXPECT_EQ(request().method, "GET");
        EXPECT_EQ(request().url, kBase + c.url);
        EXPECT_EQ(out_.str(), c.out);
        EXPECT_EQ(err_.str(), "");
    }
}

TEST_F(Fwctl, UsageAndInstancesFromAnOlderOrFailingDaemon) {
    const std::string older = " (the daemon at h:1 may be older than fwctl and not offer ";
    struct Case {
        std::vector<std::string> args;
        Result<client::Response> reply;
        std::string err;
    } cases[] = {
        {{"usage"},
         reply(404, R"({"error":"The requested resource does not exist.","code":"t1"})"),
         "error: The requested resource does not exist." + older + "usage reports)\n"},
        {{"instances"},
         reply(404, R"({"error":"The requested resource does not exist.","code":"t1"})"),
         "error: The requested resource does not exist." + older + "instance lists)\n"},
        {{"usage", "--csv"},
         reply(501, ""),
         "error: HTTP 501 Not Implemented" + older + "usage reports)\n"},
        {{"instance", "list"},
         reply(501, R"({"error":"Firework does not support\nthis yet"})"),
         "error: Firework does not support this yet" + older + "instance lists)\n"},
        {{"usage"}, reply(403, R"({"error":"not yours"})"), "error: not yours\n"},
        {{"usage"},
         reply(400, R"({"error":"since must be before upto"})"),
         "error: since must be before upto\n"},
        {{"instances"}, reply(500, "<html>\n"), "error: HTTP 500 Internal Server Error: <html>\n"},
        {{"usage"},
         reply(200, "oops"),
         "error: the server answered HTTP 200 with a body that is not JSON: oops\n"},
        {{"usage"},
         Error{Errc::Unavailable, "cannot connect to http://h:1: refused"},
         "error: cannot connect to http://h:1: refused\n"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(::testing::PrintToString(c.args) + " " + c.err);
        state_->replies.push_back(c.reply);
        EXPECT_EQ(run(c.args), kExitError);
        EXPECT_EQ(err_.str(), c.err);
        EXPECT_EQ(out_.str(), "");
    }
}

}  // namespace
}  // namespace fw::cli
