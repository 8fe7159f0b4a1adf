// Points in time as a person types them on the command line (--since, --upto), turned into the
// epoch milliseconds the API speaks. Pure: "now" is a parameter, and no local time zone is used.
#pragma once

#include <cstdint>
#include <string_view>

#include "fw/common/error.hpp"

namespace fw::cli {

// One of:
//   1795800000000                  epoch milliseconds (as the API and `activation list` use)
//   now                            `nowMs`
//   -90s, -15m, -24h, -7d, -2w     that long before `nowMs`; parts add up: -1d12h
//   2026-11-28                     midnight UTC of that day
//   2026-11-28T10:00Z              ISO-8601 date and time: T or a space between them, seconds
//   2026-11-28 10:00:30.250        and fractions optional, then Z, +HH:MM, +HHMM or +HH (also -);
//   2026-11-28T10:00+01:00         no zone means UTC (as fwctl usage prints its hours)
// Anything else, or a date that does not exist (2026-02-30), is InvalidArgument with a message
// that quotes `text` and shows the accepted forms.
Result<std::int64_t> parseTimeArg(std::string_view text, std::int64_t nowMs);

}  // namespace fw::cli
