// Zipping an action's directory for upload (libzip, in memory). Not unzipping: the server does.
#pragma once

#include <filesystem>
#include <string>

#include "fw/common/error.hpp"

namespace fw::cli {

// The zip archive of `dir`'s contents, as bytes. Entries are relative to `dir`, sorted, and keep
// their Unix permission bits (the executable bit matters for native actions); symbolic links to
// files are stored as the file they point to. An empty directory, a link to a directory or a
// special file (socket, fifo, device) is an error that names it.
Result<std::string> zipDirectory(const std::filesystem::path& dir);

}  // namespace fw::cli
