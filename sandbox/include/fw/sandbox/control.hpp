// How fw-sandbox talks to whoever started it. With --control-fd, one SOCK_SEQPACKET socket
// carries JSON datagrams both ways (the spec in; ready/error/usage/exit out, the init's pidfd and
// the usage counters' files attached to "ready" with SCM_RIGHTS). Without it (a human with
// --spec), errors go to stderr. The protocol is documented in docs/sandbox.md.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fw/common/error.hpp"
#include "fw/common/json.hpp"
#include "fw/sandbox/cgroup.hpp"

namespace fw::sandbox {

// The usage counters' files, opened read-only for the invoker; closed with this object.
struct OpenCounters {
    std::vector<UsageCounter> counters;
    std::vector<int> fds;  // one per counter, in the same order
    OpenCounters() = default;
    OpenCounters(const OpenCounters&) = delete;
    OpenCounters& operator=(const OpenCounters&) = delete;
    ~OpenCounters();
};
// All of them, or none when one cannot be opened (the invoker then asks for usage instead).
void openCounters(const std::vector<UsageCounter>& counters, OpenCounters& out);

class Channel {
public:
    virtual ~Channel() = default;
    // Setup finished; the runtime has been exec'd. `initPidfd` is a pidfd of the namespace init.
    // The socket channel also passes the usage counters' files.
    virtual void ready(pid_t initPid, int initPidfd, const std::vector<std::string>& cgroupDirs,
                       std::string_view backend, const OpenCounters& counters) = 0;
    virtual void failed(std::string_view message) = 0;
    virtual void exited(int waitStatus, const CgroupUsage& usage, std::string_view cleanupError) = 0;
    // An fd to poll for requests, or -1.
    virtual int pollFd() const = 0;
    // Answers one request. Returns false when the peer has gone (EOF, error).
    virtual bool serve(const std::function<Result<CgroupUsage>()>& usage) = 0;
};

std::unique_ptr<Channel> makeSocketChannel(int fd);
std::unique_ptr<Channel> makeStderrChannel();

// The first datagram on the control socket, waiting at most timeoutMs.
Result<std::string> receiveSpecText(int fd, int timeoutMs);

Json usageToJson(const CgroupUsage& u);

// One datagram with `fds` attached (SCM_RIGHTS). MSG_NOSIGNAL: a peer that has gone must not kill
// the sender with SIGPIPE (a supervisor still has to clean up; the spawner sees it at its poll).
void sendDatagram(int sock, std::string_view text, const std::vector<int>& fds = {});

}  // namespace fw::sandbox
