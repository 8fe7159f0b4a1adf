#include "fw/common/json.hpp"

#include <charconv>
#include <cmath>

namespace fw {

Result<Json> parseJson(std::string_view text) {
    Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        // Re-run with exceptions only to obtain nlohmann's position-bearing message.
        std::string detail = "invalid JSON";
        try {
            Json ignored = Json::parse(text);
            (void)ignored;
        } catch (const Json::parse_error& e) {
            detail = e.what();
        }
        return Error{Errc::InvalidArgument, "The request content was malformed:\n" + detail};
    }
    return j;
}

Result<Json> validateKeyValues(const Json& j, std::string_view field) {
    if (j.is_null()) return Json::array();
    auto bad = [&](std::string why) {
        return Error{Errc::InvalidArgument,
                     "The request content was malformed:\n" + std::string(field) + " " + why};
    };
    if (!j.is_array()) return bad("must be an array of {\"key\",\"value\"} objects");
    for (const auto& e : j) {
        if (!e.is_object() || !e.contains("key") || !e["key"].is_string()) {
            return bad("entries must be objects with a string \"key\"");
        }
        if (!e.contains("value")) return bad("entry '" + e["key"].get<std::string>() + "' has no \"value\"");
    }
    return j;
}

Json keyValuesToObject(const Json& kv) {
    Json out = Json::object();
    if (!kv.is_array()) return out;
    for (const auto& e : kv) {
        if (e.is_object() && e.contains("key") && e["key"].is_string()) {
            out[e["key"].get<std::string>()] = e.value("value", Json());
        }
    }
    return out;
}

Json objectToKeyValues(const Json& obj) {
    Json out = Json::array();
    if (!obj.is_object()) return out;
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        out.push_back({{"key", it.key()}, {"value", it.value()}});
    }
    return out;
}

const Json* findKeyValue(const Json& kv, std::string_view key) {
    if (!kv.is_array()) return nullptr;
    for (const auto& e : kv) {
        if (e.is_object() && e.contains("key") && e["key"] == key) {
            auto it = e.find("value");
            return it == e.end() ? nullptr : &*it;
        }
    }
    return nullptr;
}

void setKeyValue(Json& kv, std::string_view key, Json value) {
    if (!kv.is_array()) kv = Json::array();
    for (auto& e : kv) {
        if (e.is_object() && e.contains("key") && e["key"] == key) {
            e["value"] = std::move(value);
            return;
        }
    }
    kv.push_back({{"key", key}, {"value", std::move(value)}});
}

Json mergeParams(std::initializer_list<const Json*> layers) {
    Json out = Json::object();
    for (const Json* layer : layers) {
        if (layer == nullptr || !layer->is_object()) continue;
        for (auto it = layer->begin(); it != layer->end(); ++it) out[it.key()] = it.value();
    }
    return out;
}

void appendJsonString(std::string& out, std::string_view s) {
    bool plain = true;  // printable ASCII without '"' and '\\': copied as it is
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
            plain = false;
            break;
        }
    }
    if (!plain) {
        appendJson(out, Json(std::string(s)));
        return;
    }
    out += '"';
    out += s;
    out += '"';
}

void appendJsonInt(std::string& out, std::int64_t v) {
    char b[24];
    auto r = std::to_chars(b, b + sizeof b, v);
    out.append(b, r.ptr);
}

void appendJsonDouble(std::string& out, double v) {
    if (!std::isfinite(v)) {
        out += "null";
        return;
    }
    char b[32];
    auto r = std::to_chars(b, b + sizeof b, v);
    std::string_view text(b, static_cast<std::size_t>(r.ptr - b));
    out += text;
    if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void appendJson(std::string& out, const Json& v) {
    out += v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace fw
