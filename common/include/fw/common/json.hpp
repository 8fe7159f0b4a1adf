// JSON helpers shared by every part: parsing without exceptions, OpenWhisk KeyVal arrays
// ([{"key":k,"value":v}]) and parameter merging. Not entity codecs (those live with the entities).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fw/common/error.hpp"

namespace fw {

using Json = nlohmann::json;

// Parses `text`; a syntax error is InvalidArgument "The request content was malformed:\n<detail>".
Result<Json> parseJson(std::string_view text);

// Checks that `j` is a KeyVal array (null counts as empty); `field` names it in the message.
Result<Json> validateKeyValues(const Json& j, std::string_view field);

// [{"key":"a","value":1}] -> {"a":1}; later keys win.
Json keyValuesToObject(const Json& kv);
// {"a":1} -> [{"key":"a","value":1}]
Json objectToKeyValues(const Json& obj);

// Value of `key` in a KeyVal array, or nullptr.
const Json* findKeyValue(const Json& kv, std::string_view key);
// Sets or appends `key` in a KeyVal array.
void setKeyValue(Json& kv, std::string_view key, Json value);

// Merges parameter layers: each later object's keys override the earlier ones.
Json mergeParams(std::initializer_list<const Json*> layers);

// Writing JSON text directly, for the few documents made on every activation (the request line
// to a function, the activation record), where building an nlohmann tree and dumping it would
// cost several times as much. Each appends one value to `out`, written as nlohmann writes it:
// strings escaped the same way (invalid UTF-8 replaced by U+FFFD), doubles read back as the same
// double and keep a ".0" when whole, NaN and infinities as null.
void appendJsonString(std::string& out, std::string_view s);
void appendJsonInt(std::string& out, std::int64_t v);
void appendJsonDouble(std::string& out, double v);
inline void appendJsonBool(std::string& out, bool v) { out += v ? "true" : "false"; }
// Any value, by nlohmann's serializer.
void appendJson(std::string& out, const Json& v);

}  // namespace fw
