// Per-activation log capture: bytes from a function's stdout and stderr become OpenWhisk log
// lines ("<RFC3339Nano padded to 30> stdout: msg"), bounded by the action's log limit with
// OpenWhisk's truncation line. Knows nothing of pipes; the instance feeds it bytes.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fw::invoker {

enum class Stream { Stdout, Stderr };

class LogCollector {
public:
    explicit LogCollector(std::size_t limitBytes = 10 * 1024 * 1024) : limit_(limitBytes) {}

    void setLimit(std::size_t limitBytes) { limit_ = limitBytes; }
    // Appends raw bytes of one stream; complete lines are stamped with `now`.
    void append(Stream s, std::string_view bytes,
                std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
    // Adds a line of the platform's own (e.g. why an activation failed), outside the limit.
    void note(std::string_view line);
    // Ends the activation: flushes unterminated lines, adds the truncation line if needed, and
    // returns the lines, leaving the collector empty for the next activation.
    std::vector<std::string> take();
    std::size_t bytes() const { return bytes_; }

private:
    void addLine(Stream s, std::string_view msg, std::chrono::system_clock::time_point t);

    std::size_t limit_;
    std::size_t bytes_ = 0;  // bytes of messages kept so far
    bool truncated_ = false;
    std::string partial_[2];
    std::vector<std::string> lines_;
};

std::string formatLogLine(std::chrono::system_clock::time_point t, Stream s, std::string_view msg);

}  // namespace fw::invoker
