// Spec parsing and validation: a table of JSON specs and the error each must produce.
#include <gtest/gtest.h>

#include "fw/sandbox/spec.hpp"

namespace fw::sandbox {
namespace {

Json base() {
    return Json{{"id", "abc-1"}, {"argv", {"/bin/true"}}, {"hostUid", 200000}, {"hostGid", 200000}};
}

TEST(SandboxSpec, MinimalSpecGetsDefaults) {
    auto s = specFromJson(base());
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->cwd, "/");
    EXPECT_EQ(s->memoryMb, 256);
    EXPECT_EQ(s->tmpSizeMb, 64);
    EXPECT_FALSE(s->network);
    EXPECT_EQ(s->uid, 1000u);
    EXPECT_EQ(s->seccompProfile, "default");
}

TEST(SandboxSpec, RoundTripsThroughJson) {
    Json j = base();
    j["mounts"] = {{{"source", "/usr"}, {"target", "/usr"}, {"readOnly", true}},
                   {{"source", "/data/code/a1"}, {"target", "/code"}, {"readOnly", true}}};
    j["files"] = {{{"path", "/etc/passwd"}, {"content", "x"}}};
    j["env"] = {"A=1", "__OW_ACTION_NAME=/ns/a"};
    j["memoryMb"] = 128;
    auto s = specFromJson(j);
    ASSERT_TRUE(s) << s.error().message;
    auto again = specFromJson(specToJson(*s));
    ASSERT_TRUE(again);
    EXPECT_EQ(specToJson(*again), specToJson(*s));
    EXPECT_EQ(again->mounts.at(1).target, "/code");
}

TEST(SandboxSpec, InvalidSpecsAreRefusedWithTheRule) {
    struct Case {
        const char* name;
        Json patch;
        const char* message;
    };
    const Case cases[] = {
        {"bad id", {{"id", "A_b"}}, "id must match"},
        {"empty argv", {{"argv", Json::array()}}, "argv must not be empty"},
        {"relative argv0", {{"argv", {"bin/sh"}}}, "argv[0] must be an absolute path"},
        {"dotdot argv0", {{"argv", {"/usr/../bin/sh"}}}, "argv[0] must be an absolute path"},
        {"argv not strings", {{"argv", {1, 2}}}, "argv must be an array of strings"},
        {"env without =", {{"env", {"NOVALUE"}}}, "is not KEY=VALUE"},
        {"root uid", {{"hostUid", 0}}, "must not be 0 (root)"},
        {"missing host ids", {{"hostGid", nullptr}, {"hostUid", nullptr}}, "must not be 0 (root)"},
        {"mount escapes", {{"mounts", {{{"source", "/usr"}, {"target", "/x/../../etc"}}}}}, "mount target"},
        {"mount on /", {{"mounts", {{{"source", "/usr"}, {"target", "/"}}}}}, "mount target"},
        {"mount on /proc", {{"mounts", {{{"source", "/usr"}, {"target", "/proc/sys"}}}}}, "is reserved"},
        {"relative source", {{"mounts", {{{"source", "usr"}, {"target", "/usr"}}}}}, "mount source"},
        {"tmp too large", {{"tmpSizeMb", 100000}}, "tmpSizeMb"},
        {"memory too small", {{"memoryMb", 1}}, "memoryMb"},
        {"pids zero", {{"pidsMax", 0}}, "pidsMax"},
        {"cgroup parent escapes", {{"cgroupParent", "../x"}}, "cgroupParent"},
        {"cgroup parent absolute", {{"cgroupParent", "/x"}}, "cgroupParent"},
        {"bad backend", {{"cgroupBackend", "v3"}}, "cgroupBackend"},
        {"wrong type", {{"network", "yes"}}, "network must be a boolean"},
        {"relative state dir", {{"stateDir", "state"}}, "stateDir"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        Json j = base();
        for (auto it = c.patch.begin(); it != c.patch.end(); ++it) {
            if (it.value().is_null()) j.erase(it.key());
            else j[it.key()] = it.value();
        }
        auto s = specFromJson(j);
        ASSERT_FALSE(s);
        EXPECT_EQ(s.error().code, Errc::InvalidArgument);
        EXPECT_NE(s.error().message.find(c.message), std::string::npos) << s.error().message;
    }
}

TEST(SandboxSpec, MalformedJsonIsRefused) {
    EXPECT_FALSE(parseSpec("{"));
    EXPECT_FALSE(parseSpec("[]"));
}

}  // namespace
}  // namespace fw::sandbox
