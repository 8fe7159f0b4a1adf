#include "outcome.hpp"

#include "fw/common/util.hpp"

namespace fw::invoker {

Outcome fromResultLine(std::string_view line, std::size_t maxResultBytes) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.size() > maxResultBytes) {
        std::string head = sanitizeUtf8(line.substr(0, maxResultBytes));
        return {ActivationStatus::ApplicationError,
                {{"error", "The action produced a response that exceeded the allowed length: " +
                               std::to_string(line.size()) + " > " +
                               std::to_string(maxResultBytes) +
                               " bytes. The truncated response was: " + head}}};
    }
    Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !(j.is_object() || j.is_array())) {
        return {ActivationStatus::DeveloperError,
                {{"error", "The action did not return a dictionary or array."}}};
    }
    if (j.is_object() && j.contains("error")) return {ActivationStatus::ApplicationError, std::move(j)};
    return {ActivationStatus::Success, std::move(j)};
}

Outcome timedOut(std::int64_t timeoutMs, bool duringInit) {
    std::string msg = "The action exceeded its time limits of " + std::to_string(timeoutMs) +
                      " milliseconds" + (duringInit ? " during initialization." : ".");
    return {ActivationStatus::DeveloperError, {{"error", msg}}};
}

Outcome exitedEarly() {
    return {ActivationStatus::DeveloperError,
            {{"error", "The action did not produce a valid response and exited unexpectedly."}}};
}

Outcome outOfMemory() {
    return {ActivationStatus::DeveloperError,
            {{"error", "The action exhausted its memory and was aborted."}}};
}

Outcome initFailed(std::string_view message) {
    return {ActivationStatus::DeveloperError, {{"error", std::string(message)}}};
}

Outcome platformError(std::string_view message) {
    return {ActivationStatus::WhiskError, {{"error", std::string(message)}}};
}

}  // namespace fw::invoker
