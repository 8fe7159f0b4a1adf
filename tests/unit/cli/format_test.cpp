#include "fw/cli/format.hpp"

#include <gtest/gtest.h>

namespace fw::cli {
namespace {

TEST(Table, AlignsColumnsWithoutTrailingSpaces) {
    struct Case {
        std::string name;
        std::vector<std::string> header;
        std::vector<std::vector<std::string>> rows;
        std::string want;
    } cases[] = {
        {"header only", {"NAME", "KIND"}, {}, "NAME  KIND\n"},
        {"widest cell sets the width",
         {"NAME", "KIND", "VERSION"},
         {{"/guest/hello", "nodejs:20", "0.0.1"}, {"/guest/p/a", "python:3", "0.0.12"}},
         "NAME          KIND       VERSION\n"
         "/guest/hello  nodejs:20  0.0.1\n"
         "/guest/p/a    python:3   0.0.12\n"},
        {"empty last cell trims", {"A", "B"}, {{"x", ""}}, "A  B\nx\n"},
        {"utf-8 counts code points",
         {"N", "K"},
         {{"caf\xc3\xa9", "x"}},
         "N     K\ncaf\xc3\xa9  x\n"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        Table t(c.header);
        for (const auto& r : c.rows) t.add(r);
        EXPECT_EQ(t.str(), c.want);
    }
}

TEST(Table, RightAlignedColumnsPadOnTheLeft) {
    Table t({"NAME", "COUNT", "COST"});
    t.alignRight(1);
    t.alignRight(2);
    t.add({"a", "1", "0.5"});
    t.add({"longer", "1234567", "12.25"});
    EXPECT_EQ(t.str(),
              "NAME      COUNT   COST\n"
              "a             1    0.5\n"
              "longer  1234567  12.25\n");
}

TEST(Format, ActionTableUsesExecAnnotationThenExecKind) {
    Json list = Json::parse(R"([
      {"namespace":"guest","name":"hello","version":"0.0.2",
       "annotations":[{"key":"exec","value":"nodejs:20"}],"exec":{"binary":false}},
      {"namespace":"guest/pkg","name":"a","version":"0.0.1","exec":{"kind":"python:3"}},
      {"namespace":"guest","name":"bare"}
    ])");
    EXPECT_EQ(actionTable(list),
              "NAME          KIND       VERSION\n"
              "/guest/hello  nodejs:20  0.0.2\n"
              "/guest/pkg/a  python:3   0.0.1\n"
              "/guest/bare   -          -\n");
    EXPECT_EQ(actionTable(Json::array()), "NAME  KIND  VERSION\n");
}

TEST(Format, ActivationTable) {
    Json list = Json::parse(R"([
      {"namespace":"guest","name":"hello","version":"0.0.1","activationId":"aaa",
       "start":1700000000000,"duration":12,"response":{"status":"success","success":true},
       "annotations":[{"key":"path","value":"guest/hello"},{"key":"kind","value":"nodejs:20"},
                      {"key":"initTime","value":80}]},
      {"namespace":"guest","name":"a","version":"0.0.3","activationId":"bbb",
       "start":1700000001000,"duration":3,"statusCode":1,
       "annotations":[{"key":"path","value":"guest/pkg/a"},{"key":"kind","value":"python:3"},
                      {"key":"startKind","value":"prewarmed"},{"key":"initTime","value":5}]},
      {"namespace":"guest","name":"w","activationId":"ccc","start":1700000002000,"duration":1,
       "statusCode":2,"annotations":[{"key":"kind","value":"python:3"}]},
      {"namespace":"guest","name":"trig","activationId":"ddd","start":1700000003000}
    ])");
    EXPECT_EQ(
        activationTable(list, /*utc=*/true),
        "DATETIME             ACTIVATION ID  KIND       START      DURATION  STATUS            "
        "      ENTITY\n"
        "2023-11-14 22:13:20  aaa            nodejs:20  cold       12ms      success          "
        "       guest/hello:0.0.1\n"
        "2023-11-14 22:13:21  bbb            python:3   prewarmed  3ms       application error"
        "       guest/pkg/a:0.0.3\n"
        "2023-11-14 22:13:22  ccc            python:3   warm       1ms       action developer "
        "error  guest/w\n"
        "2023-11-14 22:13:23  ddd            -          -          -         -                "
        "       guest/trig\n");
}

TEST(Format, PackageAndNamespaceTables) {
    Json pkgs = Json::parse(R"([
      {"namespace":"guest","name":"utils","publish":true,"binding":false},
      {"namespace":"guest","name":"mine","publish":false,"binding":{"namespace":"other","name":"p"}}
    ])");
    EXPECT_EQ(packageTable(pkgs),
              "NAME          SHARED  BINDING\n"
              "/guest/utils  yes     -\n"
              "/guest/mine   no      /other/p\n");
    EXPECT_EQ(namespaceTable(Json::parse(R"(["guest","other"])")), "NAMESPACE\nguest\nother\n");
}

