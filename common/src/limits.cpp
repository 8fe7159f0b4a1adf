#include "fw/common/limits.hpp"

#include <nlohmann/json.hpp>

#include "fw/common/json.hpp"

namespace fw {
namespace {

// Checks one limit; `what`/`unit` build OpenWhisk's message ("memory size 1024 MB exceeds allowed
// threshold of 512 MB").
Result<std::int64_t> checkOne(const nlohmann::json& j, const char* field, std::int64_t current,
                              Bound b, const char* what, const char* unit) {
    if (!j.contains(field) || j[field].is_null()) return current;
    const auto& v = j[field];
    if (!v.is_number_integer() && !(v.is_number_float() && v.get<double>() == static_cast<double>(static_cast<std::int64_t>(v.get<double>())))) {
        return Error{Errc::InvalidArgument, std::string("The request content was malformed:\nlimits.") +
                                                field + " must be an integer"};
    }
    auto n = v.is_number_integer() ? v.get<std::int64_t>() : static_cast<std::int64_t>(v.get<double>());
    auto fmt = [&](const char* rel, std::int64_t bound) {
        return std::string(what) + " " + std::to_string(n) + unit + " " + rel +
               " allowed threshold of " + std::to_string(bound) + unit;
    };
    if (n > b.max) return Error{Errc::InvalidArgument, fmt("exceeds", b.max)};
    if (n < b.min) return Error{Errc::InvalidArgument, fmt("below", b.min)};
    return n;
}

}  // namespace

Result<ActionLimits> parseLimits(const nlohmann::json& j, const ActionLimits& base,
                                 const SystemLimits& sys) {
    if (j.is_null()) return base;
    if (!j.is_object()) {
        return Error{Errc::InvalidArgument,
                     "The request content was malformed:\nlimits must be an object"};
    }
    ActionLimits out = base;
    auto t = checkOne(j, "timeout", base.timeoutMs, sys.timeoutMs, "duration", " milliseconds");
    if (!t) return t.error();
    auto m = checkOne(j, "memory", base.memoryMb, sys.memoryMb, "memory size", " MB");
    if (!m) return m.error();
    auto l = checkOne(j, "logs", base.logsMb, sys.logsMb, "log size", " MB");
    if (!l) return l.error();
    auto c = checkOne(j, "concurrency", base.concurrency, sys.concurrency, "concurrency", "");
    if (!c) return c.error();
    out.timeoutMs = *t;
    out.memoryMb = static_cast<int>(*m);
    out.logsMb = static_cast<int>(*l);
    out.concurrency = static_cast<int>(*c);
    auto n = checkOne(j, "instances", base.instances, sys.instances, "instances", "");
    if (!n) return n.error();
    out.instances = static_cast<int>(*n);
    return out;
}

nlohmann::json toJson(const ActionLimits& l) {
    nlohmann::json j = {{"timeout", l.timeoutMs}, {"memory", l.memoryMb}, {"logs", l.logsMb},
                        {"concurrency", l.concurrency}};
    if (l.instances > 0) j["instances"] = l.instances;  // OpenWhisk's shape when unset
    return j;
}

void appendJson(std::string& out, const ActionLimits& l) {
    // toJson's object in nlohmann's key order; a unit test holds the two to the same output.
    out += "{\"concurrency\":";
    appendJsonInt(out, l.concurrency);
    if (l.instances > 0) {
        out += ",\"instances\":";
        appendJsonInt(out, l.instances);
    }
    out += ",\"logs\":";
    appendJsonInt(out, l.logsMb);
    out += ",\"memory\":";
    appendJsonInt(out, l.memoryMb);
    out += ",\"timeout\":";
    appendJsonInt(out, l.timeoutMs);
    out += '}';
}

nlohmann::json toJson(const NamespaceQuota& q) {
    return {{"concurrentInvocations", q.concurrentInvocations},
            {"invocationsPerMinute", q.invocationsPerMinute},
            {"firesPerMinute", q.firesPerMinute}};
}

Result<NamespaceQuota> parseQuota(const nlohmann::json& j, const NamespaceQuota& base) {
    NamespaceQuota q = base;
    if (j.is_null()) return q;
    if (!j.is_object()) return Error{Errc::InvalidArgument, "namespace limits must be an object"};
    for (auto [key, field] : {std::pair{"concurrentInvocations", &q.concurrentInvocations},
                              {"invocationsPerMinute", &q.invocationsPerMinute},
                              {"firesPerMinute", &q.firesPerMinute}}) {
        auto it = j.find(key);
        if (it == j.end()) continue;
        if (!it->is_number_integer() || it->get<std::int64_t>() < 0) {
            return Error{Errc::InvalidArgument,
                         std::string(key) + " must be a whole number, 0 or more (0: unlimited)"};
        }
        *field = it->get<std::int64_t>();
    }
    return q;
}

}  // namespace fw
