// The invoker: runs activations in function instances on this host. Keeps warm instances per
// action revision and reuses them (one activation at a time per instance), starts new ones on
// demand, retires idle ones after their keep-alive and when their action is updated, enforces
// deadlines, captures logs, and produces exactly one RunResult for every activation it accepts.
// Implements InvokerClient for the controller. Lives on one io_context thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fw/common/activation.hpp"
#include "fw/invoker/launcher.hpp"

namespace fw::invoker {

class Instance;
class CodeDir;

struct InvokerOptions {
    Launcher* launcher = nullptr;
    std::filesystem::path runtimesDir;  // holds python/launcher.py and nodejs/launcher.js
    std::filesystem::path stateDir;     // code directories of action revisions
    std::string pythonPath = "/usr/bin/python3";
    std::string nodePath = "/usr/bin/node";
    std::string apiHost = "http://127.0.0.1:3233";  // __OW_API_HOST for functions
    std::chrono::milliseconds keepAlive{10 * 60 * 1000};
    std::size_t maxResultBytes = 1024 * 1024;
};

// How many instances an action has, per state (for tests and operators).
struct InstanceCounts {
    int starting = 0;
    int idle = 0;
    int busy = 0;
};

class Invoker final : public InvokerClient {
public:
    Invoker(boost::asio::io_context& io, InvokerOptions opts);
    ~Invoker() override;

    void run(RunRequest req, std::function<void(RunResult)> done) override;

    // Kills every instance. Activations still running end as whisk internal errors.
    void shutdown();
    // The API address functions are told (__OW_API_HOST); known only once the server is bound.
    void setApiHost(std::string host) { opts_.apiHost = std::move(host); }
    std::size_t running() const { return running_; }
    // Keyed by "ns/pkg/action".
    std::map<std::string, InstanceCounts> counts() const;

private:
    struct Slot;
    struct CodeEntry;
    boost::asio::awaitable<void> execute(RunRequest req, std::function<void(RunResult)> done);
    boost::asio::awaitable<RunResult> runActivation(const RunRequest& req);
    Result<std::shared_ptr<CodeDir>> codeFor(const RunRequest& req);
    LaunchSpec specFor(const RunRequest& req, const CodeDir& code, std::string instanceId) const;
    void retireOtherRevisions(const std::string& action, const std::string& revision);
    void keepIdle(std::shared_ptr<Slot> slot);

    boost::asio::io_context& io_;
    InvokerOptions opts_;
    bool shuttingDown_ = false;
    std::size_t running_ = 0;
    std::uint64_t nextInstance_ = 0;
    // Instance ids are <prefix><counter>; the random prefix keeps them distinct from those of a
    // predecessor whose leftovers may still be being removed.
    std::string idPrefix_;
    // All state below is owned by the io_context thread.
    std::map<std::string, std::shared_ptr<CodeEntry>> code_;             // by action path
    std::multimap<std::string, std::shared_ptr<Slot>> idle_;             // by revision key
    std::map<Instance*, std::shared_ptr<Slot>> live_;                    // every instance
};

}  // namespace fw::invoker
