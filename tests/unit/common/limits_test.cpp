#include <gtest/gtest.h>

#include "fw/common/json.hpp"
#include "fw/common/limits.hpp"

namespace fw {
namespace {

TEST(Limits, DefaultsAndOverrides) {
    SystemLimits sys;
    auto none = parseLimits(Json(), sys.defaults, sys);
    ASSERT_TRUE(none);
    EXPECT_EQ(*none, sys.defaults);
    auto some = parseLimits(Json{{"timeout", 3000}, {"memory", 128}}, sys.defaults, sys);
    ASSERT_TRUE(some);
    EXPECT_EQ(some->timeoutMs, 3000);
    EXPECT_EQ(some->memoryMb, 128);
    EXPECT_EQ(some->logsMb, sys.defaults.logsMb);
    EXPECT_EQ(toJson(*some), Json::parse(R"({"timeout":3000,"memory":128,"logs":10,"concurrency":1})"));
    auto bounded = parseLimits(Json{{"instances", 3}}, sys.defaults, sys);
    ASSERT_TRUE(bounded);
    EXPECT_EQ(bounded->instances, 3);
    EXPECT_EQ(toJson(*bounded)["instances"], 3);  // shown only when set
}

TEST(Limits, OutOfRangeNamesTheBound) {
    SystemLimits sys;
    struct Case {
        Json limits;
        std::string message;
    } cases[] = {
        {{{"memory", 1024}}, "memory size 1024 MB exceeds allowed threshold of 512 MB"},
        {{{"memory", 64}}, "memory size 64 MB below allowed threshold of 128 MB"},
        {{{"timeout", 400000}}, "duration 400000 milliseconds exceeds allowed threshold of 300000 milliseconds"},
        {{{"timeout", 50}}, "duration 50 milliseconds below allowed threshold of 100 milliseconds"},
        {{{"logs", 11}}, "log size 11 MB exceeds allowed threshold of 10 MB"},
        {{{"concurrency", 101}}, "concurrency 101 exceeds allowed threshold of 100"},
        {{{"concurrency", 0}}, "concurrency 0 below allowed threshold of 1"},
        {{{"instances", -1}}, "instances -1 below allowed threshold of 0"},
        {{{"memory", "256"}}, "limits.memory must be an integer"},
        {{{"timeout", 1.5}}, "limits.timeout must be an integer"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.limits.dump());
        auto r = parseLimits(c.limits, sys.defaults, sys);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, Errc::InvalidArgument);
        EXPECT_NE(r.error().message.find(c.message), std::string::npos) << r.error().message;
    }
    EXPECT_FALSE(parseLimits(Json::array(), sys.defaults, sys));
}

}  // namespace
}  // namespace fw
