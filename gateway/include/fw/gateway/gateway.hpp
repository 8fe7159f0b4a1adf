// The HTTP edge: the OpenWhisk-compatible REST API under /api/v1. Parses a request into a typed
// call on the controller (authentication, path, query, body, size limits) and turns the answer
// into JSON and a status. Thin: no business logic lives here.
#pragma once

#include <boost/beast/http/status.hpp>
#include <string>

#include "fw/controller/controller.hpp"
#include "fw/http/server.hpp"

namespace fw::gateway {

// The one mapping from an error code to an HTTP status.
boost::beast::http::status statusOf(Errc c);

struct GatewayOptions {
    std::string build = "firework";  // reported by GET /api/v1
    std::string buildNumber = "0.1.0";
};

class Gateway final : public http::Handler {
public:
    Gateway(controller::Controller& ctl, GatewayOptions opts);

    std::size_t bodyLimit(const http::RequestHeader& head) const override;
    http::Response tooLarge(const http::RequestHeader& head, std::size_t size,
                            std::size_t limit) override;
    boost::asio::awaitable<http::Response> handle(http::Request req) override;
    http::Response internalError(const http::Request& req, const std::exception& e) override;

private:
    controller::Controller& ctl_;
    GatewayOptions opts_;
};

}  // namespace fw::gateway
