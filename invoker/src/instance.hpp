// One running function instance: a process started through the Launcher, its four pipes, and
// the ActionLoop conversation (ack on fd 3, then one JSON line in on stdin and one line out on
// fd 3 per activation). An explicit state machine: Starting -> Idle <-> Busy -> Dead. Serves one
// activation at a time. Lives on the io_context's thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "code_dir.hpp"
#include "fw/invoker/launcher.hpp"
#include "logs.hpp"
#include "outcome.hpp"

namespace fw::invoker {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// What one activation on an instance produced.
// Launcher::launch on another executor (it blocks until the instance is ready to run),
// resuming the caller on its own.
asio::awaitable<Result<std::unique_ptr<Process>>> launchOn(asio::any_io_executor pool,
                                                           Launcher& launcher, LaunchSpec spec);

struct RunOutput {
    Outcome outcome;
    std::vector<std::string> logs;
    bool timeout = false;
    Usage usage;
};

// The four pipes between the invoker and an instance: the parent's ends and the child's ends.
struct Pipes {
    int stdinW = -1, stdoutR = -1, stderrR = -1, resultR = -1;  // ours
    int stdinR = -1, stdoutW = -1, stderrW = -1, resultW = -1;  // the child's
    static Result<Pipes> make();
    void closeChildEnds();
    void closeAll();
};

class Instance : public std::enable_shared_from_this<Instance> {
public:
    enum class State { Starting, Prewarmed, Idle, Busy, Dead };

    // Starts the process. `spec` gets the pipe ends filled in here. The launch itself (which
    // waits until the sandbox is built) runs on `launchPool`, so the io thread keeps serving.
    static asio::awaitable<Result<std::shared_ptr<Instance>>> start(
        asio::io_context& io, asio::any_io_executor launchPool, Launcher& launcher, LaunchSpec spec,
        std::shared_ptr<CodeDir> code, std::size_t maxResultBytes);
    ~Instance();

    // Waits for the ActionLoop ack. nullopt: ready. Otherwise the failure (its logs included).
    asio::awaitable<std::optional<RunOutput>> awaitReady(Clock::time_point deadline,
                                                         std::int64_t timeoutMs,
                                                         std::size_t logLimit);
    // Prewarm: waits for the shim's {"ready":true} (started, no code yet). False: it died or
    // did not get there by the deadline (the instance is then destroyed).
    asio::awaitable<bool> awaitStarted(Clock::time_point deadline);
    // Prewarm: sends the init message (the code is in place now) and waits for the ack, with
    // the same outcomes as awaitReady.
    asio::awaitable<std::optional<RunOutput>> initialize(std::string initLine,
                                                         Clock::time_point deadline,
                                                         std::int64_t timeoutMs,
                                                         std::size_t logLimit);
    // After the ack: from now on this instance takes up to `n` activations at once (the shim was
    // started with FW_CONCURRENCY=n). Result lines then carry their activation id, and log lines
    // written inside an activation carry it as a prefix (docs/runtimes.md).
    void enableConcurrency(int n) { concurrency_ = n; }
    int concurrency() const { return concurrency_; }
    std::size_t inFlight() const { return shared_.size(); }
    // Sends one activation and waits for its result, the instance's exit or the deadline.
    asio::awaitable<RunOutput> run(std::string requestLine, Clock::time_point deadline,
                                   std::int64_t timeoutMs, std::size_t logLimit);
    // Kills the process and releases everything; idempotent.
    void destroy();

    State state() const { return state_; }
    const std::string& id() const { return id_; }
    // The directory the instance sees at /action (for a prewarmed instance: empty until used).
    const std::shared_ptr<CodeDir>& codeDir() const { return code_; }
    pid_t pid() const { return process_ ? process_->pid() : -1; }

private:
    Instance(asio::io_context& io, std::unique_ptr<Process> p, Pipes pipes,
             std::shared_ptr<CodeDir> code, std::string id, std::size_t maxResultBytes);
    void startReaders();
    asio::awaitable<void> readResults();
    asio::awaitable<void> readLogs(asio::posix::stream_descriptor& sd, Stream s);
    asio::awaitable<void> watchExit();
    // Sends one line to the function's stdin: written at once when the pipe has room (the usual
    // case), otherwise queued behind the writes in progress, which finish in order.
    void send(std::string line);
    asio::awaitable<void> drainWrites();
    asio::awaitable<RunOutput> runShared(std::string requestLine, Clock::time_point deadline,
                                         std::int64_t timeoutMs, std::size_t logLimit);
    // Every byte a function prints comes through here: one collector for an instance serving
    // one activation at a time, or routed by line to the activations in flight.
    void feed(Stream s, std::string_view bytes);
    void routeLine(Stream s, std::string_view line);
    // Reads whatever stdout/stderr hold right now, without blocking.
    void drainLogs();
    void drainOne(asio::posix::stream_descriptor& sd, Stream s);
    // After the function died: waits (briefly) until the launcher reports the instance's end.
    asio::awaitable<void> settle();
    // Waits until a result line, the exit, or `deadline`.
    asio::awaitable<void> waitEvent(Clock::time_point deadline);
    RunOutput finishDead(Outcome o, bool timeout);

    asio::io_context& io_;
    std::unique_ptr<Process> process_;
    std::shared_ptr<CodeDir> code_;
    std::string id_;
    std::size_t maxResultBytes_;
    State state_ = State::Starting;
    asio::posix::stream_descriptor stdin_, stdout_, stderr_, result_, exit_;
    asio::streambuf resultBuf_;
    asio::steady_timer wake_;
    std::deque<std::string> lines_;  // result lines not yet consumed
    std::deque<std::string> writes_;  // lines (or their rest) waiting for room in the stdin pipe
    bool exited_ = false;
    bool resultClosed_ = false;  // fd 3 hit EOF or an over-long line
    bool resultTooLong_ = false;
    LogCollector logs_;
    // Concurrent mode (concurrency_ > 1): the activations in flight, by activation id.
    struct Shared {
        explicit Shared(asio::io_context& io) : timer(io) {}
        asio::steady_timer timer;
        std::optional<std::string> result;
        LogCollector logs;
    };
    int concurrency_ = 1;
    std::map<std::string, std::unique_ptr<Shared>> shared_;
    std::string partial_[2];  // concurrent mode: unterminated line per stream
};

}  // namespace fw::invoker
