// Invocation against a real fwd: every runtime, blocking and non-blocking, warm reuse per action
// revision, timeouts, crashes, bad output, log capture and truncation.
#include <gtest/gtest.h>
#include <zip.h>

#include <fstream>
#include <future>
#include <sstream>

#include "fw/common/util.hpp"
#include "fwd_process.hpp"

namespace fw::test {
namespace {

class InvokeTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir();
        fwd_ = new FwdProcess(dir_->path() / "data", {"--blocking-wait-ms", "5000"});
        fwd_->start();
    }
    static void TearDownTestSuite() {
        int status = fwd_->stop();
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
        // Every instance went with the daemon: no process, no cgroup.
        EXPECT_EQ(fwd_->instanceProcesses(), std::vector<pid_t>{});
        EXPECT_EQ(fwd_->instanceCgroups(), std::vector<std::string>{});
        delete fwd_;
        delete dir_;
    }
    void SetUp() override { ASSERT_TRUE(fwd_->running()); }

    // Creates (or replaces) an action and invokes it blocking; returns the activation record.
    static Json run(const std::string& name, const Json& body, const Json& params = Json::object(),
                    long* status = nullptr) {
        auto c = fwd_->client();
        auto put = c.putAction(name, body, true);
        EXPECT_TRUE(put) << put.error().message;
        return invoke(name, params, status);
    }
    static Json invoke(const std::string& name, const Json& params = Json::object(), long* status = nullptr) {
        auto c = fwd_->client();
        auto r = c.invokeAction(name, params, true, false);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        if (!r) return Json();
        if (status) *status = r->status;
        EXPECT_EQ(r->header("x-openwhisk-activation-id").size(), 32u);
        return *r->json();
    }
    static const Json* annotation(const Json& rec, const std::string& key) {
        return findKeyValue(rec["annotations"], key);
    }

    static TempDir* dir_;
    static FwdProcess* fwd_;
};
TempDir* InvokeTest::dir_ = nullptr;
FwdProcess* InvokeTest::fwd_ = nullptr;

std::string zipOf(const std::vector<std::tuple<std::string, std::string, mode_t>>& files) {
    char path[] = "/tmp/fw-it-zip-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    int err = 0;
    zip_t* z = zip_open(path, ZIP_TRUNCATE, &err);
    std::vector<std::string> keep;
    keep.reserve(files.size());
    for (const auto& [name, content, mode] : files) {
        keep.push_back(content);
        zip_source_t* s = zip_source_buffer(z, keep.back().data(), keep.back().size(), 0);
        zip_int64_t idx = zip_file_add(z, name.c_str(), s, ZIP_FL_OVERWRITE);
        zip_file_set_external_attributes(z, static_cast<zip_uint64_t>(idx), 0, ZIP_OPSYS_UNIX,
                                         static_cast<zip_uint32_t>((0100000 | mode) << 16));
    }
    zip_close(z);
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::remove(path);
    return base64Encode(ss.str());
}

