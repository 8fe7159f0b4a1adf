// The contract between the controller and an invoker: what to run (RunRequest) and what came of
// it (RunResult), and the InvokerClient interface the controller calls. Today the invoker is in
// the same process; the interface is shaped so it can become a network hop (everything is data,
// and `done` is called exactly once).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fw/common/json.hpp"
#include "fw/common/limits.hpp"
#include "fw/common/names.hpp"

namespace fw {

// OpenWhisk's four outcomes; the numbers are its internal statusCode.
enum class ActivationStatus { Success = 0, ApplicationError = 1, DeveloperError = 2, WhiskError = 3 };
std::string_view statusWord(ActivationStatus s);  // "success", "application error", ...

// How the instance that ran an activation was obtained.
enum class StartKind { Warm, Prewarmed, Cold };
std::string_view startKindWord(StartKind s);  // "warm", "prewarmed", "cold"

struct ActionCode {
    std::string kind;   // canonical kind (python:3, nodejs:20, blackbox)
    std::shared_ptr<const std::string> code;  // source text or base64 zip; shared, may be 48 MB
    bool binary = false;  // code is base64 (a zip, or for blackbox possibly a single executable)
    std::string main = "main";
    std::string image;  // blackbox only
};

struct RunRequest {
    std::string activationId;
    std::string transactionId;
    QualifiedName action;
    std::string version;   // "0.0.3"
    std::string revision;  // unique per stored revision; instances are never shared across two
    ActionCode exec;
    ActionLimits limits;
    Json params = Json::object();   // merged parameters, the function's `args`
    Json initEnv = Json::object();  // init parameters and __OW_* for the process environment
    std::string apiKey;             // empty unless the action may see the caller's key
    std::int64_t acceptedAtMs = 0;  // when the controller accepted the activation (waitTime)
};

struct RunResult {
    ActivationStatus status = ActivationStatus::WhiskError;
    Json result = Json::object();
    std::vector<std::string> logs;
    std::int64_t startMs = 0;  // when the instance was given the activation (after the wait)
    std::int64_t endMs = 0;
    std::optional<std::int64_t> initTimeMs;  // only when this activation paid for an init
    bool timeout = false;
    StartKind startKind = StartKind::Cold;
    // The same span as endMs - startMs, measured with a monotonic clock in microseconds: the
    // base of the billed duration.
    std::int64_t durationUs = 0;
    // From the instance's cgroup: CPU time this activation used, and the instance's peak memory
    // so far (a warm instance's peak covers its earlier activations too).
    std::int64_t cpuTimeUs = 0;
    std::int64_t peakMemoryBytes = 0;
    // The invoker had no capacity within the queue wait (or its queue was full): nothing ran.
    bool overloaded = false;
};

// What an invoker holds right now (for operators, tests and GET .../instances).
struct InvokerStatus {
    struct Action {
        std::string action;  // "ns/pkg/name"
        int starting = 0;
        int idle = 0;
        int busy = 0;
    };
    struct Prewarmed {
        std::string kind;
        int memoryMb = 0;
        int count = 0;
    };
    std::vector<Action> actions;
    std::vector<Prewarmed> prewarmed;
    std::int64_t poolMb = 0;
    std::int64_t usedMb = 0;
    std::int64_t queued = 0;
};

// Billing: the duration rounded up to a whole millisecond (at least 1 ms), and GB-seconds =
// billed seconds x memory limit in GB (1 GB = 1024 MB).
std::int64_t billedDurationMs(std::int64_t durationUs);
double gbSeconds(std::int64_t billedMs, int memoryMb);

class InvokerClient {
public:
    virtual ~InvokerClient() = default;
    // Runs one activation; `done` is called exactly once, on the invoker's executor, even when
    // the instance crashes or the invoker shuts down.
    virtual void run(RunRequest req, std::function<void(RunResult)> done) = 0;
    // The action was updated or deleted: its idle instances may go.
    virtual void retire(const QualifiedName& action) = 0;
    virtual InvokerStatus status() const = 0;
};

}  // namespace fw
