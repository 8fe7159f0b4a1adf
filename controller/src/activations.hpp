// Activation records: the OpenWhisk record shape (reference §1.3) built from what the invoker
// reported, and the list/log/result views of a record. Pure functions over JSON.
#pragma once

#include <string>

#include "fw/common/activation.hpp"
#include "fw/common/json.hpp"

namespace fw::controller {

// The full record (GET /activations/{id}). `subject` is the invoking namespace.
Json buildActivationRecord(const std::string& subject, const RunRequest& req, const RunResult& res,
                           bool publish);

// The docs=false list entry: namespace, name, version, publish, annotations, activationId,
// start, end, duration, statusCode.
Json activationSummary(const Json& record);
// GET .../result: {"result", "success", "status"}.
Json activationResultView(const Json& record);

}  // namespace fw::controller
