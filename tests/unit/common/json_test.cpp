#include <gtest/gtest.h>

#include "fw/common/json.hpp"

namespace fw {
namespace {

TEST(Json, ParseReportsMalformedInput) {
    EXPECT_TRUE(parseJson(R"({"a":1})"));
    for (const char* bad : {"{", "{\"a\":}", "nul", "[1,]", ""}) {
        SCOPED_TRACE(bad);
        auto r = parseJson(bad);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, Errc::InvalidArgument);
        EXPECT_EQ(r.error().message.rfind("The request content was malformed:\n", 0), 0u);
    }
}

TEST(Json, KeyValuesValidation) {
    EXPECT_TRUE(validateKeyValues(Json::parse(R"([{"key":"a","value":1}])"), "parameters"));
    EXPECT_TRUE(validateKeyValues(Json(), "parameters"));
    for (const char* bad : {R"({"a":1})", R"([1])", R"([{"value":1}])", R"([{"key":1,"value":1}])",
                            R"([{"key":"a"}])"}) {
        SCOPED_TRACE(bad);
        auto r = validateKeyValues(Json::parse(bad), "parameters");
        ASSERT_FALSE(r);
        EXPECT_NE(r.error().message.find("parameters"), std::string::npos);
    }
}

TEST(Json, KeyValuesRoundTripAndSet) {
    Json kv = Json::parse(R"([{"key":"a","value":1},{"key":"b","value":{"x":true}}])");
    Json obj = keyValuesToObject(kv);
    EXPECT_EQ(obj, Json::parse(R"({"a":1,"b":{"x":true}})"));
    EXPECT_EQ(keyValuesToObject(objectToKeyValues(obj)), obj);
    ASSERT_NE(findKeyValue(kv, "b"), nullptr);
    EXPECT_EQ(findKeyValue(kv, "missing"), nullptr);
    setKeyValue(kv, "a", 2);
    setKeyValue(kv, "c", "new");
    EXPECT_EQ(keyValuesToObject(kv), Json::parse(R"({"a":2,"b":{"x":true},"c":"new"})"));
}

TEST(Json, MergeParamsLaterLayersWin) {
    Json pkg = {{"a", 1}, {"b", 1}};
    Json action = {{"b", 2}, {"c", 2}};
    Json request = {{"c", 3}};
    EXPECT_EQ(mergeParams({&pkg, &action, &request}), Json::parse(R"({"a":1,"b":2,"c":3})"));
    EXPECT_EQ(mergeParams({nullptr, &request}), request);
}

}  // namespace
}  // namespace fw
