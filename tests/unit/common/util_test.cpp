#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "fw/common/util.hpp"

namespace fw {
namespace {

TEST(Util, Base64DetectionFollowsOpenWhisk) {
    struct Case {
        std::string code;
        bool binary;
    } cases[] = {
        {"UEsDBBQAAAAIAA==", true},
        {"  UEsDBBQAAAAIAA==\n", true},
        {"def main(args):\n    return {}", false},
        {"abc", false},
        {"abcd", true},  // short text that happens to be base64: OpenWhisk treats it so too
        {"ab=c", false},
        {"", false},
        {"    ", false},
        {"a===", false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.code);
        EXPECT_EQ(looksLikeBase64(c.code), c.binary);
    }
}

TEST(Util, Base64RoundTrip) {
    for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
        SCOPED_TRACE(s);
        auto enc = base64Encode(s);
        EXPECT_EQ(enc.size() % 4, 0u);
        auto dec = base64Decode(enc);
        ASSERT_TRUE(dec);
        EXPECT_EQ(*dec, s);
    }
    EXPECT_FALSE(base64Decode("ab$d"));
}

TEST(Util, IdsAreRandomAndWellFormed) {
    std::set<std::string> seen, tails;
    std::string previous;
    auto before = nowMs();
    for (int i = 0; i < 1000; ++i) {
        auto id = newActivationId();
        ASSERT_EQ(id.size(), 32u);
        EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
        // Time-ordered: the first 12 digits are the creation time in ms, so ids taken one after
        // another never sort before each other by that prefix.
        EXPECT_GE(id.substr(0, 12), previous.substr(0, std::min<std::size_t>(12, previous.size())));
        previous = id;
        seen.insert(id);
        tails.insert(id.substr(12));
    }
    auto after = nowMs();
    auto stamp = static_cast<std::int64_t>(std::stoull(previous.substr(0, 12), nullptr, 16));
    EXPECT_GE(stamp, before);
    EXPECT_LE(stamp, after);
    EXPECT_EQ(seen.size(), 1000u);
    EXPECT_EQ(tails.size(), 1000u);  // the 80 random bits differ even within one millisecond
    auto uuid = newUuid();
    ASSERT_EQ(uuid.size(), 36u);
    EXPECT_EQ(uuid[14], '4');
    EXPECT_EQ(randomAlnum(64).size(), 64u);
    // Draws larger than the per-thread buffer, and across its refills, never repeat.
    auto a = randomHex(1000), b = randomHex(1000);
    EXPECT_EQ(a.size(), 2000u);
    EXPECT_NE(a, b);
    EXPECT_EQ(a.find(std::string(64, '0')), std::string::npos);
}

TEST(Util, Rfc3339Nano) {
    std::chrono::system_clock::time_point t{std::chrono::nanoseconds(1493641200123456789LL)};
    EXPECT_EQ(rfc3339Nano(t), "2017-05-01T12:20:00.123456789Z");
}

TEST(Util, SanitizeUtf8ReplacesInvalidBytes) {
    EXPECT_EQ(sanitizeUtf8("plain"), "plain");
    EXPECT_EQ(sanitizeUtf8("caf\xc3\xa9"), "caf\xc3\xa9");
    EXPECT_EQ(sanitizeUtf8("a\xff" "b"), "a\xef\xbf\xbd" "b");
    EXPECT_EQ(sanitizeUtf8("\xc3"), "\xef\xbf\xbd");
    EXPECT_EQ(sanitizeUtf8("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
}

TEST(Util, Sha256) {
    EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace fw
