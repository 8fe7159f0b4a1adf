#include "fw/common/error.hpp"

#include <cstring>
#include <stdexcept>

namespace fw {

std::string_view errcName(Errc c) {
    switch (c) {
        case Errc::InvalidArgument: return "InvalidArgument";
        case Errc::NotFound: return "NotFound";
        case Errc::Conflict: return "Conflict";
        case Errc::Unauthorized: return "Unauthorized";
        case Errc::Forbidden: return "Forbidden";
        case Errc::TooManyRequests: return "TooManyRequests";
        case Errc::PayloadTooLarge: return "PayloadTooLarge";
        case Errc::NotAcceptable: return "NotAcceptable";
        case Errc::NotImplemented: return "NotImplemented";
        case Errc::Timeout: return "Timeout";
        case Errc::Unavailable: return "Unavailable";
        case Errc::SandboxFailed: return "SandboxFailed";
        case Errc::StoreFailed: return "StoreFailed";
        case Errc::Internal: return "Internal";
    }
    return "Internal";
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
    throw std::runtime_error(std::string(errcName(e.code)) + ": " + e.message);
}

std::string sysError(std::string_view call, int err) {
    std::string s(call);
    s += ": ";
    s += std::strerror(err);
    return s;
}

}  // namespace fw