TEST(Format, ActionSummary) {
    Json a = Json::parse(R"({"namespace":"guest","name":"hello","version":"0.0.2",
      "exec":{"kind":"nodejs:20","main":"handler","binary":false},
      "limits":{"timeout":60000,"memory":256,"logs":10,"concurrency":1},
      "parameters":[{"key":"name","value":"x"},{"key":"n","value":1}],
      "annotations":[{"key":"exec","value":"nodejs:20"}],
      "updated":1700000000000})");
    EXPECT_EQ(actionSummary(a, true),
              "action       /guest/hello\n"
              "kind         nodejs:20\n"
              "main         handler\n"
              "version      0.0.2\n"
              "updated      2023-11-14 22:13:20\n"
              "limits       timeout 60000 ms, memory 256 MB, logs 10 MB, concurrency 1\n"
              "parameters   name=\"x\"\n"
              "             n=1\n"
              "annotations  exec=\"nodejs:20\"\n");
}

TEST(Format, ActivationSummary) {
    Json a = Json::parse(R"({"namespace":"guest","name":"hello","version":"0.0.1",
      "activationId":"c7bb","start":1700000000000,"end":1700000000002,"duration":2,
      "response":{"status":"success","success":true,"result":{"payload":"hi"}},
      "logs":["2023-11-14T22:13:20.000000001Z stdout: hello","2023-11-14T22:13:20.1Z stderr: w"],
      "annotations":[{"key":"path","value":"guest/hello"},{"key":"waitTime","value":12},
                     {"key":"initTime","value":80},{"key":"kind","value":"nodejs:20"}]})");
    EXPECT_EQ(activationSummary(a, true),
              "activation  c7bb\n"
              "entity      guest/hello:0.0.1\n"
              "status      success\n"
              "start       2023-11-14 22:13:20 (cold, wait 12 ms, init 80 ms)\n"
              "duration    2 ms\n"
              "result      {\n"
              "              \"payload\": \"hi\"\n"
              "            }\n"
              "logs        2023-11-14T22:13:20.000000001Z stdout: hello\n"
              "            2023-11-14T22:13:20.1Z stderr: w\n");
    EXPECT_EQ(activationHeadline(a), "activation c7bb  guest/hello:0.0.1  success  2ms");
}

TEST(Format, UnexpectedShapesNeverThrow) {
    // Found with a server answering a list where an entity was expected: value() threw.
    const Json odd[] = {
        Json::parse(R"([{"name":"x"}])"),
        Json("text"),
        Json(nullptr),
        Json::parse(R"({"publish":"yes","limits":[1],"parameters":{"a":1},"annotations":"x",
                        "exec":"python","start":"later","duration":"long","response":[],
                        "logs":"one","binding":true,"namespace":7,"name":null})"),
        Json::parse(R"([1,"two",null,{"annotations":[1,{"key":2}],"start":1.5}])"),
    };
    for (const auto& j : odd) {
        SCOPED_TRACE(j.dump());
        EXPECT_NO_THROW({
            actionSummary(j, true);
            packageSummary(j, true);
            activationSummary(j, true);
            actionTable(j);
            activationTable(j, true);
            packageTable(j);
            namespaceTable(j);
            activationHeadline(j);
            activationStatus(j);
            activationStart(j);
            usageReport(j);
            usageCsv(j);
            instancesReport(j);
        });
    }
    EXPECT_EQ(actionSummary(Json::parse(R"([{"name":"x"}])"), true),
              "[\n  {\n    \"name\": \"x\"\n  }\n]\n");
}

// The body of GET /api/v1/namespaces/guest/usage from the API's description, plus a second row.
const char* const kUsageByAction = R"({"namespace":"guest","since":1795800000000,
  "upto":1795886400000,"group":"action",
  "prices":{"perGbSecond":0.0000166667,"perMillionRequests":0.2,"currency":"USD"},
  "rows":[{"action":"pkg/a","invocations":12,"errors":1,"coldStarts":2,"gbSeconds":0.0031,
           "cpuSeconds":0.021,"cost":0.0000027},
          {"action":"hello","invocations":1500,"errors":0,"coldStarts":1,"gbSeconds":37.5,
           "cpuSeconds":12.25,"cost":0.000925}],
  "total":{"invocations":1512,"errors":1,"coldStarts":3,"gbSeconds":37.5031,"cpuSeconds":12.271,
           "cost":0.0009277}})";

