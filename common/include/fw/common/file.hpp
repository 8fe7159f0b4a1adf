// Small file helpers shared by the command-line tools and the daemon.
#pragma once

#include <filesystem>
#include <string>

#include "fw/common/error.hpp"

namespace fw {

// The whole content of a file. Errors say "cannot read 'PATH': <reason>"; the code is NotFound
// when the file does not exist, InvalidArgument otherwise.
Result<std::string> readWholeFile(const std::filesystem::path& path);

}  // namespace fw
