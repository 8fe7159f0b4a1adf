#include "logs.hpp"

#include "fw/common/util.hpp"

namespace fw::invoker {

std::string formatLogLine(std::chrono::system_clock::time_point t, Stream s, std::string_view msg) {
    std::string ts = rfc3339Nano(t);
    if (ts.size() < 30) ts.append(30 - ts.size(), ' ');
    std::string out = ts;
    out += s == Stream::Stdout ? " stdout: " : " stderr: ";
    out += sanitizeUtf8(msg);
    return out;
}

void LogCollector::addLine(Stream s, std::string_view msg, std::chrono::system_clock::time_point t) {
    if (!msg.empty() && msg.back() == '\r') msg.remove_suffix(1);
    if (truncated_) return;
    if (bytes_ + msg.size() > limit_) {
        truncated_ = true;
        return;
    }
    bytes_ += msg.size();
    lines_.push_back(formatLogLine(t, s, msg));
}

void LogCollector::append(Stream s, std::string_view bytes, std::chrono::system_clock::time_point now) {
    std::string& part = partial_[s == Stream::Stdout ? 0 : 1];
    while (!bytes.empty()) {
        auto nl = bytes.find('\n');
        if (nl == std::string_view::npos) {
            // Keep at most the limit of an unterminated line; the rest would be cut anyway.
            std::size_t room = limit_ + 1 > part.size() ? limit_ + 1 - part.size() : 0;
            part.append(bytes.substr(0, std::min(room, bytes.size())));
            return;
        }
        if (part.empty()) {
            addLine(s, bytes.substr(0, nl), now);
        } else {
            part.append(bytes.substr(0, nl));
            addLine(s, part, now);
            part.clear();
        }
        bytes.remove_prefix(nl + 1);
    }
}

void LogCollector::note(std::string_view line) {
    lines_.push_back(formatLogLine(std::chrono::system_clock::now(), Stream::Stderr, line));
}

std::vector<std::string> LogCollector::take() {
    auto now = std::chrono::system_clock::now();
    for (int i = 0; i < 2; ++i) {
        if (!partial_[i].empty()) {
            addLine(i == 0 ? Stream::Stdout : Stream::Stderr, partial_[i], now);
            partial_[i].clear();
        }
    }
    std::vector<std::string> out = std::move(lines_);
    if (truncated_) {
        out.push_back(formatLogLine(now, Stream::Stderr,
                                    "Logs were truncated because the total bytes size exceeds the "
                                    "limit of " + std::to_string(limit_) + " bytes."));
    }
    lines_.clear();
    bytes_ = 0;
    truncated_ = false;
    return out;
}

}  // namespace fw::invoker