TEST_F(InvokeTest, EveryRuntimeAnswers) {
    struct Case {
        std::string name;
        Json body;
        Json expected;
    } cases[] = {
        {"py-main", actionBody("python:3", "def main(args):\n    return {'hi': args['name']}\n"),
         {{"hi", "World"}}},
        {"py-handler",
         actionBody("python", "def handler(event, context):\n    return {'hi': event['name'], "
                              "'rid': context.aws_request_id == __import__('os').environ['__OW_ACTIVATION_ID']}\n",
                    Json::object(), "handler"),
         {{"hi", "World"}, {"rid", true}}},
        {"py-311", actionBody("python:3.11", "import sys\ndef main(a):\n    return {'v': sys.version_info[0]}\n"),
         {{"v", 3}}},
        {"node-main", actionBody("nodejs:20", "function main(args) { return {hi: args.name}; }"),
         {{"hi", "World"}}},
        {"node-async",
         actionBody("nodejs", "async function main(args) { await new Promise(r => setTimeout(r, 5)); return {hi: args.name}; }"),
         {{"hi", "World"}}},
        {"node-handler",
         actionBody("nodejs:default",
                    "exports.handler = async (event, context) => ({hi: event.name, left: context.getRemainingTimeInMillis() > 0});",
                    Json::object(), "handler"),
         {{"hi", "World"}, {"left", true}}},
        {"native-skeleton",
         Json{{"exec", {{"kind", "blackbox"}, {"image", "openwhisk/dockerskeleton"},
                        {"code", "#!/bin/sh\necho log line\nread input\necho \"{\\\"argv\\\": $1, \\\"stdin\\\": $input}\"\n"}}}},
         {{"argv", {{"name", "World"}}}, {"stdin", {{"name", "World"}}}}},
        {"native-actionloop",
         Json{{"exec", {{"kind", "blackbox"}, {"image", "openwhisk/actionloop-v2"},
                        {"code", "#!/usr/bin/python3\nimport sys, json, os\nout = os.fdopen(3, 'w')\n"
                                 "out.write('{\"ok\":true}\\n'); out.flush()\n"
                                 "for line in sys.stdin:\n    req = json.loads(line)\n"
                                 "    out.write(json.dumps({'hi': req['value']['name']}) + '\\n'); out.flush()\n"}}}},
         {{"hi", "World"}}},
        {"py-zip",
         Json{{"exec", {{"kind", "python:3"},
                        {"code", zipOf({{"__main__.py", "import helper\ndef main(a):\n    return {'hi': helper.greet(a['name'])}\n", 0644},
                                        {"helper.py", "def greet(n):\n    return n\n", 0644}})}}}},
         {{"hi", "World"}}},
        {"node-zip",
         Json{{"exec", {{"kind", "nodejs:20"},
                        {"code", zipOf({{"package.json", R"({"main":"lib/app.js"})", 0644},
                                        {"lib/app.js", "exports.main = (a) => ({hi: a.name});", 0644}})}}}},
         {{"hi", "World"}}},
    };
    for (const auto& k : cases) {
        SCOPED_TRACE(k.name);
        long status = 0;
        Json rec = run(k.name, k.body, Json{{"name", "World"}}, &status);
        EXPECT_EQ(status, 200) << rec.dump();
        EXPECT_EQ(rec["response"]["status"], "success") << rec.dump();
        EXPECT_EQ(rec["response"]["result"], k.expected) << rec.dump();
        EXPECT_EQ(*annotation(rec, "path"), "guest/" + k.name);
    }
}

TEST_F(InvokeTest, WarmReuseIsPerActionAndRevision) {
    // Each process draws a token when it loads the code (pids repeat across pid namespaces).
    const std::string code =
        "import uuid\ncount = 0\ntoken = uuid.uuid4().hex\ndef main(args):\n    global count\n"
        "    count += 1\n    return {'count': count, 'pid': token}\n";
    Json first = run("counter", actionBody("python:3", code));
    Json second = invoke("counter");
    EXPECT_EQ(first["response"]["result"]["count"], 1);
    EXPECT_EQ(second["response"]["result"]["count"], 2);
    EXPECT_EQ(first["response"]["result"]["pid"], second["response"]["result"]["pid"]);
    ASSERT_NE(annotation(first, "initTime"), nullptr);  // the cold start paid for init
    EXPECT_EQ(annotation(second, "initTime"), nullptr);  // the warm one did not
    EXPECT_EQ(*annotation(second, "startKind"), "warm");

    // Another action with the same code never shares the process.
    Json other = run("counter-twin", actionBody("python:3", code));
    EXPECT_EQ(other["response"]["result"]["count"], 1);
    EXPECT_NE(other["response"]["result"]["pid"], first["response"]["result"]["pid"]);

    // An update is a new revision: a new process, counting from 1 again.
    Json updated = run("counter", actionBody("python:3", code + "# v2\n"));
    EXPECT_EQ(updated["response"]["result"]["count"], 1);
    EXPECT_NE(updated["response"]["result"]["pid"], first["response"]["result"]["pid"]);
}

