#include <gtest/gtest.h>

#include "entities.hpp"

namespace fw::controller {
namespace {

const QualifiedName kHello{"guest", {"", "hello"}};

Json createBody() {
    return Json::parse(R"({"exec":{"kind":"python","code":"def main(a):\n  return a"},
                           "parameters":[{"key":"p","value":1}],
                           "annotations":[{"key":"web-export","value":true}]})");
}

TEST(Entities, CreateFillsDefaultsAndAnnotations) {
    SystemLimits sys;
    auto doc = buildActionDoc(kHello, createBody(), std::nullopt, sys, 1000);
    ASSERT_TRUE(doc) << doc.error().message;
    EXPECT_EQ((*doc)["namespace"], "guest");
    EXPECT_EQ((*doc)["name"], "hello");
    EXPECT_EQ((*doc)["version"], "0.0.1");
    EXPECT_EQ((*doc)["exec"]["kind"], "python:3");
    EXPECT_EQ((*doc)["exec"]["binary"], false);
    EXPECT_EQ((*doc)["limits"], toJson(sys.defaults));
    EXPECT_EQ((*doc)["updated"], 1000);
    const Json& ann = (*doc)["annotations"];
    ASSERT_NE(findKeyValue(ann, "exec"), nullptr);
    EXPECT_EQ(*findKeyValue(ann, "exec"), "python:3");
    EXPECT_EQ(*findKeyValue(ann, "provide-api-key"), false);
    EXPECT_EQ(*findKeyValue(ann, "web-export"), true);
}

TEST(Entities, PackagedActionNamespace) {
    SystemLimits sys;
    auto doc = buildActionDoc(QualifiedName{"guest", {"pkg", "a"}}, createBody(), std::nullopt, sys, 1);
    ASSERT_TRUE(doc);
    EXPECT_EQ((*doc)["namespace"], "guest/pkg");
    EXPECT_EQ((*doc)["name"], "a");
}

TEST(Entities, UpdateKeepsOmittedFieldsAndBumpsVersion) {
    SystemLimits sys;
    auto first = buildActionDoc(kHello, createBody(), std::nullopt, sys, 1);
    ASSERT_TRUE(first);
    auto second = buildActionDoc(kHello, Json::parse(R"({"limits":{"timeout":3000}})"), *first, sys, 2);
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_EQ((*second)["version"], "0.0.2");
    EXPECT_EQ((*second)["exec"], (*first)["exec"]);
    EXPECT_EQ((*second)["parameters"], (*first)["parameters"]);
    EXPECT_EQ((*second)["limits"]["timeout"], 3000);
    EXPECT_EQ((*second)["limits"]["memory"], 256);
    auto third = buildActionDoc(kHello, Json::parse(R"({"delAnnotations":["web-export"]})"), *second, sys, 3);
    ASSERT_TRUE(third);
    EXPECT_EQ(findKeyValue((*third)["annotations"], "web-export"), nullptr);
    EXPECT_EQ((*third)["version"], "0.0.3");
}

TEST(Entities, BinaryCodeIsDetected) {
    SystemLimits sys;
    Json body = Json::parse(R"({"exec":{"kind":"nodejs:default","code":"UEsDBBQAAAAIAA=="}})");
    auto doc = buildActionDoc(kHello, body, std::nullopt, sys, 1);
    ASSERT_TRUE(doc);
    EXPECT_EQ((*doc)["exec"]["binary"], true);
    EXPECT_EQ((*doc)["exec"]["kind"], "nodejs:20");
}

TEST(Entities, BadBodiesAreRejectedWithTheirReason) {
    SystemLimits sys;
    sys.maxCodeBytes = 100;
    struct Case {
        std::string body;
        Errc code;
        std::string message;
    } cases[] = {
        {R"([])", Errc::InvalidArgument, "must be a JSON object"},
        {R"({})", Errc::InvalidArgument, "'exec' is required"},
        {R"({"exec":"x"})", Errc::InvalidArgument, "'exec' must be an object"},
        {R"({"exec":{"code":"x"}})", Errc::InvalidArgument, "'exec.kind' is required"},
        {R"({"exec":{"kind":"cobol","code":"x"}})", Errc::InvalidArgument, "Valid values are"},
        {R"({"exec":{"kind":"python:3","code":""}})", Errc::InvalidArgument, "must not be empty"},
        {R"({"exec":{"kind":"python:3","code":5}})", Errc::InvalidArgument, "'exec.code' must be a string"},
        {R"({"exec":{"kind":"python:3","code":"x"},"limits":{"memory":1024}})", Errc::InvalidArgument,
         "exceeds allowed threshold of 512 MB"},
        {R"({"exec":{"kind":"python:3","code":"x"},"parameters":{"a":1}})", Errc::InvalidArgument,
         "'parameters' must be an array"},
        {R"({"exec":{"kind":"python:3","code":"x"},"parameters":[{"value":1}]})", Errc::InvalidArgument,
         "parameters entries must be objects"},
        {R"({"exec":{"kind":"python:3","code":"x"},"publish":"yes"})", Errc::InvalidArgument,
         "'publish' must be a boolean"},
        {R"({"exec":{"kind":"python:3","code":"x"},"limits":{"concurrency":4}})", Errc::InvalidArgument,
         "only supported for nodejs actions"},
        {R"({"exec":{"kind":"blackbox","image":"redis","code":"x"}})", Errc::InvalidArgument,
         "runs no container images"},
        {R"({"exec":{"kind":"blackbox","image":"openwhisk/dockerskeleton"}})", Errc::InvalidArgument,
         "needs 'exec.code'"},
        {R"({"exec":{"kind":"python:3","code":")" + std::string(101, 'x') + R"("}})",
         Errc::PayloadTooLarge, "exec larger than allowed: 101 > 100 bytes."},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.body);
        auto doc = buildActionDoc(kHello, Json::parse(c.body), std::nullopt, sys, 1);
        ASSERT_FALSE(doc);
        EXPECT_EQ(doc.error().code, c.code);
        EXPECT_NE(doc.error().message.find(c.message), std::string::npos) << doc.error().message;
    }
}

