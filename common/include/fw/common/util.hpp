// Small helpers every part needs: random ids, clocks, timestamps, base64 and the OpenWhisk rule
// for recognising base64 (binary) code.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fw {

// Wall clock in epoch milliseconds (activation start/end, `updated`).
std::int64_t nowMs();

// An activation id: 32 lower-case hex characters, the first 12 the wall clock in epoch
// milliseconds (big-endian), the other 20 (80 bits) from the kernel's CSPRNG.
std::string newActivationId();
// n random bytes as 2n hex characters.
std::string randomHex(std::size_t n);
// A random RFC 4122 version-4 UUID string.
std::string newUuid();
// A random string of `n` characters from [A-Za-z0-9] (auth keys).
std::string randomAlnum(std::size_t n);

// RFC3339 with nanoseconds in UTC, e.g. "2017-05-01T12:00:00.123456789Z".
std::string rfc3339Nano(std::chrono::system_clock::time_point t);

// OpenWhisk's isBinaryCode: trimmed non-empty, length % 4 == 0, base64 alphabet with padding.
bool looksLikeBase64(std::string_view code);
std::optional<std::string> base64Decode(std::string_view in);
std::string base64Encode(std::string_view in);

// Replaces every byte sequence that is not valid UTF-8 with U+FFFD, so that text from a function
// (logs, output) can always be stored and sent as JSON.
std::string sanitizeUtf8(std::string_view in);

// Hex SHA-256 (auth keys are stored hashed).
std::string sha256Hex(std::string_view data);

}  // namespace fw
