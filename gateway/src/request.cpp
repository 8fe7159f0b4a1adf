#include "request.hpp"

#include <charconv>

namespace fw::gateway {
namespace {

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string percentDecode(std::string_view s, bool plusIsSpace) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 &&
            hexValue(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2])));
            i += 2;
        } else if (c == '+' && plusIsSpace) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

Target parseTarget(std::string_view target) {
    Target t;
    auto q = target.find('?');
    std::string_view path = target.substr(0, q);
    if (q != std::string_view::npos) {
        std::string_view query = target.substr(q + 1);
        while (!query.empty()) {
            auto amp = query.find('&');
            std::string_view pair = query.substr(0, amp);
            if (!pair.empty()) {
                auto eq = pair.find('=');
                std::string key = percentDecode(pair.substr(0, eq), true);
                std::string value =
                    eq == std::string_view::npos ? "" : percentDecode(pair.substr(eq + 1), true);
                t.query[key] = value;
            }
            if (amp == std::string_view::npos) break;
            query.remove_prefix(amp + 1);
        }
    }
    t.trailingSlash = path.size() > 1 && path.back() == '/';
    std::size_t i = 0;
    while (i < path.size()) {
        while (i < path.size() && path[i] == '/') ++i;
        if (i >= path.size()) break;
        auto j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        t.segments.push_back(percentDecode(path.substr(i, j - i), false));
        i = j;
    }
    return t;
}

Result<bool> queryBool(const Target& t, const std::string& key, bool fallback) {
    auto it = t.query.find(key);
    if (it == t.query.end()) return fallback;
    if (it->second == "true" || it->second.empty()) return true;
    if (it->second == "false") return false;
    return Error{Errc::InvalidArgument,
                 "The query parameter '" + key + "' must be true or false, not '" + it->second + "'."};
}

Result<std::int64_t> queryInt(const Target& t, const std::string& key, std::int64_t fallback) {
    auto it = t.query.find(key);
    if (it == t.query.end() || it->second.empty()) return fallback;
    std::int64_t v = 0;
    const auto& s = it->second;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) {
        return Error{Errc::InvalidArgument,
                     "The query parameter '" + key + "' must be an integer, not '" + s + "'."};
    }
    return v;
}

}  // namespace fw::gateway
