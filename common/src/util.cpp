#include "fw/common/util.hpp"

#include <openssl/evp.h>
#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <vector>

namespace fw {
namespace {

void getrandomAll(unsigned char* buf, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(buf + got, n - got, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error("getrandom failed");
        }
        got += static_cast<std::size_t>(r);
    }
}

// Kernel randomness, fetched 512 bytes at a time per thread: a warm invoke takes three ids,
// and a getrandom call each was measurable. Every byte is handed out once. (fwd never forks
// without exec, so no copy of the buffer can repeat bytes.)
void fillRandom(unsigned char* buf, std::size_t n) {
    thread_local std::array<unsigned char, 512> pool{};
    thread_local std::size_t left = 0;
    while (n > 0) {
        if (left == 0) {
            getrandomAll(pool.data(), pool.size());
            left = pool.size();
        }
        std::size_t take = std::min(n, left);
        unsigned char* from = pool.data() + (pool.size() - left);
        std::memcpy(buf, from, take);
        std::memset(from, 0, take);
        buf += take;
        n -= take;
        left -= take;
    }
}

constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kB64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string toHex(const unsigned char* p, std::size_t n) {
    std::string s(n * 2, '0');
    for (std::size_t i = 0; i < n; ++i) {
        s[2 * i] = kHex[p[i] >> 4];
        s[2 * i + 1] = kHex[p[i] & 0xf];
    }
    return s;
}

int b64Value(char c) {
    auto pos = kB64.find(c);
    return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

}  // namespace

std::int64_t nowMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string randomHex(std::size_t n) {
    std::vector<unsigned char> b(n);
    fillRandom(b.data(), n);
    return toHex(b.data(), n);
}

std::string newActivationId() {
    // The time first, as in UUIDv7 and ULID: records inserted in time order land at the end of the
    // store's id index instead of on a random page of it (docs/architecture.md, "Activation ids").
    std::array<unsigned char, 16> b{};
    auto ms = static_cast<std::uint64_t>(nowMs());
    for (int i = 5; i >= 0; --i, ms >>= 8) b[static_cast<std::size_t>(i)] = static_cast<unsigned char>(ms & 0xff);
    fillRandom(b.data() + 6, b.size() - 6);
    return toHex(b.data(), b.size());
}

std::string newUuid() {
    std::array<unsigned char, 16> b{};
    fillRandom(b.data(), b.size());
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    std::string h = toHex(b.data(), b.size());
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
           "-" + h.substr(20);
}

std::string randomAlnum(std::size_t n) {
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string out;
    out.reserve(n);
    while (out.size() < n) {
        unsigned char c;
        fillRandom(&c, 1);
        if (c >= 248) continue;  // 248 = 4 * 62: reject to keep the draw uniform
        out.push_back(alphabet[c % 62]);
    }
    return out;
}

std::string rfc3339Nano(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    auto ns = duration_cast<nanoseconds>(t.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ns / 1000000000);
    long frac = static_cast<long>(ns % 1000000000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
    return buf;
}

bool looksLikeBase64(std::string_view code) {
    auto b = code.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return false;
    auto e = code.find_last_not_of(" \t\r\n");
    std::string_view t = code.substr(b, e - b + 1);
    if (t.size() % 4 != 0) return false;
    std::size_t pad = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        char c = t[i];
        if (c == '=') {
            if (i + 2 < t.size()) return false;  // padding only in the last two places
            ++pad;
        } else if (pad > 0 || b64Value(c) < 0) {
            return false;
        }
    }
    return pad <= 2;
}

std::optional<std::string> base64Decode(std::string_view in) {
    std::string out;
    out.reserve(in.size() / 4 * 3);
    unsigned buf = 0;
    int bits = 0;
    for (char c : in) {
        if (c == '=' || c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
        int v = b64Value(c);
        if (v < 0) return std::nullopt;
        buf = (buf << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buf >> bits) & 0xff));
        }
    }
    return out;
}

std::string base64Encode(std::string_view in) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned n = (static_cast<unsigned char>(in[i]) << 16) |
                     (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
        out += kB64[(n >> 18) & 63];
        out += kB64[(n >> 12) & 63];
        out += kB64[(n >> 6) & 63];
        out += kB64[n & 63];
    }
    if (i < in.size()) {
        unsigned n = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
        out += kB64[(n >> 18) & 63];
        out += kB64[(n >> 12) & 63];
        out += (i + 1 < in.size()) ? kB64[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string sanitizeUtf8(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    std::size_t i = 0;
    auto cont = [&](std::size_t k) {
        return k < in.size() && (static_cast<unsigned char>(in[k]) & 0xC0) == 0x80;
    };
    while (i < in.size()) {
        auto c = static_cast<unsigned char>(in[i]);
        std::size_t len = 0;
        if (c < 0x80) {
            len = 1;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = cont(i + 1) ? 2 : 0;
        } else if (c >= 0xE0 && c <= 0xEF) {
            auto c1 = i + 1 < in.size() ? static_cast<unsigned char>(in[i + 1]) : 0;
            bool ok = cont(i + 1) && cont(i + 2) && !(c == 0xE0 && c1 < 0xA0) &&
                      !(c == 0xED && c1 >= 0xA0);  // no overlongs, no surrogates
            len = ok ? 3 : 0;
        } else if (c >= 0xF0 && c <= 0xF4) {
            auto c1 = i + 1 < in.size() ? static_cast<unsigned char>(in[i + 1]) : 0;
            bool ok = cont(i + 1) && cont(i + 2) && cont(i + 3) && !(c == 0xF0 && c1 < 0x90) &&
                      !(c == 0xF4 && c1 >= 0x90);
            len = ok ? 4 : 0;
        }
        if (len == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(in.substr(i, len));
            i += len;
        }
    }
    return out;
}

std::string sha256Hex(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
    return toHex(md, len);
}

}  // namespace fw
