// The invoker: runs activations in function instances on this host. Placement, in order: an idle
// warm instance of the action revision; a prewarmed instance of the runtime and memory size,
// initialised with the action's code; a new instance. New instances need room in the memory pool:
// idle instances of other actions are evicted (least recently used first), otherwise the
// activation waits in a bounded queue. Idle instances go after their keep-alive (scale to zero)
// and when their action changes. Enforces deadlines, captures logs, and produces exactly one
// RunResult for every activation it accepts. Lives on one io_context thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <filesystem>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fw/common/activation.hpp"
#include "fw/invoker/launcher.hpp"

namespace fw::invoker {

class Instance;
class CodeDir;
using Clock = std::chrono::steady_clock;

// Stem cells: how many started-but-uninitialised instances to keep per runtime and memory size.
struct PrewarmSpec {
    std::string kind;  // "python:3" or "nodejs:20" (any kind of the family uses them)
    int memoryMb = 256;
    int count = 0;
};
// "none", or a comma list "python:3:256=2,nodejs:20:256=2" (kind:memoryMB=count).
Result<std::vector<PrewarmSpec>> parsePrewarmSpec(const std::string& spec);

struct InvokerOptions {
    Launcher* launcher = nullptr;
    std::filesystem::path runtimesDir;  // holds python/launcher.py and nodejs/launcher.js
    std::filesystem::path stateDir;     // code directories of action revisions and instances
    std::string pythonPath = "/usr/bin/python3";
    std::string nodePath = "/usr/bin/node";
    std::string apiHost = "http://127.0.0.1:3233";  // __OW_API_HOST for functions
    std::chrono::milliseconds keepAlive{10 * 60 * 1000};
    std::size_t maxResultBytes = 1024 * 1024;
    std::int64_t memoryPoolMb = 8192;            // what all instances together may reserve
    std::size_t maxQueued = 1000;                // activations waiting for room
    std::chrono::milliseconds maxQueueWait{60000};  // longest wait for room
    std::vector<PrewarmSpec> prewarm;
};

class Invoker final : public InvokerClient {
public:
    Invoker(boost::asio::io_context& io, InvokerOptions opts);
    ~Invoker() override;

    // Starts the prewarmed instances (call once the io_context runs or is about to).
    void start();
    void run(RunRequest req, std::function<void(RunResult)> done) override;
    void retire(const QualifiedName& action) override;
    InvokerStatus status() const override;

    // Kills every instance. Activations still running end as whisk internal errors.
    void shutdown();
    std::size_t running() const { return running_; }
    // The API address functions are told (__OW_API_HOST); known only once the server is bound.
    void setApiHost(std::string host) { opts_.apiHost = std::move(host); }

private:
    struct Slot;
    struct CodeEntry;
    struct Waiter;
    using SlotPtr = std::shared_ptr<Slot>;

    boost::asio::awaitable<void> execute(RunRequest req, std::function<void(RunResult)> done);
    boost::asio::awaitable<RunResult> runActivation(const RunRequest& req);
    // Where an activation will run: an existing instance (warm or prewarmed), or room reserved
    // for a new one; neither when the pool stayed full until the deadline or the queue is full.
    struct Placement {
        SlotPtr slot;
        bool reserved = false;
        bool queueFull = false;
        bool prewarmed = false;  // `slot` is a stem cell, now claimed for this action
    };
    boost::asio::awaitable<Placement> place(const RunRequest& req, int memoryMb,
                                            bool canReuse, Clock::time_point queueDeadline);
    Result<std::shared_ptr<CodeDir>> codeFor(const RunRequest& req);
    LaunchSpec specFor(const RunRequest& req, const std::shared_ptr<CodeDir>& code,
                       std::string instanceId) const;
    LaunchSpec prewarmSpecFor(const PrewarmSpec& p, const std::shared_ptr<CodeDir>& dir,
                              std::string instanceId) const;
    // Reserves memory for a new instance, evicting idle instances of other actions if needed.
    bool reserve(int memoryMb, const std::string& forAction);
    void release(int memoryMb);
    void destroySlot(const SlotPtr& slot);
    void keepIdle(SlotPtr slot);
    void retireOtherRevisions(const std::string& action, const std::string& revision);
    void notifyWaiters();
    boost::asio::awaitable<void> refillPrewarm();

    boost::asio::io_context& io_;
    InvokerOptions opts_;
    // Launches run here: a sandbox launch waits until the sandbox is built (milliseconds), which
    // must not stall the io thread. One thread: the launcher is not thread-safe, and launches
    // are CPU-bound anyway.
    boost::asio::thread_pool launchPool_{1};
    bool shuttingDown_ = false;
    bool refilling_ = false;
    // After a stem cell failed to start, refills wait until then: a broken runtime must not be
    // retried every time room comes free.
    Clock::time_point prewarmRetryAt_{};
    std::size_t running_ = 0;
    std::uint64_t nextInstance_ = 0;
    // Instance ids are <prefix><counter>; the random prefix keeps them distinct from those of a
    // predecessor whose leftovers may still be being removed.
    std::string idPrefix_;
    // All state below is owned by the io_context thread.
    std::int64_t usedMb_ = 0;
    std::map<std::string, std::shared_ptr<CodeEntry>> code_;  // by action path
    std::list<SlotPtr> idle_;                                  // least recently used first
    std::list<SlotPtr> sharing_;  // busy instances that can take more (limits.concurrency > 1)
    std::map<Instance*, SlotPtr> live_;                        // every instance
    std::list<Waiter*> waiters_;                               // activations waiting for room
};

}  // namespace fw::invoker
