#include "fw/cli/format.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>

namespace fw::cli {
namespace {

std::size_t displayWidth(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s) {
        if ((c & 0xC0) != 0x80) ++n;  // count lead bytes only
    }
    return n;
}

std::string str(const Json& j, std::string_view key, std::string_view fallback = "") {
    if (!j.is_object()) return std::string(fallback);
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::string(fallback);
    return it->is_string() ? it->get<std::string>() : it->dump();
}

const Json* annotation(const Json& entity, std::string_view key) {
    if (!entity.is_object()) return nullptr;
    auto it = entity.find("annotations");
    if (it == entity.end()) return nullptr;
    return findKeyValue(*it, key);
}

std::string fullName(const Json& entity) {
    std::string ns = str(entity, "namespace");
    std::string name = str(entity, "name");
    return ns.empty() ? name : "/" + ns + "/" + name;
}

// An entity's kind: the "exec" annotation (list summaries carry no exec.kind), else exec.kind.
std::string actionKind(const Json& action) {
    if (const Json* k = annotation(action, "exec"); k != nullptr && k->is_string()) {
        return k->get<std::string>();
    }
    if (action.is_object() && action.contains("exec")) {
        std::string k = str(action["exec"], "kind");
        if (!k.empty()) return k;
    }
    return "-";
}

// "key  value" lines with the keys padded to one width; multi-line values are indented.
class Block {
  public:
    void add(std::string key, std::string value) {
        width_ = std::max(width_, displayWidth(key));
        lines_.emplace_back(std::move(key), std::move(value));
    }
    std::string str() const {
        std::string out;
        for (const auto& [k, v] : lines_) {
            std::string pad(width_ - displayWidth(k) + 2, ' ');
            out += k;
            std::size_t start = 0;
            bool first = true;
            do {
                auto nl = v.find('\n', start);
                auto piece =
                    v.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
                if (first) {
                    if (!piece.empty()) out += pad + piece;
                } else {
                    out += "\n" + std::string(width_ + 2, ' ') + piece;
                }
                first = false;
                start = nl == std::string::npos ? std::string::npos : nl + 1;
            } while (start != std::string::npos);
            out += "\n";
        }
        return out;
    }

  private:
    std::size_t width_ = 0;
    std::vector<std::pair<std::string, std::string>> lines_;
};

std::string keyValues(const Json& kv) {
    if (!kv.is_array() || kv.empty()) return "";
    std::string out;
    for (const auto& e : kv) {
        if (!out.empty()) out += "\n";
        out +=
            str(e, "key") + "=" +
            (e.contains("value") ? e["value"].dump(-1, ' ', false, Json::error_handler_t::replace)
                                 : "");
    }
    return out;
}

std::string limitsText(const Json& limits) {
    if (!limits.is_object()) return "";
    std::string out;
    auto part = [&](const char* key, const char* label, const char* unit) {
        auto it = limits.find(key);
        if (it == limits.end() || it->is_null()) return;
        if (!out.empty()) out += ", ";
        out += std::string(label) + " " + displayValue(*it) + unit;
    };
    part("timeout", "timeout", " ms");
    part("memory", "memory", " MB");
    part("logs", "logs", " MB");
    part("concurrency", "concurrency", "");
    return out;
}

std::string bindingText(const Json& pkg) {
    auto it = pkg.find("binding");
    if (it == pkg.end() || !it->is_object() || it->empty()) return "";
    return "/" + str(*it, "namespace") + "/" + str(*it, "name");
}

std::optional<std::int64_t> number(const Json& j, std::string_view key) {
    if (!j.is_object()) return std::nullopt;
    auto it = j.find(key);
    if (it == j.end() || !it->is_number()) return std::nullopt;
    return it->get<std::int64_t>();
}

}  // namespace

const Json& field(const Json& j, std::string_view key) {
    static const Json kNull;
    if (!j.is_object()) return kNull;
    auto it = j.find(key);
    return it == j.end() ? kNull : *it;
}

bool isTrue(const Json& j, std::string_view key) {
    const Json& v = field(j, key);
    return v.is_boolean() && v.get<bool>();
}

Table::Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }

void Table::add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