TEST_F(InvokeTest, ParametersMergePackageActionRequest) {
    auto c = fwd_->client();
    ASSERT_TRUE(c.putPackage("merge", Json{{"parameters", Json::parse(R"([{"key":"a","value":"pkg"},{"key":"b","value":"pkg"}])")}}, true));
    Json body = actionBody("python:3", "import os\ndef main(args):\n    return dict(args, env=os.environ.get('SECRET'))\n");
    body["parameters"] = Json::parse(R"([{"key":"b","value":"action"},{"key":"c","value":"action"},
                                         {"key":"SECRET","value":"s3","init":true}])");
    Json rec = run("merge/show", body, Json{{"c", "request"}});
    EXPECT_EQ(rec["response"]["result"],
              Json::parse(R"({"a":"pkg","b":"action","c":"request","env":"s3"})"));
}

// What the controller derives from an action once (docs/architecture.md, life of an activation)
// follows every update: `final` refuses redefined parameters until it is taken away.
TEST_F(InvokeTest, FinalParametersCannotBeRedefinedUntilTheActionChanges) {
    auto c = fwd_->client();
    Json body = actionBody("python:3", "def main(args):\n    return args\n");
    body["parameters"] = Json::parse(R"([{"key":"a","value":1}])");
    body["annotations"] = Json::parse(R"([{"key":"final","value":true}])");
    ASSERT_TRUE(c.putAction("sealed", body, true));
    auto refused = c.invokeAction("sealed", Json{{"a", 2}}, true, false);
    ASSERT_FALSE(refused) << "a final parameter was redefined: " << refused->body;
    EXPECT_EQ(refused.error().code, Errc::InvalidArgument);  // 400
    EXPECT_NE(refused.error().message.find("Request defines parameters that are not allowed"),
              std::string::npos)
        << refused.error().message;
    EXPECT_EQ(invoke("sealed", Json{{"b", 2}})["response"]["result"], Json::parse(R"({"a":1,"b":2})"));
    body["annotations"] = Json::parse(R"([{"key":"final","value":false}])");  // merged by key
    EXPECT_EQ(run("sealed", body, Json{{"a", 2}})["response"]["result"], Json::parse(R"({"a":2})"));
}

TEST_F(InvokeTest, ProvideApiKeyGivesTheFunctionTheCallersKey) {
    Json body = actionBody("python:3", "import os\ndef main(args):\n    return {'key': os.environ.get('__OW_API_KEY')}\n");
    EXPECT_EQ(run("keyed", body)["response"]["result"]["key"], nullptr);
    body["annotations"] = Json::parse(R"([{"key":"provide-api-key","value":true}])");
    EXPECT_EQ(run("keyed", body)["response"]["result"]["key"], fwd_->guestAuth());
}

// What the function is told about its activation (the request line, written as text): every
// __OW_ variable OpenWhisk sets, and parameters that need escaping arrive unchanged.
TEST_F(InvokeTest, TheFunctionSeesItsActivationsIdentityAndItsParameters) {
    Json body = actionBody("python:3",
                           "import os\n"
                           "def main(args):\n"
                           "    env = {k: v for k, v in os.environ.items() if k.startswith('__OW_')}\n"
                           "    return {'env': env, 'args': args}\n");
    body["limits"] = Json{{"timeout", 12345}};
    Json params = {{"quote", "say \"hi\"\n\ttab \\ back"}, {"uni", "caf\u00e9 \u65e5\u672c"},
                   {"nested", {{"list", {1, 2.5, nullptr, true}}}}};
    Json rec = run("owenv", body, params);
    const Json& result = rec["response"]["result"];
    EXPECT_EQ(result["args"], params);
    const Json& env = result["env"];
    EXPECT_EQ(env["__OW_ACTIVATION_ID"], rec["activationId"]);
    EXPECT_EQ(env["__OW_NAMESPACE"], "guest");
    EXPECT_EQ(env["__OW_ACTION_NAME"], "/guest/owenv");
    EXPECT_EQ(env["__OW_ACTION_VERSION"], rec["version"]);
    EXPECT_EQ(env["__OW_DEADLINE"], std::to_string(rec["start"].get<std::int64_t>() + 12345));
    ASSERT_TRUE(env["__OW_TRANSACTION_ID"].is_string());
    EXPECT_EQ(env["__OW_TRANSACTION_ID"].get<std::string>().size(), 32u);
    EXPECT_FALSE(env.contains("__OW_API_KEY"));
}

