// fwctl as a function: parse a command line, run it against the API, print, return an exit code.
// main() only calls run(); tests call it with a fake transport, a fake clock and string streams.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>

#include "fw/client/config.hpp"
#include "fw/client/transport.hpp"

namespace fw::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;         // the request failed, or local input was bad
inline constexpr int kExitUsage = 2;         // the command line is wrong
inline constexpr int kExitActionFailed = 3;  // invoke: the action ran and failed (502)
inline constexpr int kExitNotReady = 4;      // invoke: the blocking wait ended first (202)

struct Io {
    std::ostream* out;
    std::ostream* err;
    client::EnvLookup env;
    // Builds the transport of the command's Client; empty means libcurl.
    std::function<std::unique_ptr<client::Transport>(const client::Config&)> transport;
    std::function<void(std::chrono::milliseconds)> sleep;
    std::function<std::int64_t()> nowMs;  // epoch ms
    bool utc = false;                     // print times in UTC instead of local time

    // The real process: std::cout/std::cerr, the environment, libcurl, the wall clock.
    static Io process();
};

int run(int argc, const char* const* argv, const Io& io);

}  // namespace fw::cli
