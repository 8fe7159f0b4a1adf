#include "fw/cli/time_arg.hpp"

#include <gtest/gtest.h>

namespace fw::cli {
namespace {

// 2026-11-29T10:00:00Z
constexpr std::int64_t kNow = 1'795'946'400'000;
constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;

TEST(TimeArg, AcceptedForms) {
    struct Case {
        std::string in;
        std::int64_t want;
    } cases[] = {
        {"1795800000000", 1'795'800'000'000},
        {"0", 0},
        {"now", kNow},
        {"-24h", kNow - kDay},
        {"-7d", kNow - 7 * kDay},
        {"-90s", kNow - 90'000},
        {"-15m", kNow - 15 * 60'000},
        {"-2w", kNow - 14 * kDay},
        {"-1d12h", kNow - 36 * kHour},
        {"-0h", kNow},
        {"2026-11-28", 1'795'824'000'000},
        {"1970-01-01", 0},
        {"2026-11-28T10:00Z", 1'795'860'000'000},
        {"2026-11-28T10:00", 1'795'860'000'000},
        {"2026-11-28 10:00", 1'795'860'000'000},
        {"2026-11-28t10:00z", 1'795'860'000'000},
        {"2026-11-28T10:00:30Z", 1'795'860'030'000},
        {"2026-11-28T10:00:30.25Z", 1'795'860'030'250},
        {"2026-11-28T10:00:30.123456Z", 1'795'860'030'123},
        {"2026-11-28T10:00+01:00", 1'795'860'000'000 - kHour},
        {"2026-11-28T10:00+0130", 1'795'860'000'000 - kHour - 30 * 60'000},
        {"2026-11-28T10:00-05", 1'795'860'000'000 + 5 * kHour},
        {"2024-02-29", 1'709'164'800'000},
        {"2000-02-29T23:59:59Z", 951'868'799'000},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.in);
        auto r = parseTimeArg(c.in, kNow);
        ASSERT_TRUE(r) << r.error().message;
        EXPECT_EQ(*r, c.want);
    }
}

TEST(TimeArg, RejectedFormsSayWhy) {
    const std::string forms =
        "' is not a time: use epoch milliseconds, a UTC date or time such as 2026-11-28 or "
        "2026-11-28T10:00Z, or a time ago such as -24h or -7d";
    struct Case {
        std::string in, message;
    } cases[] = {
        {"", forms},
        {"yesterday", forms},
        {"-24", forms},
        {"-h", forms},
        {"-24x", forms},
        {"-5", forms},
        {"+24h", forms},
        {"24h", forms},
        {"-99999999999999999999d", forms},
        {"99999999999999999999", forms},
        {"2026-11", forms},
        {"2026-1-28", forms},
        {"2026-11-28T10", forms},
        {"2026-11-28T10:00:", forms},
        {"2026-11-28T10:00:00.", forms},
        {"2026-11-28T10:00Zjunk", forms},
        {"2026-11-28T10:00+1", forms},
        {"2026-11-28x", forms},
        {"2026-13-01", "' is not a valid date and time"},
        {"2026-02-29", "' is not a valid date and time"},
        {"2026-11-31", "' is not a valid date and time"},
        {"2026-11-28T24:00Z", "' is not a valid date and time"},
        {"2026-11-28T10:60Z", "' is not a valid date and time"},
        {"2026-11-28T10:00+24:00", "' is not a valid date and time"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.in);
        auto r = parseTimeArg(c.in, kNow);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, Errc::InvalidArgument);
        EXPECT_EQ(r.error().message, "'" + c.in + c.message);
    }
}

}  // namespace
}  // namespace fw::cli
