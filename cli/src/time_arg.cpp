#include "fw/cli/time_arg.hpp"

#include <charconv>
#include <limits>
#include <optional>
#include <string>

namespace fw::cli {
namespace {

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

Error notATime(std::string_view text) {
    return Error{Errc::InvalidArgument,
                 "'" + std::string(text) +
                     "' is not a time: use epoch milliseconds, a UTC date or time such as "
                     "2026-11-28 or 2026-11-28T10:00Z, or a time ago such as -24h or -7d"};
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's
// days_from_civil), so no time zone database or timegm() is involved.
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

unsigned daysInMonth(std::int64_t y, unsigned m) {
    static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at `pos`.
std::optional<unsigned> digits(std::string_view s, std::size_t& pos, std::size_t n) {
    if (pos + n > s.size()) return std::nullopt;
    unsigned v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!isDigit(s[pos + i])) return std::nullopt;
        v = v * 10 + static_cast<unsigned>(s[pos + i] - '0');
    }
    pos += n;
    return v;
}

bool take(std::string_view s, std::size_t& pos, char c) {
    if (pos < s.size() && s[pos] == c) {
        ++pos;
        return true;
    }
    return false;
}

// -1d12h: one or more <number><unit> parts after the minus sign.
std::optional<std::int64_t> parseAgo(std::string_view s) {
    if (s.size() < 3 || s[0] != '-') return std::nullopt;
    std::int64_t total = 0;
    std::size_t pos = 1;
    while (pos < s.size()) {
        std::int64_t n = 0;
        auto [end, ec] = std::from_chars(s.data() + pos, s.data() + s.size(), n);
        if (ec != std::errc() || end == s.data() + pos || end == s.data() + s.size()) {
            return std::nullopt;
        }
        pos = static_cast<std::size_t>(end - s.data());
        std::int64_t unit = 0;
        switch (s[pos++]) {
            case 's':
                unit = kSecond;
                break;
            case 'm':
                unit = kMinute;
                break;
            case 'h':
                unit = kHour;
                break;
            case 'd':
                unit = kDay;
                break;
            case 'w':
                unit = 7 * kDay;
                break;
            default:
                return std::nullopt;
        }
        // Far beyond any retention, and safely inside int64.
        if (n > 100'000 * kDay / unit) return std::nullopt;
        total += n * unit;
    }
    return total;
}

Error notADate(std::string_view text) {
    return Error{Errc::InvalidArgument, "'" + std::string(text) + "' is not a valid date and time"};
}

// YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|(+|-)HH[:MM|MM]] as epoch ms.
Result<std::int64_t> parseIso(std::string_view s) {
    std::size_t pos = 0;
    auto year = digits(s, pos, 4);
    if (!year || !take(s, pos, '-')) return notATime(s);
    auto month = digits(s, pos, 2);
    if (!month || !take(s, pos, '-')) return notATime(s);
    auto day = digits(s, pos, 2);
    if (!day) return notATime(s);
    if (*month < 1 || *month > 12 || *day < 1 || *day > daysInMonth(*year, *month)) {
        return notADate(s);
    }
    std::int64_t ms = daysFromCivil(*year, *month, *day) * kDay;
    if (pos == s.size()) return ms;

    if (!take(s, pos, 'T') && !take(s, pos, 't') && !take(s, pos, ' ')) return notATime(s);
    auto hour = digits(s, pos, 2);
    if (!hour || !take(s, pos, ':')) return notATime(s);
    auto minute = digits(s, pos, 2);
    if (!minute) return notATime(s);
    unsigned second = 0;
    std::int64_t fraction = 0;
    if (take(s, pos, ':')) {
        auto sec = digits(s, pos, 2);
        if (!sec) return notATime(s);
        second = *sec;
        if (take(s, pos, '.') || take(s, pos, ',')) {
            // Milliseconds from the first three digits; finer ones are dropped.
            std::size_t n = 0;
            for (; pos < s.size() && isDigit(s[pos]); ++pos, ++n) {
                if (n < 3) fraction = fraction * 10 + (s[pos] - '0');
            }
            if (n == 0) return notATime(s);
            for (; n < 3; ++n) fraction *= 10;
        }
    }
    if (*hour > 23 || *minute > 59 || second > 59) return notADate(s);
    ms += *hour * kHour + *minute * kMinute + second * kSecond + fraction;
    if (take(s, pos, 'Z') || take(s, pos, 'z')) {
        if (pos != s.size()) return notATime(s);
        return ms;
    }
    if (pos == s.size()) return ms;
    // A zone offset: the local time is UTC + offset.
    const char sign = s[pos++];
    if (sign != '+' && sign != '-') return notATime(s);
    auto offHour = digits(s, pos, 2);
    if (!offHour) return notATime(s);
    unsigned offMinute = 0;
    if (pos < s.size()) {
        take(s, pos, ':');
        auto m = digits(s, pos, 2);
        if (!m) return notATime(s);
        offMinute = *m;
    }
    if (pos != s.size()) return notATime(s);
    if (*offHour > 23 || offMinute > 59) return notADate(s);
    const std::int64_t offset = *offHour * kHour + offMinute * kMinute;
    return sign == '+' ? ms - offset : ms + offset;
}

}  // namespace

Result<std::int64_t> parseTimeArg(std::string_view text, std::int64_t nowMs) {
    if (text == "now") return nowMs;
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
        std::int64_t ms = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
        if (ec != std::errc() || end != text.data() + text.size()) return notATime(text);
        return ms;
    }
    if (text.starts_with('-')) {
        auto ago = parseAgo(text);
        if (!ago) return notATime(text);
        return nowMs - *ago;
    }
    return parseIso(text);
}

}  // namespace fw::cli
