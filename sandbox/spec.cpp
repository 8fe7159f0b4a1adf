#include "fw/sandbox/spec.hpp"

#include <algorithm>

namespace fw::sandbox {
namespace {

Error invalid(std::string msg) { return Error{Errc::InvalidArgument, "sandbox spec: " + std::move(msg)}; }

// Reads an optional field of the expected JSON type; a present field of another type is an error.
template <class T>
Result<void> field(const Json& j, const char* key, T& out) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return {};
    if constexpr (std::is_same_v<T, bool>) {
        if (!it->is_boolean()) return invalid(std::string(key) + " must be a boolean");
    } else if constexpr (std::is_integral_v<T>) {
        if (!it->is_number_integer()) return invalid(std::string(key) + " must be an integer");
    } else if constexpr (std::is_same_v<T, std::string>) {
        if (!it->is_string()) return invalid(std::string(key) + " must be a string");
    } else {
        if (!it->is_array()) return invalid(std::string(key) + " must be an array of strings");
        for (const auto& e : *it) {
            if (!e.is_string()) return invalid(std::string(key) + " must be an array of strings");
        }
    }
    out = it->template get<T>();
    return {};
}

bool isAbsoluteClean(std::string_view p) {
    if (p.empty() || p[0] != '/') return false;
    // No "..", ".", empty components (except a trailing slash is refused too): we join these
    // paths under the new root, and a ".." would walk out of it.
    std::size_t i = 1;
    while (i <= p.size()) {
        std::size_t j = p.find('/', i);
        if (j == std::string_view::npos) j = p.size();
        auto comp = p.substr(i, j - i);
        if (p.size() > 1 && (comp.empty() || comp == "." || comp == "..")) return false;
        i = j + 1;
    }
    return true;
}

bool isCgroupName(std::string_view s) {
    if (s.empty() || s.size() > 200) return false;
    std::size_t i = 0;
    while (i <= s.size()) {
        std::size_t j = s.find('/', i);
        if (j == std::string_view::npos) j = s.size();
        auto comp = s.substr(i, j - i);
        if (comp.empty() || comp == "." || comp == "..") return false;
        for (char c : comp) {
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.';
            if (!ok) return false;
        }
        i = j + 1;
    }
    return true;
}

}  // namespace

bool isValidInstanceId(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
}

