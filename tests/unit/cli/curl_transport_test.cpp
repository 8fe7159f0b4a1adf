// The libcurl transport against a tiny loopback HTTP server written here: one thread, one
// accepted connection, canned answers. It checks what goes over the wire (method, path, query
// encoding, auth, body) and that consecutive requests share the connection.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "fw/client/client.hpp"

namespace fw::client {
namespace {

struct RawRequest {
    std::string head;  // request line and headers
    std::string body;
};

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Accepts one connection and answers `answers.size()` requests on it, in order.
class LoopbackServer {
  public:
    explicit LoopbackServer(std::vector<std::string> answers) : answers_(std::move(answers)) {
        listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(listenFd_, 4) != 0) {
            throw std::runtime_error("bind/listen failed");
        }
        socklen_t len = sizeof addr;
        ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~LoopbackServer() {
        if (thread_.joinable()) thread_.join();
        ::close(listenFd_);
    }

    int port() const { return port_; }
    // Valid after the client is done (the thread has answered everything).
    const std::vector<RawRequest>& requests() {
        if (thread_.joinable()) thread_.join();
        return requests_;
    }
    int connections() const { return connections_; }

  private:
    void serve() {
        // Bounded waits everywhere: a broken client must fail the test, not hang it.
        pollfd p{listenFd_, POLLIN, 0};
        if (::poll(&p, 1, 5000) != 1) return;
        int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return;
        ++connections_;
        timeval tv{5, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        std::string buf;
        for (const auto& answer : answers_) {
            std::size_t end;
            while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
                if (!readMore(fd, buf)) return close(fd);
            }
            RawRequest r;
            r.head = buf.substr(0, end);
            buf.erase(0, end + 4);
            std::size_t length = 0;
            auto lh = lower(r.head);
            if (auto pos = lh.find("\r\ncontent-length:"); pos != std::string::npos) {
                length = std::stoul(lh.substr(pos + 17));
            }
            while (buf.size() < length) {
                if (!readMore(fd, buf)) return close(fd);
            }
            r.body = buf.substr(0, length);
            buf.erase(0, length);
            requests_.push_back(std::move(r));
            ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
        }
        close(fd);
    }
    static bool readMore(int fd, std::string& buf) {
        char tmp[4096];
        auto n = ::recv(fd, tmp, sizeof tmp, 0);
        if (n <= 0) return false;
        buf.append(tmp, static_cast<std::size_t>(n));
        return true;
    }
    static void close(int fd) { ::close(fd); }

    std::vector<std::string> answers_;
    int listenFd_ = -1;
    int port_ = 0;
    int connections_ = 0;
    std::vector<RawRequest> requests_;
    std::thread thread_;
};

std::string http(int status, std::string_view reason, std::string_view body,
                 std::string_view extraHeaders = "") {
    return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n" + std::string(extraHeaders) + "\r\n" + std::string(body);
}

TEST(CurlTransport, SendsWhatTheClientBuiltOverOneConnection) {
    LoopbackServer server({
        http(200, "OK", R"({"name":"a"})", "X-OpenWhisk-Activation-Id: abc\r\n"),
        http(502, "Bad Gateway", R"({"activationId":"abc","response":{"result":{"error":"e"}}})"),
        http(404, "Not Found", R"({"error":"The requested resource does not exist.","code":"t"})"),
    });
    Client client(Config{"127.0.0.1:" + std::to_string(server.port()), "uuid:key", "_", 10'000});

    Json body = {{"exec", {{"kind", "nodejs:20"}, {"code", "function main(){}"}}}};
    auto put = client.putAction("pkg/my action", body, true);
    ASSERT_TRUE(put) << put.error().message;
    EXPECT_EQ(*put, (Json{{"name", "a"}}));
    EXPECT_EQ(client.lastResponse().header("x-openwhisk-activation-id"), "abc")
        << "header names are lower-cased";

    auto inv = client.invokeAction("/other ns/a", {{"q", "a&b=c"}}, true, true);
    ASSERT_TRUE(inv) << inv.error().message;
    EXPECT_EQ(inv->status, 502);

    auto get = client.listActivations({.name = "pkg/a", .limit = 1, .since = 5});
    ASSERT_FALSE(get);
    EXPECT_EQ(get.error().code, Errc::NotFound);
    EXPECT_EQ(get.error().message, "The requested resource does not exist.");

    const auto& reqs = server.requests();
    ASSERT_EQ(reqs.size(), 3u);
    EXPECT_EQ(server.connections(), 1) << "the handle keeps the connection alive";

    auto firstLine = [](const RawRequest& r) { return r.head.substr(0, r.head.find("\r\n")); };
    EXPECT_EQ(firstLine(reqs[0]),
              "PUT /api/v1/namespaces/_/actions/pkg/my%20action?overwrite=true HTTP/1.1");
    EXPECT_EQ(firstLine(reqs[1]),
              "POST /api/v1/namespaces/other%20ns/actions/a?blocking=true&result=true HTTP/1.1");
    EXPECT_EQ(firstLine(reqs[2]),
              "GET /api/v1/namespaces/_/activations?name=pkg%2Fa&limit=1&since=5 HTTP/1.1");

    auto head0 = lower(reqs[0].head);
    EXPECT_NE(head0.find("\r\nauthorization: basic dxvpzdprzxk="), std::string::npos) << head0;
    EXPECT_NE(head0.find("\r\ncontent-type: application/json"), std::string::npos);
    EXPECT_EQ(head0.find("expect:"), std::string::npos) << "no 100-continue round trip";
    EXPECT_EQ(Json::parse(reqs[0].body), body);
    EXPECT_EQ(Json::parse(reqs[1].body), (Json{{"q", "a&b=c"}}));
    EXPECT_EQ(reqs[2].body, "");
    EXPECT_EQ(lower(reqs[2].head).find("content-type:"), std::string::npos);
}

TEST(CurlTransport, DeleteHasNoBody) {
    LoopbackServer server({http(200, "OK", "{}")});
    Client client(
        Config{"http://127.0.0.1:" + std::to_string(server.port()) + "/", "u:k", "_", 10'000});
    ASSERT_TRUE(client.deletePackage("p"));
    const auto& reqs = server.requests();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_TRUE(reqs[0].head.starts_with("DELETE /api/v1/namespaces/_/packages/p HTTP/1.1\r\n"));
    EXPECT_EQ(reqs[0].body, "");
}

TEST(CurlTransport, RefusedConnectionIsUnavailable) {
    // Bind a port and close it without listening: connecting to it is refused.
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    int port = ntohs(addr.sin_port);
    ::close(fd);

    Client client(Config{"127.0.0.1:" + std::to_string(port), "u:k", "_", 10'000});
    auto r = client.listNamespaces();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::Unavailable);
    EXPECT_NE(r.error().message.find("cannot connect to http://127.0.0.1:"), std::string::npos)
        << r.error().message;
}

}  // namespace
}  // namespace fw::client
