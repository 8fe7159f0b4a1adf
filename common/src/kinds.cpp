#include "fw/common/kinds.hpp"

namespace fw {

const std::vector<std::string>& validKinds() {
    static const std::vector<std::string> kinds = {"blackbox", "nodejs:20", "nodejs:default",
                                                   "python:3", "python:3.11", "python:default"};
    return kinds;
}

Result<std::string> resolveKind(std::string_view kind) {
    if (kind == "python" || kind == "python:default") return std::string("python:3");
    if (kind == "nodejs" || kind == "nodejs:default") return std::string("nodejs:20");
    for (const auto& k : validKinds()) {
        if (k == kind) return k;
    }
    std::string list;
    for (const auto& k : validKinds()) {
        if (!list.empty()) list += ", ";
        list += "'" + k + "'";
    }
    return Error{Errc::InvalidArgument, "The request content was malformed:\nThe specified runtime '" +
                                            std::string(kind) +
                                            "' is not supported by this platform. Valid values are: " +
                                            list + "."};
}

RuntimeFamily familyOf(std::string_view k) {
    if (k.starts_with("python")) return RuntimeFamily::Python;
    if (k.starts_with("nodejs")) return RuntimeFamily::NodeJs;
    if (k == "sequence") return RuntimeFamily::Sequence;
    return RuntimeFamily::Blackbox;
}

}  // namespace fw
