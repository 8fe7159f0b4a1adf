// Maps what a function instance produced to an activation outcome (reference §3.1 table): the
// result line, an early exit, a timeout, memory exhaustion. Pure; unit-tested.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "fw/common/activation.hpp"

namespace fw::invoker {

struct Outcome {
    ActivationStatus status;
    Json result;
};

// The result line an instance wrote (fd 3, or the last stdout line of a one-shot executable).
Outcome fromResultLine(std::string_view line, std::size_t maxResultBytes);

Outcome timedOut(std::int64_t timeoutMs, bool duringInit);
Outcome exitedEarly();
Outcome outOfMemory();
Outcome initFailed(std::string_view message);
Outcome platformError(std::string_view message);

}  // namespace fw::invoker
