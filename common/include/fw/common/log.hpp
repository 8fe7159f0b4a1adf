// Logging set-up for the daemons: spdlog to stderr with a level from the command line.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace fw {

// Level names as spdlog spells them (trace, debug, info, warn, error, critical, off).
void initLogging(std::string_view level);

}  // namespace fw
