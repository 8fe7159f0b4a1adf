// Action limits (timeout, memory, logs, concurrency), the system bounds they must stay within,
// and the other system-wide size limits. Defaults follow OpenWhisk (reference §5).
#pragma once

#include <cstdint>
#include <string>
#include <nlohmann/json_fwd.hpp>

#include "fw/common/error.hpp"

namespace fw {

struct ActionLimits {
    std::int64_t timeoutMs = 60000;
    int memoryMb = 256;
    int logsMb = 10;
    int concurrency = 1;
    // The most instances the action may have at once (OpenWhisk's `instances`, FPC scheduler);
    // with `concurrency` it bounds the activations in flight. 0: no bound but the pool's.
    int instances = 0;
    bool operator==(const ActionLimits&) const = default;
};

struct Bound {
    std::int64_t min;
    std::int64_t max;
};

// Per-namespace quotas (0: unlimited). Defaults are OpenWhisk's documented ones
// (docs/reference.md); an operator changes them per namespace with `fwd admin namespace limits`.
struct NamespaceQuota {
    std::int64_t concurrentInvocations = 100;
    std::int64_t invocationsPerMinute = 120;
    std::int64_t firesPerMinute = 60;
    bool operator==(const NamespaceQuota&) const = default;
};

struct SystemLimits {
    ActionLimits defaults;
    Bound timeoutMs{100, 300000};
    Bound memoryMb{128, 512};
    Bound logsMb{0, 10};
    Bound concurrency{1, 100};  // > 1 only for nodejs actions (intra-instance concurrency)
    Bound instances{0, 10000};
    std::size_t maxPayloadBytes = 1024 * 1024;       // invoke body + parameters
    std::size_t maxResultBytes = 1024 * 1024;        // action result
    std::size_t maxCodeBytes = 48 * 1024 * 1024;     // exec.code
    std::size_t maxParameterBytes = 1024 * 1024;     // parameters/annotations of an entity
    std::int64_t blockingWaitMs = 60000;             // then a blocking invoke answers 202
    NamespaceQuota defaultQuota;                     // for namespaces without overrides
};

// How long activation records are kept (the usage ledger is kept for ever).
struct Retention {
    std::int64_t maxAgeMs = 7LL * 24 * 3600 * 1000;  // 0: no age bound
    std::int64_t maxPerNamespace = 100000;           // 0: no count bound
    std::int64_t intervalMs = 60000;                 // how often the pruner runs
};

nlohmann::json toJson(const NamespaceQuota& q);
// Reads the fields present in `j` over `base`; each must be an integer >= 0.
Result<NamespaceQuota> parseQuota(const nlohmann::json& j, const NamespaceQuota& base);

// Reads `limits` from a PUT body on top of `base` (the current or default limits); a field of
// the wrong type or a value outside `sys` is an InvalidArgument naming the bound.
Result<ActionLimits> parseLimits(const nlohmann::json& j, const ActionLimits& base,
                                 const SystemLimits& sys);

nlohmann::json toJson(const ActionLimits& l);
// The same object appended as JSON text (for the activation record, written as text).
void appendJson(std::string& out, const ActionLimits& l);

}  // namespace fw
