// The one error type and result type of Firework: Error{code, message} with a closed list of
// codes, and Result<T> = boost::system::result<T, Error>. Not for HTTP: the gateway maps Errc to a
// status in exactly one function (gateway/src/errors.cpp).
#pragma once

#include <boost/system/result.hpp>
#include <string>
#include <string_view>

namespace fw {

enum class Errc {
    // client errors
    InvalidArgument,
    NotFound,
    Conflict,
    Unauthorized,
    Forbidden,
    TooManyRequests,
    PayloadTooLarge,
    NotAcceptable,
    NotImplemented,  // a part of the OpenWhisk API Firework does not provide yet
    // server errors
    Timeout,
    Unavailable,
    SandboxFailed,
    StoreFailed,
    Internal,
};

std::string_view errcName(Errc c);

struct Error {
    Errc code = Errc::Internal;
    std::string message;
    int retryAfterSeconds = 0;  // TooManyRequests/Unavailable: when to try again (0: not said)
};

template <class T>
using Result = boost::system::result<T, Error>;

// Lets Result<T>::value() throw; used only where an error is a programming mistake.
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

// "call(args): strerror(errno)" — the shape of every syscall failure message.
std::string sysError(std::string_view call, int err);

}  // namespace fw