void Table::alignRight(std::size_t column) {
    if (right_.size() <= column) right_.resize(column + 1, false);
    right_[column] = true;
}

std::string Table::str() const {
    std::vector<std::size_t> widths;
    for (const auto& row : rows_) {
        if (widths.size() < row.size()) widths.resize(row.size(), 0);
        for (std::size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], displayWidth(row[i]));
        }
    }
    std::string out;
    for (const auto& row : rows_) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            std::string pad(widths[i] - displayWidth(row[i]), ' ');
            if (i < right_.size() && right_[i]) {
                line += pad + row[i];
            } else {
                line += row[i];
                if (i + 1 < row.size()) line += pad;
            }
            if (i + 1 < row.size()) line += "  ";
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    return out;
}

std::string formatTime(std::int64_t epochMs, bool utc) {
    std::time_t t = static_cast<std::time_t>(epochMs / 1000);
    std::tm tm{};
    if (utc) {
        gmtime_r(&t, &tm);
    } else {
        localtime_r(&t, &tm);
    }
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

std::string displayValue(const Json& v) {
    if (v.is_string()) return v.get<std::string>();
    return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string oneLine(std::string_view message) {
    std::string out;
    bool space = false;
    for (char c : message) {
        if (c == '\n' || c == '\r') {
            space = !out.empty();
            continue;
        }
        if (space && c != ' ') out += ' ';
        space = false;
        out += c;
    }
    return out;
}

std::string actionTable(const Json& actions) {
    Table t({"NAME", "KIND", "VERSION"});
    if (actions.is_array()) {
        for (const auto& a : actions) t.add({fullName(a), actionKind(a), str(a, "version", "-")});
    }
    return t.str();
}

std::string activationStatus(const Json& a) {
    if (a.is_object()) {
        if (auto r = a.find("response"); r != a.end() && r->is_object()) {
            std::string s = str(*r, "status");
            if (!s.empty()) return s;
        }
        if (auto code = number(a, "statusCode")) {
            switch (*code) {
                case 0:
                    return "success";
                case 1:
                    return "application error";
                case 2:
                    return "action developer error";
                case 3:
                    return "whisk internal error";
                default:
                    break;
            }
        }
    }
    return "-";
}

std::string activationStart(const Json& a) {
    if (const Json* s = annotation(a, "startKind"); s != nullptr && s->is_string()) {
        return s->get<std::string>();
    }
    if (annotation(a, "initTime") != nullptr) return "cold";
    if (annotation(a, "kind") != nullptr) return "warm";
    return "-";
}

namespace {
std::string activationEntity(const Json& a) {
    std::string entity;
    if (const Json* p = annotation(a, "path"); p != nullptr && p->is_string()) {
        entity = p->get<std::string>();
    } else {
        std::string ns = str(a, "namespace");
        entity = ns.empty() ? str(a, "name") : ns + "/" + str(a, "name");
    }
    if (entity.empty()) return "-";
    std::string version = str(a, "version");
    return version.empty() ? entity : entity + ":" + version;
}

std::string kindOf(const Json& a) {
    const Json* k = annotation(a, "kind");
    return k != nullptr && k->is_string() ? k->get<std::string>() : "-";
}

std::string durationText(const Json& a) {
    auto d = number(a, "duration");
    return d ? std::to_string(*d) + "ms" : "-";
}
}  // namespace

std::string activationTable(const Json& activations, bool utc) {
    Table t({"DATETIME", "ACTIVATION ID", "KIND", "START", "DURATION", "STATUS", "ENTITY"});
    if (activations.is_array()) {
        for (const auto& a : activations) {
            auto start = number(a, "start");
            t.add({start ? formatTime(*start, utc) : "-", str(a, "activationId", "-"), kindOf(a),
                   activationStart(a), durationText(a), activationStatus(a), activationEntity(a)});
        }
    }
    return t.str();
}

std::string packageTable(const Json& packages) {
    Table t({"NAME", "SHARED", "BINDING"});
    if (packages.is_array()) {
        for (const auto& p : packages) {
            bool shared = isTrue(p, "publish");
            std::string binding = p.is_object() ? bindingText(p) : "";
            t.add({fullName(p), shared ? "yes" : "no", binding.empty() ? "-" : binding});
        }
    }
    return t.str();
}

std::string namespaceTable(const Json& namespaces) {
    Table t({"NAMESPACE"});
    if (namespaces.is_array()) {
        for (const auto& n : namespaces) t.add({displayValue(n)});
    }
    return t.str();
}

std::string actionSummary(const Json& a, bool utc) {
    if (!a.is_object()) return a.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
    Block b;
    b.add("action", fullName(a));
    b.add("kind", actionKind(a));
    if (a.contains("exec")) {
        const Json& exec = a["exec"];
        if (std::string image = str(exec, "image"); !image.empty()) b.add("image", image);
        if (std::string main = str(exec, "main"); !main.empty()) b.add("main", main);
        if (exec.is_object() && exec.contains("components")) {
            std::string comps;
            for (const auto& c : exec["components"])
                comps += (comps.empty() ? "" : ", ") + displayValue(c);
            b.add("components", comps);
        }
    }
    b.add("version", str(a, "version", "-"));
    if (auto updated = number(a, "updated")) b.add("updated", formatTime(*updated, utc));
    if (std::string l = limitsText(field(a, "limits")); !l.empty()) b.add("limits", l);
    if (auto kv = keyValues(field(a, "parameters")); !kv.empty()) b.add("parameters", kv);
    if (auto kv = keyValues(field(a, "annotations")); !kv.empty()) b.add("annotations", kv);
    return b.str();
}

std::string packageSummary(const Json& p, bool utc) {
    if (!p.is_object()) return p.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
    Block b;
    b.add("package", fullName(p));
    b.add("shared", isTrue(p, "publish") ? "yes" : "no");
    if (std::string binding = bindingText(p); !binding.empty()) b.add("binding", binding);
    b.add("version", str(p, "version", "-"));
    if (auto updated = number(p, "updated")) b.add("updated", formatTime(*updated, utc));
    if (auto kv = keyValues(field(p, "parameters")); !kv.empty()) b.add("parameters", kv);
    if (auto kv = keyValues(field(p, "annotations")); !kv.empty()) b.add("annotations", kv);
    if (auto it = p.find("actions"); it != p.end() && it->is_array()) {
        std::string names;
        for (const auto& a : *it) names += (names.empty() ? "" : "\n") + str(a, "name");
        b.add("actions", names);
    }
    return b.str();
}

std::string activationSummary(const Json& a, bool utc) {
    if (!a.is_object()) return a.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
    Block b;
    b.add("activation", str(a, "activationId", "-"));
    b.add("entity", activationEntity(a));
    b.add("status", activationStatus(a));
    if (auto start = number(a, "start")) {
        std::string when = formatTime(*start, utc);
        std::string how = activationStart(a);
        if (const Json* w = annotation(a, "waitTime"); w != nullptr && w->is_number()) {
            how += ", wait " + w->dump() + " ms";
        }
        if (const Json* i = annotation(a, "initTime"); i != nullptr && i->is_number()) {
            how += ", init " + i->dump() + " ms";
        }
        b.add("start", when + " (" + how + ")");
    }
    if (auto d = number(a, "duration")) b.add("duration", std::to_string(*d) + " ms");
    if (auto r = a.find("response"); r != a.end() && r->is_object() && r->contains("result")) {
        b.add("result", (*r)["result"].dump(2, ' ', false, Json::error_handler_t::replace));
    }
    if (auto logs = a.find("logs"); logs != a.end() && logs->is_array()) {
        std::string text;
        for (const auto& l : *logs) text += (text.empty() ? "" : "\n") + displayValue(l);
        b.add("logs", text);
    }
    return b.str();
}

std::string activationHeadline(const Json& a) {
    std::string line = "activation " + str(a, "activationId", "-") + "  " + activationEntity(a) +
                       "  " + activationStatus(a);
    if (auto d = number(a, "duration")) line += "  " + std::to_string(*d) + "ms";
    return line;
}

// ---- usage and instances ----

namespace {

// A double in fixed notation: with `decimals` digits, or the shortest that reads back the same.
std::string fixed(double v, std::optional<int> decimals) {
    char buf[400];  // the largest double in fixed notation needs 309 digits
    auto r = decimals ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, *decimals)
                      : std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
    if (r.ec != std::errc()) return "-";
    return std::string(buf, r.ptr);
}

std::optional<double> numberAt(const Json& j, std::string_view key) {
    const Json& v = field(j, key);
    if (!v.is_number()) return std::nullopt;
    double d = v.get<double>();
    if (!std::isfinite(d)) return std::nullopt;
    return d;
}

// A count (invocations, instances): integers as they are, anything else "-" (or "" in CSV).
std::string countText(const Json& j, std::string_view key, std::string_view missing) {
    const Json& v = field(j, key);
    if (v.is_number_integer()) return v.dump();
    if (auto d = numberAt(j, key); d && *d == std::floor(*d)) return fixed(*d, 0);
    if (auto d = numberAt(j, key)) return fixed(*d, std::nullopt);
    return std::string(missing);
}

std::string amountText(const Json& j, std::string_view key, std::optional<int> decimals,
                       std::string_view missing) {
    // Integers as sent in CSV; in a table every amount gets the column's decimals.
    if (const Json& v = field(j, key); !decimals && v.is_number_integer()) return v.dump();
    auto d = numberAt(j, key);
    return d ? fixed(*d, decimals) : std::string(missing);
}

struct UsageColumn {
    const char* key;              // field of a row and of "total"; also the CSV header
    const char* title;            // table header
    std::optional<int> decimals;  // nullopt: a count
};
const UsageColumn kUsageColumns[] = {
    {"invocations", "INVOCATIONS", std::nullopt},
    {"errors", "ERRORS", std::nullopt},
    {"coldStarts", "COLD", std::nullopt},
    {"gbSeconds", "GB-SECONDS", 4},
    {"cpuSeconds", "CPU-SECONDS", 3},
    {"cost", "COST", 7},
};

bool byHour(const Json& usage) {
    const Json& group = field(usage, "group");
    if (group.is_string()) return group.get<std::string>() == "hour";
    // No "group": tell by the rows.
    const Json& rows = field(usage, "rows");
    return rows.is_array() && !rows.empty() && rows[0].is_object() && rows[0].contains("hour") &&
           !rows[0].contains("action");
}

std::string usageHeadline(const Json& usage) {
    std::string line = "usage";
    if (std::string ns = str(usage, "namespace"); !ns.empty()) line += " of " + ns;
    auto since = number(usage, "since");
    auto upto = number(usage, "upto");
    if (since) line += " from " + formatUtcMinute(*since);
    // fwd counts whole hours and answers the last millisecond of the last one (10:59:59.999):
    // shown as the minute it ends at (11:00), which is how people say it.
    if (upto) line += " to " + formatUtcMinute(*upto % 60'000 == 59'999 ? *upto + 1 : *upto);
    if (since || upto) line += " UTC";
    const Json& prices = field(usage, "prices");
    std::string currency = str(prices, "currency");
    std::string unit = currency.empty() ? "" : " " + currency;
    std::string priced;
    if (auto gbs = numberAt(prices, "perGbSecond")) {
        priced = fixed(*gbs, std::nullopt) + unit + " per GB-second";
    }
    if (auto req = numberAt(prices, "perMillionRequests")) {
        priced += (priced.empty() ? "" : ", ") + fixed(*req, std::nullopt) + unit +
                  " per million requests";
    }
    if (!priced.empty()) line += "; prices: " + priced;
    return line + "\n";
}

}  // namespace

std::string formatUtcMinute(std::int64_t epochMs) {
    std::int64_t secs = epochMs / 1000;
    std::int64_t ms = epochMs % 1000;
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[48];
    std::strftime(buf, sizeof buf,
                  tm.tm_sec != 0 || ms != 0 ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M", &tm);
    std::string out = buf;
    if (ms != 0) {
        char frac[8];
        std::snprintf(frac, sizeof frac, ".%03d", static_cast<int>(ms));
        out += frac;
    }
    return out;
}

std::string csvField(std::string_view text) {
    if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string usageReport(const Json& usage) {
    const bool hours = byHour(usage);
    std::vector<std::string> header = {hours ? "HOUR" : "ACTION"};
    for (const auto& c : kUsageColumns) header.emplace_back(c.title);
    Table t(std::move(header));
    for (std::size_t i = 1; i <= std::size(kUsageColumns); ++i) t.alignRight(i);
    auto cells = [](std::string first, const Json& row) {
        std::vector<std::string> out = {std::move(first)};
        for (const auto& c : kUsageColumns) {
            out.push_back(c.decimals ? amountText(row, c.key, c.decimals, "-")
                                     : countText(row, c.key, "-"));
        }
        return out;
    };
    if (const Json& rows = field(usage, "rows"); rows.is_array()) {
        for (const auto& row : rows) {
            std::string first;
            if (hours) {
                auto hour = number(row, "hour");
                first = hour ? formatUtcMinute(*hour) : "-";
            } else {
                first = str(row, "action", "-");
            }
            t.add(cells(std::move(first), row));
        }
    }
    t.add(cells("TOTAL", field(usage, "total")));
    return usageHeadline(usage) + t.str();
}

std::string usageCsv(const Json& usage) {
    const bool hours = byHour(usage);
    std::string out = hours ? "hour" : "action";
    for (const auto& c : kUsageColumns) out += std::string(",") + c.key;
    out += "\r\n";
    const Json& rows = field(usage, "rows");
    if (!rows.is_array()) return out;
    for (const auto& row : rows) {
        if (hours) {
            auto hour = number(row, "hour");
            if (hour) {
                std::time_t t = static_cast<std::time_t>(*hour / 1000);
                std::tm tm{};
                gmtime_r(&t, &tm);
                char buf[32];
                std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
                out += buf;
            }
        } else {
            out += csvField(str(row, "action"));
        }
        for (const auto& c : kUsageColumns) {
            out += ",";
            out +=
                c.decimals ? amountText(row, c.key, std::nullopt, "") : countText(row, c.key, "");
        }
        out += "\r\n";
    }
    return out;
}

std::string instancesReport(const Json& instances) {
    Table actions({"ACTION", "STARTING", "IDLE", "BUSY"});
    for (std::size_t i = 1; i <= 3; ++i) actions.alignRight(i);
    if (const Json& list = field(instances, "actions"); list.is_array()) {
        for (const auto& a : list) {
            actions.add({str(a, "action", "-"), countText(a, "starting", "-"),
                         countText(a, "idle", "-"), countText(a, "busy", "-")});
        }
    }
    Table prewarmed({"KIND", "MEMORY", "COUNT"});
    prewarmed.alignRight(1);
    prewarmed.alignRight(2);
    if (const Json& list = field(instances, "prewarmed"); list.is_array()) {
        for (const auto& p : list) {
            std::string memory = countText(p, "memory", "");
            prewarmed.add({str(p, "kind", "-"), memory.empty() ? "-" : memory + " MB",
                           countText(p, "count", "-")});
        }
    }
    std::string out = actions.str() + "\n" + prewarmed.str();
    if (const Json& pool = field(instances, "pool"); pool.is_object()) {
        out += "\npool: " + countText(pool, "usedMb", "-") + " of " +
               countText(pool, "memoryMb", "-") + " MB in use, " + countText(pool, "queued", "-") +
               " queued\n";
    }
    return out;
}

std::string stripLogLine(std::string_view line) {
    // OpenWhisk's format: "%-30s %s: %s" of (RFC 3339 time, stream, text).
    auto sp = line.find(' ');
    if (sp == std::string_view::npos || sp < 10 || line[4] != '-' || line.find('T') > sp) {
        return std::string(line);
    }
    auto rest = line.substr(sp);
    auto b = rest.find_first_not_of(' ');
    if (b == std::string_view::npos) return std::string(line);
    rest = rest.substr(b);
    for (std::string_view stream : {"stdout: ", "stderr: "}) {
        if (rest.starts_with(stream)) return std::string(rest.substr(stream.size()));
    }
    for (std::string_view stream : {"stdout:", "stderr:"}) {
        if (rest == stream) return "";
    }
    return std::string(line);
}

}  // namespace fw::cli
