#include "fw/sandbox/control.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fw::sandbox {
namespace {

void sendJson(int fd, const Json& j, const std::vector<int>& passFds = {}) { sendDatagram(fd, j.dump(), passFds); }

class SocketChannel final : public Channel {
public:
    explicit SocketChannel(int fd) : fd_(fd) {}
    void ready(pid_t initPid, int initPidfd, const std::vector<std::string>& dirs, std::string_view backend,
               const OpenCounters& counters) override {
        Json j{{"type", "ready"}, {"initPid", initPid}, {"cgroups", dirs}, {"backend", backend}};
        std::vector<int> fds{initPidfd};
        if (!counters.fds.empty()) {
            Json described = Json::array();
            for (const auto& c : counters.counters) {
                described.push_back({{"file", c.path}, {"usage", fieldName(c.field)}, {"keys", c.keys}, {"divisor", c.divisor}});
            }
            j["counters"] = described;
            fds.insert(fds.end(), counters.fds.begin(), counters.fds.end());
        }
        sendJson(fd_, j, fds);
    }
    void failed(std::string_view message) override { sendJson(fd_, {{"type", "error"}, {"message", message}}); }
    void exited(int status, const CgroupUsage& u, std::string_view cleanupError) override {
        Json j{{"type", "exit"}, {"status", status}, {"usage", usageToJson(u)}};
        if (!cleanupError.empty()) j["cleanupError"] = cleanupError;
        sendJson(fd_, j);
    }
    int pollFd() const override { return fd_; }
    bool serve(const std::function<Result<CgroupUsage>()>& usage) override {
        char buf[4096];
        ssize_t n;
        do {
            n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
        } while (n < 0 && errno == EINTR);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        if (n <= 0) return false;
        auto req = Json::parse(std::string_view(buf, static_cast<std::size_t>(n)), nullptr, false);
        std::string type = req.is_object() && req.contains("type") && req["type"].is_string()
                               ? req["type"].get<std::string>()
                               : "";
        if (type == "usage") {
            auto u = usage();
            if (u) {
                sendJson(fd_, {{"type", "usage"}, {"usage", usageToJson(*u)}});
            } else {
                sendJson(fd_, {{"type", "usage"}, {"error", u.error().message}});
            }
        } else {
            sendJson(fd_, {{"type", "error"}, {"message", "unknown request"}});
        }
        return true;
    }

private:
    int fd_;
};

class StderrChannel final : public Channel {
public:
    // A private copy of stderr: fd 2 itself belongs to the function.
    StderrChannel() : fd_(::fcntl(2, F_DUPFD_CLOEXEC, 10)) {}
    void ready(pid_t, int, const std::vector<std::string>&, std::string_view, const OpenCounters&) override {}
    void failed(std::string_view message) override {
        std::string line = "fw-sandbox: " + std::string(message) + "\n";
        if (fd_ >= 0) (void)!::write(fd_, line.data(), line.size());
    }
    void exited(int, const CgroupUsage&, std::string_view cleanupError) override {
        if (!cleanupError.empty()) failed(cleanupError);
    }
    int pollFd() const override { return -1; }
    bool serve(const std::function<Result<CgroupUsage>()>&) override { return true; }

private:
    int fd_;
};

}  // namespace

void sendDatagram(int sock, std::string_view text, const std::vector<int>& fds) {
    iovec iov{const_cast<char*>(text.data()), text.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    std::vector<char> ctrl(CMSG_SPACE(sizeof(int) * fds.size()));
    if (!fds.empty()) {
        msg.msg_control = ctrl.data();
        msg.msg_controllen = ctrl.size();
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    while (::sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
}

OpenCounters::~OpenCounters() {
    for (int fd : fds) ::close(fd);
}

void openCounters(const std::vector<UsageCounter>& counters, OpenCounters& out) {
    for (const auto& c : counters) {
        int fd = ::open(c.path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            for (int f : out.fds) ::close(f);
            out.fds.clear();
            out.counters.clear();
            return;
        }
        out.fds.push_back(fd);
        out.counters.push_back(c);
    }
}

std::unique_ptr<Channel> makeSocketChannel(int fd) { return std::make_unique<SocketChannel>(fd); }
std::unique_ptr<Channel> makeStderrChannel() { return std::make_unique<StderrChannel>(); }

Json usageToJson(const CgroupUsage& u) {
    return {{"cpuTimeUs", u.cpuTimeUs}, {"peakMemoryBytes", u.peakMemoryBytes}, {"oomKilled", u.oomKilled}};
}

Result<std::string> receiveSpecText(int fd, int timeoutMs) {
    pollfd p{fd, POLLIN, 0};
    int rc;
    do {
        rc = ::poll(&p, 1, timeoutMs);
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) return Error{Errc::Timeout, "no spec received on the control fd within " + std::to_string(timeoutMs) + " ms"};
    if (rc < 0) return Error{Errc::SandboxFailed, sysError("poll(control fd)", errno)};
    // MSG_PEEK|MSG_TRUNC tells the datagram's size without consuming it.
    ssize_t size = ::recv(fd, nullptr, 0, MSG_PEEK | MSG_TRUNC);
    if (size < 0) return Error{Errc::SandboxFailed, sysError("recv(control fd, MSG_PEEK)", errno)};
    if (size == 0) return Error{Errc::SandboxFailed, "the control socket was closed before a spec arrived"};
    std::string text(static_cast<std::size_t>(size), '\0');
    ssize_t n = ::recv(fd, text.data(), text.size(), 0);
    if (n != size) return Error{Errc::SandboxFailed, sysError("recv(control fd)", errno)};
    return text;
}

}  // namespace fw::sandbox
