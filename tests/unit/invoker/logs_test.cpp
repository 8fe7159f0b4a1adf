#include <gtest/gtest.h>

#include "logs.hpp"

namespace fw::invoker {
namespace {

const auto kT = std::chrono::system_clock::time_point{std::chrono::nanoseconds(1493641200123456789LL)};

TEST(Logs, LineFormatMatchesOpenWhisk) {
    // time padded to 30 characters, then " stdout: msg"
    EXPECT_EQ(formatLogLine(kT, Stream::Stdout, "hello"), "2017-05-01T12:20:00.123456789Z stdout: hello");
    EXPECT_EQ(formatLogLine(kT, Stream::Stderr, "oops"), "2017-05-01T12:20:00.123456789Z stderr: oops");
}

TEST(Logs, SplitsChunksIntoLinesAcrossCalls) {
    LogCollector c;
    c.append(Stream::Stdout, "one\ntw", kT);
    c.append(Stream::Stdout, "o\nthr", kT);
    c.append(Stream::Stderr, "err\r\n", kT);
    auto lines = c.take();
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_TRUE(lines[0].ends_with("stdout: one"));
    EXPECT_TRUE(lines[1].ends_with("stdout: two"));
    EXPECT_TRUE(lines[2].ends_with("stderr: err"));
    EXPECT_TRUE(lines[3].ends_with("stdout: thr"));  // unterminated line flushed at the end
    EXPECT_TRUE(c.take().empty());                   // the next activation starts empty
}

TEST(Logs, TruncatesAtTheLimitWithOpenWhisksLine) {
    LogCollector c(10);
    c.append(Stream::Stdout, "12345\n67890\nabc\n", kT);
    auto lines = c.take();
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_TRUE(lines[1].ends_with("stdout: 67890"));
    EXPECT_TRUE(lines[2].ends_with(
        "Logs were truncated because the total bytes size exceeds the limit of 10 bytes."));
    // A later activation gets the whole limit again.
    c.append(Stream::Stdout, "12345\n", kT);
    EXPECT_EQ(c.take().size(), 1u);
}

TEST(Logs, ZeroLimitKeepsNothingButSaysSo) {
    LogCollector c(0);
    c.append(Stream::Stdout, "x\n", kT);
    auto lines = c.take();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("truncated"), std::string::npos);
    LogCollector quiet(0);
    EXPECT_TRUE(quiet.take().empty());
}

TEST(Logs, InvalidUtf8IsReplaced) {
    LogCollector c;
    c.append(Stream::Stdout, "bad \xff byte\n", kT);
    auto lines = c.take();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_TRUE(lines[0].ends_with("bad \xef\xbf\xbd byte"));
}

}  // namespace
}  // namespace fw::invoker