const char* const kUsageByHour = R"({"namespace":"guest","since":1795860000000,
  "upto":1795867230500,"group":"hour",
  "prices":{"perGbSecond":0.0000166667,"perMillionRequests":0.2,"currency":"USD"},
  "rows":[{"hour":1795860000000,"invocations":2,"errors":0,"coldStarts":1,"gbSeconds":0.5,
           "cpuSeconds":0.1,"cost":0.0000087},
          {"hour":1795863600000,"invocations":10,"errors":1,"coldStarts":0,"gbSeconds":0,
           "cpuSeconds":0,"cost":0}],
  "total":{"invocations":12,"errors":1,"coldStarts":1,"gbSeconds":0.5,"cpuSeconds":0.1,
           "cost":0.0000087}})";

TEST(Format, UsageReport) {
    struct Case {
        std::string name, body, want;
    } cases[] = {
        {"by action", kUsageByAction,
         "usage of guest from 2026-11-27 17:20 to 2026-11-28 17:20 UTC; prices: 0.0000166667 "
         "USD per GB-second, 0.2 USD per million requests\n"
         "ACTION  INVOCATIONS  ERRORS  COLD  GB-SECONDS  CPU-SECONDS       COST\n"
         "pkg/a            12       1     2      0.0031        0.021  0.0000027\n"
         "hello          1500       0     1     37.5000       12.250  0.0009250\n"
         "TOTAL          1512       1     3     37.5031       12.271  0.0009277\n"},
        {"by hour, in UTC", kUsageByHour,
         "usage of guest from 2026-11-28 10:00 to 2026-11-28 12:00:30.500 UTC; prices: "
         "0.0000166667 USD per GB-second, 0.2 USD per million requests\n"
         "HOUR              INVOCATIONS  ERRORS  COLD  GB-SECONDS  CPU-SECONDS       COST\n"
         "2026-11-28 10:00            2       0     1      0.5000        0.100  0.0000087\n"
         "2026-11-28 11:00           10       1     0      0.0000        0.000  0.0000000\n"
         "TOTAL                      12       1     1      0.5000        0.100  0.0000087\n"},
        {"an inclusive end (fwd's whole hours) reads as the minute it ends at",
         R"({"namespace":"guest","since":1795860000000,"upto":1795867199999,"rows":[],
             "total":{}})",
         "usage of guest from 2026-11-28 10:00 to 2026-11-28 12:00 UTC\n"
         "ACTION  INVOCATIONS  ERRORS  COLD  GB-SECONDS  CPU-SECONDS  COST\n"
         "TOTAL             -       -     -           -            -     -\n"},
        {"no rows", R"({"namespace":"guest","since":0,"upto":3600000,"group":"action",
                        "rows":[],"total":{"invocations":0,"errors":0,"coldStarts":0,
                        "gbSeconds":0,"cpuSeconds":0,"cost":0}})",
         "usage of guest from 1970-01-01 00:00 to 1970-01-01 01:00 UTC\n"
         "ACTION  INVOCATIONS  ERRORS  COLD  GB-SECONDS  CPU-SECONDS       COST\n"
         "TOTAL             0       0     0      0.0000        0.000  0.0000000\n"},
        {"odd shapes print dashes", R"({"rows":[{"action":"x","invocations":"many"},7],
                                        "prices":{"perGbSecond":1}})",
         "usage; prices: 1 per GB-second\n"
         "ACTION  INVOCATIONS  ERRORS  COLD  GB-SECONDS  CPU-SECONDS  COST\n"
         "x                 -       -     -           -            -     -\n"
         "-                 -       -     -           -            -     -\n"
         "TOTAL             -       -     -           -            -     -\n"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(usageReport(Json::parse(c.body)), c.want);
    }
}

TEST(Format, UsageCsv) {
    struct Case {
        std::string name, body, want;
    } cases[] = {
        {"by action: numbers as sent, no total row", kUsageByAction,
         "action,invocations,errors,coldStarts,gbSeconds,cpuSeconds,cost\r\n"
         "pkg/a,12,1,2,0.0031,0.021,0.0000027\r\n"
         "hello,1500,0,1,37.5,12.25,0.000925\r\n"},
        {"by hour: ISO-8601 UTC", kUsageByHour,
         "hour,invocations,errors,coldStarts,gbSeconds,cpuSeconds,cost\r\n"
         "2026-11-28T10:00:00Z,2,0,1,0.5,0.1,0.0000087\r\n"
         "2026-11-28T11:00:00Z,10,1,0,0,0,0\r\n"},
        {"quoting and missing values", R"({"group":"action","rows":[{"action":"a \"b\", c"}]})",
         "action,invocations,errors,coldStarts,gbSeconds,cpuSeconds,cost\r\n"
         "\"a \"\"b\"\", c\",,,,,,\r\n"},
        {"not an object", "[]",
         "action,invocations,errors,coldStarts,gbSeconds,cpuSeconds,cost\r\n"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(usageCsv(Json::parse(c.body)), c.want);
    }
}

