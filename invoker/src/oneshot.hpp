// The OpenWhisk "docker skeleton" contract for native executables (reference §3.3): a new process
// per activation, the arguments as JSON in argv[1] (when short enough) and on stdin, the last
// line of stdout as the result, everything else as logs.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "instance.hpp"

namespace fw::invoker {

asio::awaitable<RunOutput> runOnce(asio::io_context& io, asio::any_io_executor launchPool,
                                   Launcher& launcher, LaunchSpec spec,
                                   std::shared_ptr<CodeDir> code, std::string argsJson,
                                   Clock::time_point deadline, std::int64_t timeoutMs,
                                   std::size_t logLimit, std::size_t maxResultBytes);

}  // namespace fw::invoker
