// Request parsing helpers for the gateway: path segments, query parameters, typed query values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fw/common/error.hpp"

namespace fw::gateway {

std::string percentDecode(std::string_view s, bool plusIsSpace);

struct Target {
    std::vector<std::string> segments;  // decoded path segments
    bool trailingSlash = false;
    std::map<std::string, std::string> query;  // decoded; the last value of a repeated key wins
};

Target parseTarget(std::string_view target);

// Query values: absent -> fallback; present but malformed -> InvalidArgument naming the key.
Result<bool> queryBool(const Target& t, const std::string& key, bool fallback);
Result<std::int64_t> queryInt(const Target& t, const std::string& key, std::int64_t fallback);

}  // namespace fw::gateway
