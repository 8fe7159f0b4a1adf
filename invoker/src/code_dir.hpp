// Materialises an action's code on disk, once per revision: plain text is written to the file
// the runtime expects (__main__.py, index.js, exec), a base64 zip is unpacked (no path escapes,
// executable bits kept). A CodeDir removes its directory when the last user lets go of it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "fw/common/activation.hpp"
#include "fw/common/error.hpp"

namespace fw::invoker {

class CodeDir {
public:
    explicit CodeDir(std::filesystem::path p) : path_(std::move(p)) {}
    ~CodeDir();
    CodeDir(const CodeDir&) = delete;
    CodeDir& operator=(const CodeDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// The file name plain-text code is written to for `kind`.
std::string textCodeFile(const std::string& kind);

// Writes `code` into a new directory `dir` (which must not exist).
Result<std::shared_ptr<CodeDir>> materialize(const ActionCode& code, const std::filesystem::path& dir);

// Unpacks a zip archive held in memory into `dir`. Entries that would land outside `dir`
// (absolute paths, "..") are refused.
Result<void> unzipTo(const std::string& zipBytes, const std::filesystem::path& dir);

}  // namespace fw::invoker