// fwd's io thread runs at a higher priority than functions (--io-nice, default -10); the
// functions keep fwd's own nice value (0 here), so no tenant's code runs at the raised priority.
TEST_F(InvokeTest, FunctionsDoNotInheritTheIoThreadsPriority) {
    auto niceOf = [](const std::string& statPath) {
        std::ifstream in(statPath);
        std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto close = stat.rfind(')');
        EXPECT_NE(close, std::string::npos) << statPath;
        std::istringstream rest(stat.substr(close + 2));
        std::string field;
        // Fields after the command name start at 3 (state); nice is field 19.
        for (int i = 3; i <= 19 && rest >> field; ++i) {
        }
        return std::stoi(field);
    };
    std::string pid = std::to_string(fwd_->pid());
    EXPECT_EQ(niceOf("/proc/" + pid + "/task/" + pid + "/stat"), -10) << "fwd's io thread";
    Json rec = run("niceness", actionBody("python:3", "import os\ndef main(args):\n    return {'nice': os.getpriority(os.PRIO_PROCESS, 0)}\n"));
    EXPECT_EQ(rec["response"]["result"]["nice"], 0);
}

TEST_F(InvokeTest, NonBlockingAnswers202ThenTheRecordAppears) {
    auto c = fwd_->client();
    ASSERT_TRUE(c.putAction("async", actionBody("nodejs:20", "function main(a) { console.log('side effect'); return {done: true}; }"), true));
    auto r = c.invokeAction("async", Json::object(), false, false);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 202);
    std::string id = (*r->json())["activationId"].get<std::string>();
    EXPECT_EQ(r->header("x-openwhisk-activation-id"), id);
    auto rec = waitForActivation(c, id);
    ASSERT_TRUE(rec) << rec.error().message;
    EXPECT_EQ((*rec)["response"]["result"]["done"], true);
    auto logs = c.activationLogs(id);
    ASSERT_TRUE(logs);
    ASSERT_EQ((*logs)["logs"].size(), 1u);
    EXPECT_TRUE((*logs)["logs"][0].get<std::string>().ends_with(" stdout: side effect"));
    auto result = c.activationResult(id);
    ASSERT_TRUE(result);
    EXPECT_EQ(*result, Json::parse(R"({"result":{"done":true},"success":true,"status":"success"})"));
    client::ActivationQuery q;
    q.name = "async";
    q.docs = true;
    auto list = c.listActivations(q);
    ASSERT_TRUE(list);
    ASSERT_FALSE(list->empty());
    EXPECT_EQ((*list)[0]["activationId"], id);
    EXPECT_TRUE((*list)[0].contains("logs"));
}