Result<Spec> specFromJson(const Json& j) {
    if (!j.is_object()) return invalid("must be a JSON object");
    Spec s;
    Result<void> r;
#define FW_FIELD(name)                       \
    r = field(j, #name, s.name);             \
    if (!r) return r.error();
    FW_FIELD(id)
    FW_FIELD(argv)
    FW_FIELD(env)
    FW_FIELD(cwd)
    FW_FIELD(hostname)
    FW_FIELD(stateDir)
    FW_FIELD(tmpSizeMb)
    FW_FIELD(network)
    FW_FIELD(hostUid)
    FW_FIELD(hostGid)
    FW_FIELD(uid)
    FW_FIELD(gid)
    FW_FIELD(memoryMb)
    FW_FIELD(pidsMax)
    FW_FIELD(openFiles)
    FW_FIELD(fileSizeMb)
    FW_FIELD(cgroupParent)
    FW_FIELD(cgroupBackend)
    FW_FIELD(cgroupRoot)
    FW_FIELD(seccompProfile)
    FW_FIELD(setupTimeoutMs)
#undef FW_FIELD
    if (auto it = j.find("mounts"); it != j.end() && !it->is_null()) {
        if (!it->is_array()) return invalid("mounts must be an array");
        for (const auto& m : *it) {
            if (!m.is_object()) return invalid("mounts[] must be objects");
            Mount mount;
            if (r = field(m, "source", mount.source); !r) return r.error();
            if (r = field(m, "target", mount.target); !r) return r.error();
            if (r = field(m, "readOnly", mount.readOnly); !r) return r.error();
            s.mounts.push_back(std::move(mount));
        }
    }
    if (auto it = j.find("files"); it != j.end() && !it->is_null()) {
        if (!it->is_array()) return invalid("files must be an array");
        for (const auto& f : *it) {
            if (!f.is_object()) return invalid("files[] must be objects");
            File file;
            if (r = field(f, "path", file.path); !r) return r.error();
            if (r = field(f, "content", file.content); !r) return r.error();
            s.files.push_back(std::move(file));
        }
    }
    if (auto v = validateSpec(s); !v) return v.error();
    return s;
}

Result<Spec> parseSpec(std::string_view json) {
    auto j = Json::parse(json, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return invalid("not valid JSON");
    return specFromJson(j);
}

Json specToJson(const Spec& s) {
    Json mounts = Json::array();
    for (const auto& m : s.mounts) {
        mounts.push_back({{"source", m.source}, {"target", m.target}, {"readOnly", m.readOnly}});
    }
    Json files = Json::array();
    for (const auto& f : s.files) files.push_back({{"path", f.path}, {"content", f.content}});
    return Json{{"id", s.id},
                {"argv", s.argv},
                {"env", s.env},
                {"cwd", s.cwd},
                {"hostname", s.hostname},
                {"mounts", mounts},
                {"files", files},
                {"stateDir", s.stateDir},
                {"tmpSizeMb", s.tmpSizeMb},
                {"network", s.network},
                {"hostUid", s.hostUid},
                {"hostGid", s.hostGid},
                {"uid", s.uid},
                {"gid", s.gid},
                {"memoryMb", s.memoryMb},
                {"pidsMax", s.pidsMax},
                {"openFiles", s.openFiles},
                {"fileSizeMb", s.fileSizeMb},
                {"cgroupParent", s.cgroupParent},
                {"cgroupBackend", s.cgroupBackend},
                {"cgroupRoot", s.cgroupRoot},
                {"seccompProfile", s.seccompProfile},
                {"setupTimeoutMs", s.setupTimeoutMs}};
}

Result<void> validateSpec(const Spec& s) {
    if (!isValidInstanceId(s.id)) return invalid("id must match [a-z0-9-]{1,64}");
    if (s.argv.empty()) return invalid("argv must not be empty");
    if (!isAbsoluteClean(s.argv[0])) return invalid("argv[0] must be an absolute path");
    for (const auto& e : s.env) {
        if (e.find('=') == std::string::npos || e[0] == '=')
            return invalid("env entry \"" + e + "\" is not KEY=VALUE");
    }
    if (!isAbsoluteClean(s.cwd)) return invalid("cwd must be an absolute path without . or ..");
    if (s.hostname.empty() || s.hostname.size() > 64) return invalid("hostname must be 1-64 chars");
    if (!isAbsoluteClean(s.stateDir) || s.stateDir == "/")
        return invalid("stateDir must be an absolute path other than /");
    for (const auto& m : s.mounts) {
        if (!isAbsoluteClean(m.source)) return invalid("mount source \"" + m.source + "\" must be absolute, without . or ..");
        if (!isAbsoluteClean(m.target) || m.target == "/")
            return invalid("mount target \"" + m.target + "\" must be absolute, not /, without . or ..");
        if (m.target == "/proc" || m.target == "/dev" || m.target == "/tmp" ||
            m.target.rfind("/proc/", 0) == 0 || m.target.rfind("/dev/", 0) == 0)
            return invalid("mount target \"" + m.target + "\" is reserved");
    }
    for (const auto& f : s.files) {
        if (!isAbsoluteClean(f.path) || f.path == "/") return invalid("file path \"" + f.path + "\" must be absolute");
        if (f.content.size() > 64 * 1024) return invalid("file \"" + f.path + "\" is larger than 64 KiB");
    }
    if (s.tmpSizeMb < 1 || s.tmpSizeMb > 16384) return invalid("tmpSizeMb must be in 1..16384");
    if (s.hostUid == 0 || s.hostGid == 0 || s.hostUid == static_cast<uid_t>(-1) ||
        s.hostGid == static_cast<gid_t>(-1))
        return invalid("hostUid and hostGid must be set and must not be 0 (root)");
    if (s.uid == static_cast<uid_t>(-1) || s.gid == static_cast<gid_t>(-1))
        return invalid("uid and gid must be valid ids");
    if (s.memoryMb < 4 || s.memoryMb > 1024 * 1024) return invalid("memoryMb must be in 4..1048576");
    if (s.pidsMax < 1 || s.pidsMax > 1 << 22) return invalid("pidsMax must be in 1..4194304");
    if (s.openFiles < 16 || s.openFiles > 1 << 20) return invalid("openFiles must be in 16..1048576");
    if (s.fileSizeMb < 0 || s.fileSizeMb > 1 << 20) return invalid("fileSizeMb must be in 0..1048576");
    if (!isCgroupName(s.cgroupParent))
        return invalid("cgroupParent must be a relative path of [A-Za-z0-9._-] components");
    if (s.cgroupBackend != "auto" && s.cgroupBackend != "v1" && s.cgroupBackend != "v2")
        return invalid("cgroupBackend must be auto, v1 or v2");
    if (!s.cgroupRoot.empty() && !isAbsoluteClean(s.cgroupRoot))
        return invalid("cgroupRoot must be an absolute path");
    if (s.seccompProfile.empty()) return invalid("seccompProfile must not be empty");
    if (s.setupTimeoutMs < 100 || s.setupTimeoutMs > 600000)
        return invalid("setupTimeoutMs must be in 100..600000");
    return {};
}

}  // namespace fw::sandbox
