#include "fw/client/url.hpp"

#include <gtest/gtest.h>

namespace fw::client {
namespace {

TEST(Url, EncodeComponentLikeJavaScript) {
    struct Case {
        std::string in, want;
    } cases[] = {
        {"abc-_.!~*'()XYZ09", "abc-_.!~*'()XYZ09"},
        {"a b", "a%20b"},
        {"a/b", "a%2Fb"},
        {"x@y&z=1?#", "x%40y%26z%3D1%3F%23"},
        {"caf\xc3\xa9", "caf%C3%A9"},
        {"", ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.in);
        EXPECT_EQ(encodeComponent(c.in), c.want);
    }
}

TEST(Url, EncodePathSegmentKeepsPchar) {
    struct Case {
        std::string in, want;
    } cases[] = {
        {"hello", "hello"},         {"my action", "my%20action"},
        {"a@b&c.d-e", "a@b&c.d-e"}, {"a/b", "a%2Fb"},
        {"50%", "50%25"},           {"q?x#y", "q%3Fx%23y"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.in);
        EXPECT_EQ(encodePathSegment(c.in), c.want);
    }
}

TEST(Url, NormalizeApiHost) {
    struct Case {
        std::string in, want;
    } cases[] = {
        {"127.0.0.1:3233", "http://127.0.0.1:3233"},
        {"localhost", "http://localhost"},
        {"http://h:1/", "http://h:1"},
        {"https://example.com", "https://example.com"},
        {"  http://h:1//  ", "http://h:1"},
        {"", ""},
        {"   ", ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.in);
        EXPECT_EQ(normalizeApiHost(c.in), c.want);
    }
}

TEST(Url, BuildUrl) {
    struct Case {
        std::string host, path;
        Query query;
        std::string want;
    } cases[] = {
        {"h:1", "namespaces", {}, "http://h:1/api/v1/namespaces"},
        {"http://h:1/", "/namespaces", {}, "http://h:1/api/v1/namespaces"},
        {"h:1",
         "namespaces/_/actions/a",
         {{"blocking", "true"}, {"result", "true"}},
         "http://h:1/api/v1/namespaces/_/actions/a?blocking=true&result=true"},
        {"h:1",
         "namespaces/_/activations",
         {{"name", "pkg/a b"}, {"k&=", "v?#"}},
         "http://h:1/api/v1/namespaces/_/activations?name=pkg%2Fa%20b&k%26%3D=v%3F%23"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.want);
        EXPECT_EQ(buildUrl(c.host, c.path, c.query), c.want);
    }
}

TEST(Url, EntityPathFromNames) {
    struct Case {
        std::string name, defaultNs, want;
    } cases[] = {
        {"hello", "_", "namespaces/_/actions/hello"},
        {"pkg/a", "_", "namespaces/_/actions/pkg/a"},
        {"/ns/a", "_", "namespaces/ns/actions/a"},
        {"/ns/pkg/a", "_", "namespaces/ns/actions/pkg/a"},
        {"ns/pkg/a", "_", "namespaces/ns/actions/pkg/a"},
        {"/_/a", "_", "namespaces/_/actions/a"},
        {"/_/a", "guest", "namespaces/guest/actions/a"},
        {"a", "guest", "namespaces/guest/actions/a"},
        {"a", "", "namespaces/_/actions/a"},
        {"my action", "_", "namespaces/_/actions/my%20action"},
        {"/user@example.com/a", "_", "namespaces/user%40example.com/actions/a"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        auto p = entityPath("actions", c.name, c.defaultNs);
        ASSERT_TRUE(p) << p.error().message;
        EXPECT_EQ(*p, c.want);
    }
}

TEST(Url, EntityPathRejectsBadNames) {
    for (std::string name : {"", "/", "/ns", "a/b/c/d", "/ns/a/b/c", "a//b", "-a", "a?b"}) {
        SCOPED_TRACE(name);
        auto p = entityPath("actions", name, "_");
        ASSERT_FALSE(p) << *p;
        EXPECT_EQ(p.error().code, Errc::InvalidArgument);
    }
}

}  // namespace
}  // namespace fw::client
