#include "fw/cli/action_body.hpp"

#include <gtest/gtest.h>

#include "fw/common/util.hpp"

namespace fw::cli {
namespace {

TEST(ParamValue, JsonWhenItParsesElseString) {
    struct Case {
        std::string in;
        Json want;
    } cases[] = {
        {"42", 42},
        {"-1.5", -1.5},
        {"true", true},
        {"null", nullptr},
        {R"({"a":[1,2]})", Json{{"a", {1, 2}}}},
        {R"(["x"])", Json::array({"x"})},
        {R"("quoted")", "quoted"},
        {"hello", "hello"},
        {"hello world", "hello world"},
        {"", ""},
        {"{not json", "{not json"},
        {"12abc", "12abc"},
        {" 7 ", 7},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.in);
        EXPECT_EQ(parseParamValue(c.in), c.want);
    }
}

TEST(KeyValues, FileThenPairsLaterWins) {
    struct Case {
        std::string name;
        std::optional<std::string> file;
        KeyValuePairs pairs;
        bool ok;
        Json want;
    } cases[] = {
        {"nothing", std::nullopt, {}, true, nullptr},
        {"pairs",
         std::nullopt,
         {{"a", "1"}, {"b", "x"}},
         true,
         Json::parse(R"([{"key":"a","value":1},{"key":"b","value":"x"}])")},
        {"repeated key keeps the last",
         std::nullopt,
         {{"a", "1"}, {"a", "2"}},
         true,
         Json::parse(R"([{"key":"a","value":2}])")},
        {"file",
         R"({"a":{"n":1},"b":true})",
         {},
         true,
         Json::parse(R"([{"key":"a","value":{"n":1}},{"key":"b","value":true}])")},
        {"pairs override the file",
         R"({"a":1,"b":2})",
         {{"b", "three"}, {"c", "4"}},
         true,
         Json::parse(
             R"([{"key":"a","value":1},{"key":"b","value":"three"},{"key":"c","value":4}])")},
        {"empty file object", "{}", {}, true, Json::array()},
        {"file not an object", "[1]", {}, false, nullptr},
        {"file not JSON", "a=1", {}, false, nullptr},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        auto r = buildKeyValues(c.file, "params.json", c.pairs);
        ASSERT_EQ(bool(r), c.ok);
        if (c.ok) {
            EXPECT_EQ(*r, c.want);
        } else {
            EXPECT_NE(r.error().message.find("params.json"), std::string::npos);
        }
    }
}

TEST(KindForFile, FromExtension) {
    struct Case {
        std::string file;
        bool dir;
        std::string want;  // "" for an error
        std::string errorMentions;
    } cases[] = {
        {"hello.py", false, "python:3", ""},
        {"dir/Hello.PY", false, "python:3", ""},
        {"hello.js", false, "nodejs:20", ""},
        {"hello.mjs", false, "nodejs:20", ""},
        {"a.b/hello.cjs", false, "nodejs:20", ""},
        {"app.zip", false, "", "--kind"},
        {"src", true, "", "--kind"},
        {"main.rb", false, "", "--native"},
        {"exec", false, "", "from its extension"},
        {".py", false, "", "--kind"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.file);
        auto k = kindForFile(c.file, c.dir);
        if (c.want.empty()) {
            ASSERT_FALSE(k);
            EXPECT_EQ(k.error().code, Errc::InvalidArgument);
            EXPECT_NE(k.error().message.find(c.errorMentions), std::string::npos)
                << k.error().message;
            EXPECT_NE(k.error().message.find(c.file), std::string::npos) << "names the file";
        } else {
            ASSERT_TRUE(k) << k.error().message;
            EXPECT_EQ(*k, c.want);
        }
    }
}

TEST(CodeFromBytes, TextStaysTextOthersAreBase64) {
    struct Case {
        std::string name;
        std::string bytes, file;
        bool base64, archive;
    } cases[] = {
        {"python source", "def main(args):\n    return args\n", "a.py", false, false},
        {"utf-8 text", "print('h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80')\n", "a.py", false,
         false},
        {"empty file", "", "a.js", false, false},
        {"ELF executable",
         std::string("\x7f"
                     "ELF\x02\x01\x01\0\0\0",
                     10),
         "exec", true, false},
        {"latin-1 byte", "caf\xe9", "a.py", true, false},
        {"truncated utf-8", "ab\xe2\x82", "a.py", true, false},
        {"overlong utf-8", "\xc0\xaf", "a.py", true, false},
        {"surrogate", "\xed\xa0\x80", "a.py", true, false},
        {"zip by extension", "anything", "app.zip", true, true},
        {"zip by magic", std::string("PK\x03\x04rest", 8), "bundle", true, true},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        auto code = codeFromBytes(c.bytes, c.file);
        EXPECT_EQ(code.base64, c.base64);
        EXPECT_EQ(code.archive, c.archive);
        if (c.base64) {
            EXPECT_EQ(base64Decode(code.code), c.bytes);
            EXPECT_TRUE(c.bytes.empty() || looksLikeBase64(code.code))
                << "the server must recognise it as binary";
        } else {
            EXPECT_EQ(code.code, c.bytes);
        }
    }
}

Code text(std::string s) { return Code{std::move(s), false, false, false}; }
Code zipped(bool dir) { return Code{"UEsDBA==", true, true, dir}; }

TEST(ActionBody, CreateAndUpdate) {
    struct Case {
        std::string name;
        ActionSpec spec;
        std::optional<Code> code;
        bool update;
        std::string want;  // JSON, or "error: <substring>"
    } cases[] = {
        {"create from a .py file",
         {.file = "hello.py"},
         text("def main(a): return a"),
         false,
         R"({"exec":{"kind":"python:3","code":"def main(a): return a"}})"},
        {"create with everything",
         {.file = "hello.js",
          .main = "handler",
          .parameters = Json::parse(R"([{"key":"a","value":1}])"),
          .annotations = Json::parse(R"([{"key":"x","value":"y"}])"),
          .timeoutMs = 3000,
          .memoryMb = 128,
          .logsMb = 5,
          .concurrency = 2},
         text("c"),
         false,
         R"({"exec":{"kind":"nodejs:20","code":"c","main":"handler"},
             "parameters":[{"key":"a","value":1}],
             "annotations":[{"key":"x","value":"y"}],
             "limits":{"timeout":3000,"memory":128,"logs":5,"concurrency":2}})"},
        {"explicit kind wins over the extension",
         {.file = "a.py", .kind = "python:3.11"},
         text("c"),
         false,
         R"({"exec":{"kind":"python:3.11","code":"c"}})"},
        {"zip needs a kind", {.file = "app.zip"}, zipped(false), false, "error: --kind"},
        {"zip with kind",
         {.file = "app.zip", .kind = "nodejs:20"},
         zipped(false),
         false,
         R"({"exec":{"kind":"nodejs:20","code":"UEsDBA=="}})"},
        {"directory needs a kind", {.file = "src"}, zipped(true), false, "error: directory"},
        {"native file",
         {.file = "exec", .native = true},
         Code{"f0VMRg==", true, false, false},
         false,
         R"({"exec":{"kind":"blackbox","image":"openwhisk/dockerskeleton","code":"f0VMRg=="}})"},
        {"native script keeps text",
         {.file = "run.sh", .native = true},
         text("#!/bin/sh\n"),
         false,
         R"({"exec":{"kind":"blackbox","image":"openwhisk/dockerskeleton","code":"#!/bin/sh\n"}})"},
        {"native without code", {.native = true}, std::nullopt, false, "error: --native needs"},
        {"docker image alone",
         {.docker = "me/img"},
         std::nullopt,
         false,
         R"({"exec":{"kind":"blackbox","image":"me/img"}})"},
        {"actionloop image with code",
         {.file = "bin", .docker = "openwhisk/actionloop-v2"},
         zipped(false),
         false,
         R"({"exec":{"kind":"blackbox","image":"openwhisk/actionloop-v2","code":"UEsDBA=="}})"},
        {"kind with native",
         {.file = "x", .kind = "python:3", .native = true},
         text("x"),
         false,
         "error: --kind cannot"},
        {"create without code", {}, std::nullopt, false, "error: action create needs the code"},
        {"sequence",
         {.sequence = {"a", "pkg/b", "/other/c"}},
         std::nullopt,
         false,
         R"({"exec":{"kind":"sequence","components":["/_/a","/_/pkg/b","/other/c"]}})"},
        {"sequence with a file",
         {.file = "a.py", .sequence = {"a"}},
         text("x"),
         false,
         "error: --sequence takes no FILE"},
        {"web true",
         {.file = "a.py", .web = "true"},
         text("x"),
         false,
         R"({"exec":{"kind":"python:3","code":"x"},"annotations":[
             {"key":"web-export","value":true},{"key":"raw-http","value":false},
             {"key":"final","value":true}]})"},
        {"web raw, an explicit -a wins",
         {.file = "a.py",
          .annotations = Json::parse(R"([{"key":"final","value":false}])"),
          .web = "raw"},
         text("x"),
         false,
         R"({"exec":{"kind":"python:3","code":"x"},"annotations":[
             {"key":"web-export","value":true},{"key":"raw-http","value":true},
             {"key":"final","value":false}]})"},
        {"bad web", {.file = "a.py", .web = "maybe"}, text("x"), false, "error: --web"},

        {"update sends only what was given",
         {.parameters = Json::parse(R"([{"key":"a","value":1}])")},
         std::nullopt,
         true,
         R"({"parameters":[{"key":"a","value":1}]})"},
        {"update a limit only",
         {.memoryMb = 256},
         std::nullopt,
         true,
         R"({"limits":{"memory":256}})"},
        {"update the code",
         {.file = "a.js"},
         text("c"),
         true,
         R"({"exec":{"kind":"nodejs:20","code":"c"}})"},
        {"update with nothing", {}, std::nullopt, true, "error: action update needs something"},
        {"update main without code", {.main = "m"}, std::nullopt, true, "error: --main needs"},
        {"update kind without code",
         {.kind = "python:3"},
         std::nullopt,
         true,
         "error: --kind needs"},
        {"update clears parameters",
         {.parameters = Json::array()},
         std::nullopt,
         true,
         R"({"parameters":[]})"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        auto body = buildActionBody(c.spec, c.code, c.update, "_");
        if (c.want.starts_with("error: ")) {
            ASSERT_FALSE(body) << body->dump();
            EXPECT_EQ(body.error().code, Errc::InvalidArgument);
            EXPECT_NE(body.error().message.find(c.want.substr(7)), std::string::npos)
                << body.error().message;
        } else {
            ASSERT_TRUE(body) << body.error().message;
            EXPECT_EQ(*body, Json::parse(c.want));
        }
    }
}

