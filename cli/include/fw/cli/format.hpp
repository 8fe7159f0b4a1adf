// How fwctl shows server answers to a person: aligned tables for lists, "key  value" blocks for
// single entities, and log-line stripping. Pure functions of the JSON the server sent; --json
// output bypasses all of this.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fw/common/json.hpp"

namespace fw::cli {

// Columns separated by two spaces, each as wide as its widest cell (counted in UTF-8 code
// points); no trailing spaces. The header row is printed as given. Columns are left-aligned
// unless alignRight() says otherwise (numbers), and then their header is right-aligned too.
class Table {
  public:
    explicit Table(std::vector<std::string> header);
    void add(std::vector<std::string> row);
    void alignRight(std::size_t column);
    std::string str() const;

  private:
    std::vector<std::vector<std::string>> rows_;
    std::vector<bool> right_;
};

// Lookups that never throw, for server JSON of an unexpected shape: `j[key]` when `j` is an
// object that has it, else null; and whether `j[key]` is the boolean true.
const Json& field(const Json& j, std::string_view key);
bool isTrue(const Json& j, std::string_view key);

// "2024-01-02 03:04:05" in local time, or UTC when `utc`.
std::string formatTime(std::int64_t epochMs, bool utc);
// JSON for a person: strings unquoted, everything else compact JSON.
std::string displayValue(const Json& v);
// The one-line text of an error message (server messages may hold newlines).
std::string oneLine(std::string_view message);

// Lists. Each takes the array the server returned.
std::string actionTable(const Json& actions);
std::string activationTable(const Json& activations, bool utc);
std::string packageTable(const Json& packages);
std::string namespaceTable(const Json& namespaces);

// Single entities as "key  value" lines (anything but an object: indented JSON).
std::string actionSummary(const Json& action, bool utc);
std::string packageSummary(const Json& pkg, bool utc);
std::string activationSummary(const Json& activation, bool utc);

// fwctl usage: the body of GET .../usage. The report is a line naming the namespace, the period
// and the prices, then a table (ACTION or HOUR, INVOCATIONS, ERRORS, COLD, GB-SECONDS,
// CPU-SECONDS, COST) with a TOTAL row. Times are UTC; GB-seconds are shown to 4 decimals,
// CPU-seconds to 3 and cost to 7. The CSV (RFC 4180: CRLF line ends, quoted when needed) has a
// header row of the API's field names, no TOTAL row, the hour as 2026-11-28T10:00:00Z and the
// numbers as sent (no rounding, never in exponent form).
std::string usageReport(const Json& usage);
std::string usageCsv(const Json& usage);
// fwctl instance list: the body of GET .../instances as an ACTION/STARTING/IDLE/BUSY table, a
// KIND/MEMORY/COUNT table of prewarmed instances, and a line about the memory pool.
std::string instancesReport(const Json& instances);

// "2026-11-28 10:00" (UTC), with ":SS" or ":SS.mmm" only when they are not zero.
std::string formatUtcMinute(std::int64_t epochMs);
// One RFC 4180 field: quoted (with doubled quotes) when it holds a comma, quote, CR or LF.
std::string csvField(std::string_view text);

// "activation <id>  <entity>  <status>  <duration>ms": the first line of a polled activation.
std::string activationHeadline(const Json& activation);

// "2017-05-01T12:00:00.123Z    stdout: hello" -> "hello"; other lines are returned unchanged.
std::string stripLogLine(std::string_view line);

// The status word of an activation: response.status, else the numeric statusCode as a word.
std::string activationStatus(const Json& activation);
// "cold", "warm" or "prewarmed": the startKind annotation, else cold when initTime is present.
std::string activationStart(const Json& activation);

}  // namespace fw::cli