TEST(Entities, NodeActionsMayTakeSeveralActivationsAtOnce) {
    SystemLimits sys;
    auto doc = buildActionDoc(kHello, Json::parse(R"({"exec":{"kind":"nodejs:20","code":"x"},"limits":{"concurrency":8}})"),
                              std::nullopt, sys, 1);
    ASSERT_TRUE(doc) << doc.error().message;
    EXPECT_EQ((*doc)["limits"]["concurrency"], 8);
}

TEST(Entities, PackagesRejectBindingsForNow) {
    SystemLimits sys;
    EXPECT_TRUE(buildPackageDoc("guest", "p", Json::parse(R"({"binding":{}})"), std::nullopt, sys, 1));
    auto b = buildPackageDoc("guest", "p", Json::parse(R"({"binding":{"namespace":"x","name":"y"}})"),
                             std::nullopt, sys, 1);
    ASSERT_FALSE(b);
    EXPECT_NE(b.error().message.find("bindings are not supported"), std::string::npos);
}

TEST(Entities, ViewsAndVersions) {
    SystemLimits sys;
    auto doc = buildActionDoc(kHello, createBody(), std::nullopt, sys, 1);
    ASSERT_TRUE(doc);
    EXPECT_FALSE(actionView(*doc, false)["exec"].contains("code"));
    EXPECT_TRUE(actionView(*doc, true)["exec"].contains("code"));
    Json s = actionSummary(*doc);
    EXPECT_EQ(s["exec"], Json::parse(R"({"binary":false})"));
    EXPECT_FALSE(s.contains("parameters"));
    EXPECT_EQ(bumpVersion("0.0.9"), "0.0.10");
    EXPECT_EQ(bumpVersion("1.2.3"), "1.2.4");
}

}  // namespace
}  // namespace fw::controller