TEST_F(InvokeTest, FailuresAreDataWithTheRightStatus) {
    struct Case {
        std::string name;
        Json body;
        long http;
        std::string status;
        std::string error;
        bool timeout;
    } cases[] = {
        {"app-error", actionBody("python:3", "def main(a):\n    return {'error': 'nope'}\n"), 502,
         "application error", "nope", false},
        {"raises", actionBody("python:3", "def main(a):\n    raise ValueError('bad value')\n"), 502,
         "application error", "bad value", false},
        {"crash", actionBody("python:3", "import os\ndef main(a):\n    os._exit(3)\n"), 502,
         "action developer error", "The action did not produce a valid response and exited unexpectedly.", false},
        {"not-a-dict", actionBody("nodejs:20", "function main() { return 42; }"), 502,
         "action developer error", "The action did not return a dictionary or array.", false},
        {"slow", actionBody("python:3", "import time\ndef main(a):\n    time.sleep(30)\n", Json{{"timeout", 500}}),
         502, "action developer error", "The action exceeded its time limits of 500 milliseconds.", true},
        {"never-inits", actionBody("python:3", "import time\ntime.sleep(30)\ndef main(a):\n    return {}\n", Json{{"timeout", 500}}),
         502, "action developer error",
         "The action exceeded its time limits of 500 milliseconds during initialization.", true},
        {"syntax", actionBody("python:3", "def main(a)\n    return {}\n"), 502, "action developer error",
         "", false},
        {"no-main", actionBody("nodejs:20", "function other() {}", Json::object(), "missing"), 502,
         "action developer error", "missing", false},
        {"native-garbage",
         Json{{"exec", {{"kind", "blackbox"}, {"code", "#!/bin/sh\necho not json\n"}}}}, 502,
         "action developer error", "The action did not return a dictionary or array.", false},
    };
    for (const auto& k : cases) {
        SCOPED_TRACE(k.name);
        long http = 0;
        auto start = std::chrono::steady_clock::now();
        Json rec = run(k.name, k.body, Json::object(), &http);
        EXPECT_EQ(http, k.http) << rec.dump();
        EXPECT_EQ(rec["response"]["status"], k.status) << rec.dump();
        std::string err = rec["response"]["result"]["error"].is_string()
                              ? rec["response"]["result"]["error"].get<std::string>()
                              : rec["response"]["result"].dump();
        EXPECT_NE(err.find(k.error), std::string::npos) << err;
        EXPECT_EQ(*annotation(rec, "timeout"), k.timeout);
        if (k.timeout) {
            // Killed at the deadline, not when the function would have finished.
            EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
        }
    }
    // After all that, the daemon still serves and a healthy action still runs.
    Json ok = run("after-failures", actionBody("python:3", "def main(a):\n    return {'ok': 1}\n"));
    EXPECT_EQ(ok["response"]["status"], "success");
}

TEST_F(InvokeTest, ATimedOutInstanceIsReplaced) {
    const std::string code =
        "import time, uuid\ntoken = uuid.uuid4().hex\ndef main(a):\n    if a.get('sleep'):\n"
        "        time.sleep(30)\n    return {'pid': token}\n";
    Json first = run("replaced", actionBody("python:3", code, Json{{"timeout", 500}}));
    Json slow = invoke("replaced", Json{{"sleep", true}});
    EXPECT_EQ(*annotation(slow, "timeout"), true);
    Json after = invoke("replaced");
    EXPECT_EQ(after["response"]["status"], "success");
    EXPECT_NE(after["response"]["result"]["pid"], first["response"]["result"]["pid"]);
}

