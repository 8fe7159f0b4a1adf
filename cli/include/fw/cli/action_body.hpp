// From fwctl flags to request bodies: -p/-a values, the runtime kind a file implies, reading an
// action's code (text, zip, or a zipped directory), and the PUT bodies of actions and packages.
// Everything but readCode() is a pure function, so what a command sends is tested without HTTP.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fw/common/error.hpp"
#include "fw/common/json.hpp"

namespace fw::cli {

using KeyValuePairs = std::vector<std::pair<std::string, std::string>>;

// -p KEY VALUE: VALUE as JSON when it parses (42, true, null, {"a":1}, "\"quoted\""), else the
// text itself, as wsk does.
Json parseParamValue(std::string_view value);

// The KeyVal array of a --param-file (a JSON object; `fileText` is its content, `fileName` names
// it in errors) overridden by the -p pairs in order. Null when neither was given.
Result<Json> buildKeyValues(const std::optional<std::string>& fileText, std::string_view fileName,
                            const KeyValuePairs& pairs);

// The runtime of a source file from its extension: .py -> python:3, .js/.mjs/.cjs -> nodejs:20.
// A .zip, a directory or another extension is an InvalidArgument saying which flag to add.
Result<std::string> kindForFile(std::string_view fileName, bool isDirectory);

struct Code {
    std::string code;        // the text, or base64 of the bytes
    bool base64 = false;     // a zip, a zipped directory, or a file that is not UTF-8 text
    bool archive = false;    // a zip or a zipped directory
    bool directory = false;  // the argument was a directory
};

// Text stays text (valid UTF-8 without NUL bytes); a directory is zipped; a .zip and any other
// bytes are sent as base64, which the server recognises as binary code.
Result<Code> readCode(const std::filesystem::path& path);
// The same decision for bytes already in memory; `fileName` tells a .zip apart.
Code codeFromBytes(std::string bytes, std::string_view fileName);

inline constexpr std::string_view kSkeletonImage = "openwhisk/dockerskeleton";

struct ActionSpec {
    std::optional<std::string> file;  // FILE or DIR as given
    std::optional<std::string> kind;
    std::optional<std::string> main;
    std::optional<std::string> docker;  // --docker IMAGE
    bool native = false;                // --native
    std::vector<std::string> sequence;  // --sequence A,B (components as given)
    Json parameters;                    // KeyVal array, or null when not given
    Json annotations;                   // KeyVal array, or null when not given
    std::optional<std::string> web;     // --web true|false|raw
    std::optional<long> timeoutMs, memoryMb, logsMb, concurrency;
};

// The PUT body of `action create` (update=false: code or an image is required) or `action update`
// (only what was given is sent; omitted fields keep their values on the server). `code` is the
// loaded spec.file, when there is one; `defaultNs` qualifies sequence components.
Result<Json> buildActionBody(const ActionSpec& spec, const std::optional<Code>& code, bool update,
                             std::string_view defaultNs);

struct PackageSpec {
    Json parameters;   // KeyVal array, or null
    Json annotations;  // KeyVal array, or null
    std::optional<bool> shared;
};

// The PUT body of `package create|update`: what was given (create sends publish=false unless
// --shared).
Json buildPackageBody(const PackageSpec& spec, bool update);

}  // namespace fw::cli
