#include "fw/common/activation.hpp"

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

}  // namespace fw
