// The properties file (~/.wskprops): KEY=VALUE lines, '#' comments. Editing keeps every line it
// does not own (comments, blank lines, unknown keys such as APIGW_ACCESS_TOKEN) byte for byte, so
// wsk and serverless-openwhisk can share the file with fwctl. Not where the values are used.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fw/common/error.hpp"

namespace fw::client {

class PropertiesFile {
  public:
    static PropertiesFile parse(std::string_view text);

    // The value of the last line setting `key` (keys compare case-insensitively), trimmed.
    std::optional<std::string> get(std::string_view key) const;
    // Every key/value in file order (later duplicates included).
    std::vector<std::pair<std::string, std::string>> entries() const;
    // Replaces the first line of `key` and drops its duplicates, or appends "KEY=value".
    void set(std::string_view key, std::string_view value);
    // Removes every line of `key`; false when there was none.
    bool unset(std::string_view key);

    std::string text() const;

  private:
    std::vector<std::string> lines_;
    bool finalNewline_ = true;
};

// A missing file reads as empty.
Result<PropertiesFile> readPropertiesFile(const std::filesystem::path& path);
// Writes through a temporary file and rename(2), mode 0600 for a new file (it holds a key).
Result<void> writePropertiesFile(const std::filesystem::path& path, const PropertiesFile& props);

}  // namespace fw::client
