// A small HTTP/1.1 server on Beast: one coroutine per connection, a deadline on every read and
// write, a per-request body limit chosen from the request head, `Expect: 100-continue`, a
// catch-all that turns a stray exception into a 500, and two-phase shutdown. It knows nothing of
// routes or of the API: the gateway gives it a Handler.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>

#include "fw/common/error.hpp"

namespace fw::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Request = beast::http::request<beast::http::string_body>;
using Response = beast::http::response<beast::http::string_body>;
using RequestHeader = beast::http::request_header<>;

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 3233;  // 0: any free port
    std::chrono::seconds readTimeout{30};   // to read one request (head and body)
    std::chrono::seconds writeTimeout{30};  // to write one response
    std::chrono::seconds idleTimeout{75};   // keep-alive between requests
};

class Handler {
public:
    virtual ~Handler() = default;
    // The largest body accepted for a request with this head; larger ones get `tooLarge()`.
    virtual std::size_t bodyLimit(const RequestHeader& head) const = 0;
    virtual Response tooLarge(const RequestHeader& head, std::size_t size, std::size_t limit) = 0;
    virtual asio::awaitable<Response> handle(Request req) = 0;
    // The response for an exception that escaped handle().
    virtual Response internalError(const Request& req, const std::exception& e) = 0;
};

class Server {
public:
    Server(asio::io_context& io, ServerOptions opts, Handler& handler);
    ~Server();

    // Binds and starts accepting; an error says why (address in use, permission denied).
    Result<void> start();
    std::uint16_t port() const { return port_; }
    // Phase one: stop accepting and close idle keep-alive connections; requests in progress
    // finish and their connections close after the response.
    void stopAccepting();
    std::size_t activeConnections() const { return sessions_.size(); }
    // Phase two: close every remaining connection now.
    void closeAll();

private:
    struct Session;
    asio::awaitable<void> acceptLoop();
    asio::awaitable<void> serve(std::shared_ptr<Session> s);

    asio::io_context& io_;
    ServerOptions opts_;
    Handler& handler_;
    asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    bool stopping_ = false;
    // Live connections; only touched on the io_context's thread.
    std::list<std::shared_ptr<Session>> sessions_;
};

}  // namespace fw::http