TEST(ActionBody, SequenceComponentsUseTheDefaultNamespace) {
    auto body = buildActionBody({.sequence = {"a", "/_/b"}}, std::nullopt, false, "guest");
    ASSERT_TRUE(body);
    EXPECT_EQ((*body)["exec"]["components"], Json::parse(R"(["/guest/a","/guest/b"])"));
    auto bad = buildActionBody({.sequence = {"a/b/c/d"}}, std::nullopt, false, "_");
    EXPECT_FALSE(bad);
}

TEST(PackageBody, CreateAndUpdate) {
    struct Case {
        std::string name;
        PackageSpec spec;
        bool update;
        std::string want;
    } cases[] = {
        {"create private", {}, false, R"({"publish":false})"},
        {"create shared with params",
         {.parameters = Json::parse(R"([{"key":"a","value":1}])"), .shared = true},
         false,
         R"({"publish":true,"parameters":[{"key":"a","value":1}]})"},
        {"update nothing", {}, true, "{}"},
        {"update unshare", {.shared = false}, true, R"({"publish":false})"},
        {"update annotations",
         {.annotations = Json::parse(R"([{"key":"d","value":"x"}])")},
         true,
         R"({"annotations":[{"key":"d","value":"x"}]})"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(buildPackageBody(c.spec, c.update), Json::parse(c.want));
    }
}

}  // namespace
}  // namespace fw::cli
