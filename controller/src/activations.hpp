// Activation records: the OpenWhisk record shape (reference §1.3) built from what the invoker
// reported, and the list/log/result views of a record. Pure functions over JSON.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "fw/common/activation.hpp"
#include "fw/common/json.hpp"
#include "fw/controller/controller.hpp"

namespace fw::controller {

// What the ledger, the metrics and the controller's bookkeeping need of a finished activation,
// taken once from the invoker's report rather than parsed back out of the record.
struct RecordFacts {
    std::string path;        // the action's "ns/pkg/name" (the record's path annotation)
    std::string entityPath;  // "pkg/name" or "name": the path inside the namespace
    std::string_view status;  // "success", "application error", ...
    bool success = false;
    StartKind startKind = StartKind::Cold;
    std::int64_t start = 0;
    std::int64_t durationMs = 0;
    std::int64_t waitMs = 0;
    std::optional<std::int64_t> initMs;
    std::int64_t billedMs = 0;
    double gbSeconds = 0;
    double cpuSeconds = 0;
};
RecordFacts recordFacts(const RunRequest& req, const RunResult& res);

// The full record (GET /activations/{id}), written as text directly: on the warm path this
// costs a fraction of building the JSON tree and serializing it. `subject` is the invoking
// namespace. The result is moved out of `res` into the FinishedRecord.
FinishedRecord finishedRecord(const std::string& subject, const RunRequest& req, RunResult& res,
                              bool publish, const RecordFacts& facts);

// The docs=false list entry: namespace, name, version, publish, annotations, activationId,
// start, end, duration, statusCode.
Json activationSummary(const Json& record);
// GET .../result: {"result", "success", "status"}.
Json activationResultView(const Json& record);

}  // namespace fw::controller
