#include "fw/common/activation.hpp"

#include <algorithm>

namespace fw {

std::string_view statusWord(ActivationStatus s) {
    switch (s) {
        case ActivationStatus::Success: return "success";
        case ActivationStatus::ApplicationError: return "application error";
        case ActivationStatus::DeveloperError: return "action developer error";
        case ActivationStatus::WhiskError: return "whisk internal error";
    }
    return "whisk internal error";
}

std::string_view startKindWord(StartKind s) {
    switch (s) {
        case StartKind::Warm: return "warm";
        case StartKind::Prewarmed: return "prewarmed";
        case StartKind::Cold: return "cold";
    }
    return "cold";
}

std::int64_t billedDurationMs(std::int64_t durationUs) {
    return std::max<std::int64_t>(1, (durationUs + 999) / 1000);
}

double gbSeconds(std::int64_t billedMs, int memoryMb) {
    return static_cast<double>(billedMs) / 1000.0 * static_cast<double>(memoryMb) / 1024.0;
}

}  // namespace fw
