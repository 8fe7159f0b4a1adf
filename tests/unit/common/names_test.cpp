#include <gtest/gtest.h>

#include "fw/common/kinds.hpp"
#include "fw/common/names.hpp"

namespace fw {
namespace {

TEST(Names, EntityNameRule) {
    struct Case {
        std::string name;
        bool valid;
    } cases[] = {
        {"hello", true},          {"a", true},           {"_", true},
        {"hello world", true},    {"a.b-c@d&e", true},   {"x-", true},
        {"", false},              {"../x", false},       {"a/b", false},
        {" lead", false},         {"trail ", false},     {"-x", false},
        {"semi;colon", false},    {"new\nline", false},  {std::string(256, 'a'), true},
        {std::string(257, 'a'), false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(isValidEntityName(c.name), c.valid);
    }
}

TEST(Names, ParseEntityName) {
    auto a = parseEntityName("hello");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->pkg, "");
    EXPECT_EQ(a->name, "hello");
    auto b = parseEntityName("pkg/hello");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->path(), "pkg/hello");
    for (const char* bad : {"", "a/b/c", "../x", "a/", "/a", "a//b"}) {
        SCOPED_TRACE(bad);
        auto r = parseEntityName(bad);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, Errc::InvalidArgument);
    }
}

TEST(Names, QualifiedNamesResolveUnderscore) {
    struct Case {
        std::string in;
        std::string ns;
        std::string path;
    } cases[] = {
        {"hello", "guest", "hello"},
        {"pkg/hello", "guest", "pkg/hello"},
        {"/other/hello", "other", "hello"},
        {"/other/pkg/hello", "other", "pkg/hello"},
        {"other/pkg/hello", "other", "pkg/hello"},
        {"/_/hello", "guest", "hello"},
        {"/_/pkg/hello", "guest", "pkg/hello"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.in);
        auto q = parseQualifiedName(c.in, "guest");
        ASSERT_TRUE(q) << q.error().message;
        EXPECT_EQ(q->ns, c.ns);
        EXPECT_EQ(q->entity.path(), c.path);
    }
    EXPECT_FALSE(parseQualifiedName("/onlyns", "guest"));
    EXPECT_FALSE(parseQualifiedName("/a/b/c/d", "guest"));
    EXPECT_EQ(resolveNamespace("_", "guest"), "guest");
    EXPECT_EQ(resolveNamespace("other", "guest"), "other");
}

TEST(Kinds, ResolveAliasesAndRejectUnknown) {
    struct Case {
        std::string in;
        std::string out;
    } cases[] = {
        {"python", "python:3"},       {"python:default", "python:3"}, {"python:3", "python:3"},
        {"python:3.11", "python:3.11"}, {"nodejs", "nodejs:20"},      {"nodejs:default", "nodejs:20"},
        {"nodejs:20", "nodejs:20"},   {"blackbox", "blackbox"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.in);
        auto k = resolveKind(c.in);
        ASSERT_TRUE(k);
        EXPECT_EQ(*k, c.out);
    }
    auto bad = resolveKind("java:8");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::InvalidArgument);
    EXPECT_NE(bad.error().message.find("The specified runtime 'java:8' is not supported"), std::string::npos);
    EXPECT_NE(bad.error().message.find("'python:3'"), std::string::npos);
    EXPECT_NE(bad.error().message.find("'nodejs:20'"), std::string::npos);
    EXPECT_EQ(familyOf("python:3.11"), RuntimeFamily::Python);
    EXPECT_EQ(familyOf("nodejs:20"), RuntimeFamily::NodeJs);
    EXPECT_EQ(familyOf("blackbox"), RuntimeFamily::Blackbox);
}

}  // namespace
}  // namespace fw
