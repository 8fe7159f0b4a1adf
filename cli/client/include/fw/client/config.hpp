// Where fwctl and the client library find the API host, the key and the namespace: the
// properties file (wsk's ~/.wskprops format), then FW_* environment variables. Not command-line
// flags: fwctl applies those itself, on top of what loadConfig() returns.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "fw/common/error.hpp"

namespace fw::client {

struct Config {
    std::string apiHost;    // "host:port" (then http://) or "http[s]://host:port[/prefix]"
    std::string auth;       // "uuid:key", sent as HTTP Basic
    std::string ns = "_";   // default namespace; "_" is the caller's own
    long timeoutMs = 0;     // 0: no overall timeout per request
    bool insecure = false;  // https without certificate checks (wsk -i)
};

// Reads one environment variable; an unset or empty variable is std::nullopt.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;
EnvLookup processEnv();

// $FW_CONFIG_FILE, else $WSK_CONFIG_FILE, else $HOME/.wskprops.
std::filesystem::path propertiesPath(const EnvLookup& env);

// The properties file (APIHOST, AUTH, NAMESPACE; a missing file is fine), then FW_APIHOST,
// FW_AUTH and FW_NAMESPACE. A blank NAMESPACE means "_". Fails only when the file exists but
// cannot be read.
Result<Config> loadConfig(const EnvLookup& env);
Result<Config> loadConfig();

}  // namespace fw::client