TEST_F(InvokeTest, LogsAreCapturedPerActivationAndTruncated) {
    Json rec = run("logger", actionBody("python:3",
                                        "import sys\ndef main(a):\n    print('out', a['n'])\n"
                                        "    print('err', a['n'], file=sys.stderr)\n    return {}\n"),
                   Json{{"n", 1}});
    Json second = invoke("logger", Json{{"n", 2}});
    ASSERT_EQ(rec["logs"].size(), 2u) << rec.dump();
    EXPECT_TRUE(rec["logs"][0].get<std::string>().ends_with("stdout: out 1"));
    EXPECT_TRUE(rec["logs"][1].get<std::string>().ends_with("stderr: err 1"));
    ASSERT_EQ(second["logs"].size(), 2u);
    EXPECT_TRUE(second["logs"][0].get<std::string>().ends_with("stdout: out 2"));
    // The OpenWhisk format: RFC3339 timestamp padded to 30 characters, then the stream.
    EXPECT_EQ(rec["logs"][0].get<std::string>().substr(30, 9), " stdout: ");

    Json big = run("chatty", actionBody("python:3",
                                        "def main(a):\n    for i in range(30000):\n        print('x' * 60)\n"
                                        "    return {'done': True}\n",
                                        Json{{"logs", 1}}));
    EXPECT_EQ(big["response"]["result"]["done"], true);
    const Json& lines = big["logs"];
    ASSERT_GT(lines.size(), 1000u);
    EXPECT_LT(lines.size(), 30000u);
    EXPECT_TRUE(lines.back().get<std::string>().ends_with(
        "Logs were truncated because the total bytes size exceeds the limit of 1048576 bytes."));
}

TEST_F(InvokeTest, LargeParametersArriveWhole) {
    // Far more than a pipe holds (64 KiB): the request line goes to the function in pieces.
    std::string blob = randomAlnum(700 * 1024);
    Json body = {{"exec", {{"kind", "python:3"}, {"code",
        "import hashlib\n"
        "def main(a):\n"
        "    b = a['blob']\n"
        "    return {'n': len(b), 'sha': hashlib.sha256(b.encode()).hexdigest()}\n"}}}};
    for (int i = 0; i < 2; ++i) {  // cold, then warm
        Json rec = run("bigparams", body, Json{{"blob", blob}});
        ASSERT_EQ(rec["response"]["status"], "success") << rec.dump().substr(0, 500);
        EXPECT_EQ(rec["response"]["result"]["n"], blob.size());
        EXPECT_EQ(rec["response"]["result"]["sha"], sha256Hex(blob));
    }
}

TEST_F(InvokeTest, LargeRequestsToOneConcurrentInstanceStayInOrder) {
    // Several large request lines to one Node.js instance at once: each must reach the shim
    // whole, none interleaved with another.
    auto c = fwd_->client();
    ASSERT_TRUE(c.putAction("bigtogether", Json{{"exec", {{"kind", "nodejs:20"}, {"code",
        "const crypto = require('crypto');\n"
        "async function main(a) {\n"
        "  await new Promise(r => setTimeout(r, 300));\n"
        "  return {n: a.blob.length, sha: crypto.createHash('sha256').update(a.blob).digest('hex')};\n"
        "}\n"}}}, {"limits", {{"concurrency", 4}}}}, true));
    std::vector<std::string> blobs;
    for (int i = 0; i < 4; ++i) blobs.push_back(randomAlnum(300 * 1024));
    std::vector<std::future<Json>> calls;
    for (int i = 0; i < 4; ++i) {
        calls.push_back(std::async(std::launch::async, [&blobs, i] {
            auto cc = fwd_->client();
            auto r = cc.invokeAction("bigtogether", Json{{"blob", blobs[i]}}, true, false);
            return r ? *r->json() : Json();
        }));
    }
    for (int i = 0; i < 4; ++i) {
        Json rec = calls[i].get();
        ASSERT_EQ(rec["response"]["status"], "success") << rec.dump().substr(0, 500);
        EXPECT_EQ(rec["response"]["result"]["n"], blobs[i].size());
        EXPECT_EQ(rec["response"]["result"]["sha"], sha256Hex(blobs[i]));
    }
}

TEST_F(InvokeTest, ResultOnlyAndArrays) {
    auto c = fwd_->client();
    ASSERT_TRUE(c.putAction("arr", actionBody("nodejs:20", "function main() { return [1, 2, 3]; }"), true));
    auto r = c.invokeAction("arr", Json::object(), true, true);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(*r->json(), Json::parse("[1,2,3]"));
}

}  // namespace
}  // namespace fw::test
