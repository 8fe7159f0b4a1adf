#include "fw/cli/action_body.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fw/cli/zip.hpp"
#include "fw/common/file.hpp"
#include "fw/common/names.hpp"
#include "fw/common/util.hpp"

namespace fw::cli {
namespace {

std::string extension(std::string_view fileName) {
    auto slash = fileName.find_last_of('/');
    auto base = slash == std::string_view::npos ? fileName : fileName.substr(slash + 1);
    auto dot = base.find_last_of('.');
    if (dot == std::string_view::npos || dot == 0) return "";
    std::string ext(base.substr(dot));
    for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ext;
}

bool isUtf8Text(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c == 0) return false;
        std::size_t n;
        std::uint32_t cp;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + n >= s.size()) return false;  // truncated sequence
        for (std::size_t k = 1; k <= n; ++k) {
            auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
            return false;
        }
        i += n + 1;
    }
    return true;
}

Error invalid(std::string message) { return Error{Errc::InvalidArgument, std::move(message)}; }

// Sequence components must be fully qualified for the server: "/ns/[pkg/]name".
Result<std::string> qualify(std::string_view component, std::string_view defaultNs) {
    auto q = parseQualifiedName(component, defaultNs.empty() ? "_" : defaultNs);
    if (!q) return q.error();
    return "/" + q->path();
}

}  // namespace

Json parseParamValue(std::string_view value) {
    Json j = Json::parse(value, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Json(std::string(value));
    return j;
}

Result<Json> buildKeyValues(const std::optional<std::string>& fileText, std::string_view fileName,
                            const KeyValuePairs& pairs) {
    if (!fileText && pairs.empty()) return Json(nullptr);
    Json kv = Json::array();
    if (fileText) {
        Json obj = Json::parse(*fileText, nullptr, /*allow_exceptions=*/false);
        if (obj.is_discarded() || !obj.is_object()) {
            return invalid("'" + std::string(fileName) +
                           "' must hold a JSON object such as {\"name\": \"value\"}");
        }
        kv = objectToKeyValues(obj);
    }
    for (const auto& [k, v] : pairs) setKeyValue(kv, k, parseParamValue(v));
    return kv;
}

Result<std::string> kindForFile(std::string_view fileName, bool isDirectory) {
    const std::string fix =
        ": add --kind (python:3 or nodejs:20), or --native if it is an executable";
    if (isDirectory) {
        return invalid("cannot tell the runtime of the directory '" + std::string(fileName) + "'" +
                       fix);
    }
    std::string ext = extension(fileName);
    if (ext == ".py") return std::string("python:3");
    if (ext == ".js" || ext == ".mjs" || ext == ".cjs") return std::string("nodejs:20");
    if (ext == ".zip")
        return invalid("cannot tell the runtime of the zip '" + std::string(fileName) + "'" + fix);
    return invalid("cannot tell the runtime of '" + std::string(fileName) + "' from its extension" +
                   fix);
}

Code codeFromBytes(std::string bytes, std::string_view fileName) {
    Code c;
    c.archive =
        extension(fileName) == ".zip" || bytes.starts_with(std::string_view("PK\x03\x04", 4));
    if (!c.archive && isUtf8Text(bytes)) {
        c.code = std::move(bytes);
        return c;
    }
    c.base64 = true;
    c.code = base64Encode(bytes);
    return c;
}

Result<Code> readCode(const std::filesystem::path& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        auto zip = zipDirectory(path);
        if (!zip) return zip.error();
        Code c{base64Encode(*zip), true, true, true};
        return c;
    }
    auto bytes = readWholeFile(path);
    if (!bytes) return invalid(bytes.error().message);
    return codeFromBytes(std::move(*bytes), path.string());
}

Result<Json> buildActionBody(const ActionSpec& spec, const std::optional<Code>& code, bool update,
                             std::string_view defaultNs) {
    Json body = Json::object();
    const bool hasCode = code.has_value();

    if (!spec.sequence.empty()) {
        if (hasCode || spec.kind || spec.native || spec.docker || spec.main) {
            return invalid("--sequence takes no FILE, --kind, --main, --native or --docker");
        }
        Json comps = Json::array();
        for (const auto& c : spec.sequence) {
            auto q = qualify(c, defaultNs);
            if (!q) return q.error();
            comps.push_back(*q);
        }
        body["exec"] = {{"kind", "sequence"}, {"components", comps}};
    } else if (spec.native || spec.docker) {
        if (spec.kind) return invalid("--kind cannot be combined with --native or --docker");
        if (spec.native && !hasCode) {
            return invalid(
                "--native needs the executable: give FILE (or a DIR or .zip with 'exec')");
        }
        Json exec = {{"kind", "blackbox"},
                     {"image", spec.docker ? *spec.docker : std::string(kSkeletonImage)}};
        if (hasCode) exec["code"] = code->code;
        if (spec.main) exec["main"] = *spec.main;
        body["exec"] = std::move(exec);
    } else if (hasCode) {
        std::string kind;
        if (spec.kind) {
            kind = *spec.kind;
        } else {
            auto k = kindForFile(spec.file.value_or(""), code->directory);
            if (!k) return k.error();
            kind = *k;
        }
        Json exec = {{"kind", kind}, {"code", code->code}};
        if (spec.main) exec["main"] = *spec.main;
        body["exec"] = std::move(exec);
    } else if (spec.kind || spec.main) {
        return invalid(std::string(spec.kind ? "--kind" : "--main") +
                       " needs the code: give FILE or DIR as well");
    } else if (!update) {
        return invalid(
            "action create needs the code: give FILE or DIR (or --docker IMAGE, or --sequence "
            "A,B)");
    }

    if (!spec.parameters.is_null()) body["parameters"] = spec.parameters;

    if (spec.web || !spec.annotations.is_null()) {
        Json annotations = Json::array();
        if (spec.web) {
            const std::string& w = *spec.web;
            bool on = w == "true" || w == "yes" || w == "raw";
            if (!on && w != "false" && w != "no") {
                return invalid("--web takes true, false or raw, not '" + w + "'");
            }
            setKeyValue(annotations, "web-export", on);
            setKeyValue(annotations, "raw-http", w == "raw");
            setKeyValue(annotations, "final", on);
        }
        if (spec.annotations.is_array()) {
            for (const auto& a : spec.annotations) {
                auto key = a.find("key");
                if (key == a.end() || !key->is_string()) continue;
                auto value = a.find("value");
                setKeyValue(annotations, key->get<std::string>(),
                            value == a.end() ? Json() : *value);
            }
        }
        body["annotations"] = std::move(annotations);
    }

    Json limits = Json::object();
    if (spec.timeoutMs) limits["timeout"] = *spec.timeoutMs;
    if (spec.memoryMb) limits["memory"] = *spec.memoryMb;
    if (spec.logsMb) limits["logs"] = *spec.logsMb;
    if (spec.concurrency) limits["concurrency"] = *spec.concurrency;
    if (!limits.empty()) body["limits"] = std::move(limits);

    if (update && body.empty()) {
        return invalid("action update needs something to change: FILE, -p, -a or a limit");
    }
    return body;
}

Json buildPackageBody(const PackageSpec& spec, bool update) {
    Json body = Json::object();
    if (spec.shared) {
        body["publish"] = *spec.shared;
    } else if (!update) {
        body["publish"] = false;
    }
    if (!spec.parameters.is_null()) body["parameters"] = spec.parameters;
    if (!spec.annotations.is_null()) body["annotations"] = spec.annotations;
    return body;
}

}  // namespace fw::cli
