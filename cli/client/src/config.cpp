#include "fw/client/config.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "fw/client/properties.hpp"

namespace fw::client {

EnvLookup processEnv() {
    return [](std::string_view name) -> std::optional<std::string> {
        const char* v = std::getenv(std::string(name).c_str());
        if (v == nullptr || *v == '\0') return std::nullopt;
        return std::string(v);
    };
}

std::filesystem::path propertiesPath(const EnvLookup& env) {
    if (auto p = env("FW_CONFIG_FILE")) return *p;
    if (auto p = env("WSK_CONFIG_FILE")) return *p;
    std::string home;
    if (auto h = env("HOME")) {
        home = *h;
    } else if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_dir != nullptr) {
        home = pw->pw_dir;
    }
    return std::filesystem::path(home) / ".wskprops";
}

Result<Config> loadConfig(const EnvLookup& env) {
    auto props = readPropertiesFile(propertiesPath(env));
    if (!props) return props.error();
    Config cfg;
    if (auto v = props->get("APIHOST")) cfg.apiHost = *v;
    if (auto v = props->get("AUTH")) cfg.auth = *v;
    if (auto v = props->get("NAMESPACE"); v && !v->empty()) cfg.ns = *v;
    if (auto v = env("FW_APIHOST")) cfg.apiHost = *v;
    if (auto v = env("FW_AUTH")) cfg.auth = *v;
    if (auto v = env("FW_NAMESPACE")) cfg.ns = *v;
    return cfg;
}

Result<Config> loadConfig() { return loadConfig(processEnv()); }

}  // namespace fw::client
