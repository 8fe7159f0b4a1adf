// JSON helpers shared by every part: parsing without exceptions, OpenWhisk KeyVal arrays
// ([{"key":k,"value":v}]) and parameter merging. Not entity codecs (those live with the entities).
#pragma once

#include <nlohmann/json.hpp>
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

}  // namespace fw
