#include "fw/http/server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <limits>

namespace fw::http {

namespace http = beast::http;
using asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxDrainBytes = 128 * 1024 * 1024;

struct Server::Session {
    explicit Session(tcp::socket s) : stream(std::move(s)) {}
    beast::tcp_stream stream;
    bool busy = false;  // between reading a request head and finishing its response
};

Server::Server(asio::io_context& io, ServerOptions opts, Handler& handler)
    : io_(io), opts_(std::move(opts)), handler_(handler), acceptor_(io) {}

Server::~Server() { closeAll(); }

Result<void> Server::start() {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(opts_.host, ec);
    if (ec) return Error{Errc::InvalidArgument, "invalid listen address '" + opts_.host + "'"};
    tcp::endpoint ep(addr, opts_.port);
    auto fail = [&](const char* what) {
        return Error{Errc::Unavailable, std::string(what) + " " + opts_.host + ":" +
                                            std::to_string(opts_.port) + ": " + ec.message()};
    };
    acceptor_.open(ep.protocol(), ec);
    if (ec) return fail("cannot open a socket for");
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    acceptor_.bind(ep, ec);
    if (ec) return fail("cannot listen on");
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("cannot listen on");
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, acceptLoop(), asio::detached);
    return {};
}

void Server::stopAccepting() {
    stopping_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    // Idle keep-alive connections hold no work: close them now; busy ones close after replying.
    for (auto& s : sessions_) {
        if (!s->busy) s->stream.socket().close(ec);
    }
}

void Server::closeAll() {
    stopping_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    for (auto& s : sessions_) s->stream.socket().close(ec);
}

asio::awaitable<void> Server::acceptLoop() {
    while (!stopping_) {
        auto [ec, sock] = co_await acceptor_.async_accept(kTuple);
        if (ec) {
            if (stopping_ || ec == asio::error::operation_aborted) co_return;
            spdlog::warn("accept failed: {}", ec.message());
            continue;
        }
        sock.set_option(tcp::no_delay(true), ec);
        auto s = std::make_shared<Session>(std::move(sock));
        sessions_.push_back(s);
        asio::co_spawn(io_, serve(s), asio::detached);
    }
}

asio::awaitable<void> Server::serve(std::shared_ptr<Session> s) {
    beast::flat_buffer buffer;
    bool first = true;
    while (!stopping_) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(64 * 1024);
        // Beast checks Content-Length against the body limit while reading the head (default
        // 1 MB); the real, per-request limit is set once the head is known.
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        s->stream.expires_after(first ? opts_.readTimeout : opts_.idleTimeout);
        first = false;
        auto [ec, n] = co_await http::async_read_header(s->stream, buffer, parser, kTuple);
        if (ec) break;  // closed, timed out or garbage: nothing to answer
        s->busy = true;
        s->stream.expires_after(opts_.readTimeout);

        const auto& head = parser.get().base();
        std::size_t limit = handler_.bodyLimit(head);
        std::optional<Response> early;
        if (auto len = parser.content_length(); len && *len > limit) {
            early = handler_.tooLarge(head, static_cast<std::size_t>(*len), limit);
        } else {
            parser.body_limit(limit);
            if (beast::iequals(head[http::field::expect], "100-continue")) {
                http::response<http::empty_body> cont{http::status::continue_, head.version()};
                auto [wec, wn] = co_await http::async_write(s->stream, cont, kTuple);
                if (wec) break;
            }
            auto [rec, rn] = co_await http::async_read(s->stream, buffer, parser, kTuple);
            if (rec == http::error::body_limit) {
                early = handler_.tooLarge(head, limit + 1, limit);
            } else if (rec) {
                break;
            }
        }

        Response res;
        bool keepAlive;
        if (early) {
            res = std::move(*early);
            keepAlive = false;  // the unread body is still on the wire
        } else {
            Request req = parser.release();
            keepAlive = req.keep_alive();
            unsigned version = req.version();
            try {
                // Hold a copy of the head for the catch-all: handle() consumes the request.
                Request headOnly;
                headOnly.base() = req.base();
                try {
                    // Not one expression: see GCC bug 99576 (controller.cpp, StoreThread::run).
                    auto handled = handler_.handle(std::move(req));
                    res = co_await std::move(handled);
                } catch (const std::exception& e) {
                    res = handler_.internalError(headOnly, e);
                }
            } catch (...) {
                res = Response{http::status::internal_server_error, version};
            }
            res.version(version);
        }
        res.keep_alive(keepAlive && !stopping_);
        res.prepare_payload();
        s->stream.expires_after(opts_.writeTimeout);
        auto [wec, wn] = co_await http::async_write(s->stream, res, kTuple);
        s->busy = false;
        // Beast reports end_of_stream after writing a "Connection: close" message: not a failure.
        if (wec == http::error::end_of_stream) wec = {};
        if (!wec && early) {
            // The refused body is still arriving. Closing now would reset the connection and
            // the client would see a send error instead of our 413: stop sending, then read and
            // discard what comes (bounded in bytes and time) before closing ("lingering close").
            boost::system::error_code sec;
            s->stream.socket().shutdown(tcp::socket::shutdown_send, sec);
            s->stream.expires_after(std::chrono::seconds(5));
            std::size_t drained = 0;
            char sink[16384];
            while (drained < kMaxDrainBytes) {
                auto [rec, rn] = co_await s->stream.async_read_some(asio::buffer(sink), kTuple);
                if (rec) break;
                drained += rn;
            }
        }
        if (wec || !res.keep_alive()) break;
    }
    boost::system::error_code ec;
    s->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    s->stream.socket().close(ec);
    sessions_.remove(s);
}

}  // namespace fw::http
