#include <gtest/gtest.h>

#include "fw/gateway/gateway.hpp"
#include "request.hpp"

namespace fw::gateway {
namespace {

namespace bhttp = boost::beast::http;

TEST(Request, TargetSegmentsAndQuery) {
    auto t = parseTarget("/api/v1/namespaces/my%20ns/actions/pkg/a%2Fb?blocking=true&name=a+b&x=%41");
    ASSERT_EQ(t.segments.size(), 7u);
    EXPECT_EQ(t.segments[3], "my ns");
    EXPECT_EQ(t.segments[6], "a/b");  // an encoded slash stays inside its segment
    EXPECT_EQ(t.query.at("blocking"), "true");
    EXPECT_EQ(t.query.at("name"), "a b");
    EXPECT_EQ(t.query.at("x"), "A");
    EXPECT_FALSE(t.trailingSlash);
    EXPECT_TRUE(parseTarget("/api/v1/namespaces/_/actions/pkg/").trailingSlash);
}

TEST(Request, TypedQueryValues) {
    auto t = parseTarget("/x?a=true&b=false&c=maybe&n=12&m=1x&e=");
    EXPECT_EQ(*queryBool(t, "a", false), true);
    EXPECT_EQ(*queryBool(t, "b", true), false);
    EXPECT_EQ(*queryBool(t, "missing", true), true);
    EXPECT_EQ(*queryBool(t, "e", false), true);
    auto bad = queryBool(t, "c", false);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("'c'"), std::string::npos);
    EXPECT_EQ(*queryInt(t, "n", 0), 12);
    EXPECT_EQ(*queryInt(t, "missing", 7), 7);
    EXPECT_FALSE(queryInt(t, "m", 0));
}

TEST(Errors, EveryCodeHasItsStatus) {
    struct Case {
        Errc code;
        bhttp::status status;
    } cases[] = {
        {Errc::InvalidArgument, bhttp::status::bad_request},
        {Errc::NotFound, bhttp::status::not_found},
        {Errc::Conflict, bhttp::status::conflict},
        {Errc::Unauthorized, bhttp::status::unauthorized},
        {Errc::Forbidden, bhttp::status::forbidden},
        {Errc::TooManyRequests, bhttp::status::too_many_requests},
        {Errc::PayloadTooLarge, bhttp::status::payload_too_large},
        {Errc::NotAcceptable, bhttp::status::not_acceptable},
        {Errc::NotImplemented, bhttp::status::not_implemented},
        {Errc::Timeout, bhttp::status::gateway_timeout},
        {Errc::Unavailable, bhttp::status::service_unavailable},
        {Errc::SandboxFailed, bhttp::status::internal_server_error},
        {Errc::StoreFailed, bhttp::status::internal_server_error},
        {Errc::Internal, bhttp::status::internal_server_error},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(errcName(c.code)));
        EXPECT_EQ(statusOf(c.code), c.status);
    }
}

}  // namespace
}  // namespace fw::gateway