TEST(Format, CsvFieldAndUtcMinute) {
    EXPECT_EQ(csvField("plain text"), "plain text");
    EXPECT_EQ(csvField("a,b"), "\"a,b\"");
    EXPECT_EQ(csvField("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(csvField("two\nlines"), "\"two\nlines\"");
    EXPECT_EQ(csvField(""), "");
    EXPECT_EQ(formatUtcMinute(1795860000000), "2026-11-28 10:00");
    EXPECT_EQ(formatUtcMinute(1795860030000), "2026-11-28 10:00:30");
    EXPECT_EQ(formatUtcMinute(1795860000007), "2026-11-28 10:00:00.007");
    EXPECT_EQ(formatUtcMinute(-1), "1969-12-31 23:59:59.999");
}

TEST(Format, InstancesReport) {
    struct Case {
        std::string name, body, want;
    } cases[] = {
        {"full", R"({"actions":[{"action":"pkg/a","starting":0,"idle":1,"busy":2},
                                {"action":"hello","starting":1,"idle":0,"busy":10}],
                     "prewarmed":[{"kind":"python:3","memory":256,"count":2},
                                  {"kind":"nodejs:20","memory":1024,"count":1}],
                     "pool":{"memoryMb":8192,"usedMb":768,"queued":0}})",
         "ACTION  STARTING  IDLE  BUSY\n"
         "pkg/a          0     1     2\n"
         "hello          1     0    10\n"
         "\n"
         "KIND        MEMORY  COUNT\n"
         "python:3    256 MB      2\n"
         "nodejs:20  1024 MB      1\n"
         "\n"
         "pool: 768 of 8192 MB in use, 0 queued\n"},
        {"nothing running", R"({"actions":[],"prewarmed":[],
                                "pool":{"memoryMb":8192,"usedMb":0,"queued":3}})",
         "ACTION  STARTING  IDLE  BUSY\n"
         "\n"
         "KIND  MEMORY  COUNT\n"
         "\n"
         "pool: 0 of 8192 MB in use, 3 queued\n"},
        {"odd shapes", R"({"actions":[{"idle":"x"},3],"prewarmed":{"kind":1},"pool":[]})",
         "ACTION  STARTING  IDLE  BUSY\n"
         "-              -     -     -\n"
         "-              -     -     -\n"
         "\n"
         "KIND  MEMORY  COUNT\n"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(instancesReport(Json::parse(c.body)), c.want);
    }
}

TEST(Format, StripLogLine) {
    struct Case {
        std::string in, want;
    } cases[] = {
        {"2017-05-01T12:00:00.123456789Z stdout: hello", "hello"},
        {"2017-05-01T12:00:00.1Z          stderr: oops: bad", "oops: bad"},
        {"2017-05-01T12:00:00.1Z          stdout:   indented", "  indented"},
        {"2017-05-01T12:00:00.1Z          stdout:", ""},
        {"plain text line", "plain text line"},
        {"2017-05-01T12:00:00Z other: x", "2017-05-01T12:00:00Z other: x"},
        {"", ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.in);
        EXPECT_EQ(stripLogLine(c.in), c.want);
    }
}

TEST(Format, OneLineAndDisplayValue) {
    EXPECT_EQ(oneLine("The request content was malformed:\nThe specified runtime 'x' is bad."),
              "The request content was malformed: The specified runtime 'x' is bad.");
    EXPECT_EQ(oneLine("a\r\n\r\nb\n"), "a b");
    EXPECT_EQ(oneLine("plain"), "plain");
    EXPECT_EQ(displayValue(Json("s")), "s");
    EXPECT_EQ(displayValue(Json::parse(R"({"a":[1,"x"]})")), R"({"a":[1,"x"]})");
}

TEST(Format, ActivationStatusAndStart) {
    struct Case {
        std::string json, status, start;
    } cases[] = {
        {R"({"response":{"status":"whisk internal error"}})", "whisk internal error", "-"},
        {R"({"statusCode":0,"annotations":[{"key":"kind","value":"python:3"}]})", "success",
         "warm"},
        {R"({"statusCode":3})", "whisk internal error", "-"},
        {R"({"statusCode":9})", "-", "-"},
        {R"({"annotations":[{"key":"startKind","value":"warm"},{"key":"initTime","value":1}]})",
         "-", "warm"},
        {R"({"annotations":[{"key":"initTime","value":1}]})", "-", "cold"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.json);
        Json a = Json::parse(c.json);
        EXPECT_EQ(activationStatus(a), c.status);
        EXPECT_EQ(activationStart(a), c.start);
    }
}

}  // namespace
}  // namespace fw::cli
