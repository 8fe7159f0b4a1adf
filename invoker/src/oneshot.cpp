#include "oneshot.hpp"

#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace fw::invoker {
namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxArgvBytes = 131071;  // the skeleton's bound for argv[1]

// State shared by the coroutines of one run; they finish before runOnce returns.
struct OneShotRun {
    OneShotRun(asio::io_context& io, Pipes& p, int exitFd)
        : in(io, p.stdinW), out(io, p.stdoutR), err(io, p.stderrR), exit(io, ::dup(exitFd)), wake(io) {}
    asio::posix::stream_descriptor in, out, err, exit;
    asio::steady_timer wake;
    std::string stdoutBytes;
    std::size_t stdoutCap = 0;
    bool stdoutOverflow = false;
    bool exited = false;
    int openReaders = 2;
    LogCollector logs;
};

asio::awaitable<void> readAll(std::shared_ptr<OneShotRun> r, bool isStdout) {
    auto& sd = isStdout ? r->out : r->err;
    char buf[16384];
    while (true) {
        auto [ec, n] = co_await sd.async_read_some(asio::buffer(buf), kTuple);
        if (ec) break;
        std::string_view chunk(buf, n);
        if (!isStdout) {
            r->logs.append(Stream::Stderr, chunk);
        } else if (r->stdoutBytes.size() + n <= r->stdoutCap) {
            r->stdoutBytes.append(chunk);
        } else {
            r->stdoutOverflow = true;  // keep reading so the process never blocks on a full pipe
        }
    }
    --r->openReaders;
    r->wake.cancel();
}

}  // namespace

asio::awaitable<RunOutput> runOnce(asio::io_context& io, asio::any_io_executor launchPool,
                                   Launcher& launcher, LaunchSpec spec,
                                   std::shared_ptr<CodeDir> code, std::string argsJson,
                                   Clock::time_point deadline, std::int64_t timeoutMs,
                                   std::size_t logLimit, std::size_t maxResultBytes) {
    auto pipes = Pipes::make();
    if (!pipes) co_return RunOutput{platformError(pipes.error().message), {}, false, {}};
    if (argsJson.size() <= kMaxArgvBytes) spec.argv.push_back(argsJson);
    spec.stdinFd = pipes->stdinR;
    spec.stdoutFd = pipes->stdoutW;
    spec.stderrFd = pipes->stderrW;
    spec.resultFd = pipes->resultW;
    auto launching = launchOn(launchPool, launcher, std::move(spec));
    auto proc = co_await std::move(launching);
    pipes->closeChildEnds();
    if (!proc) {
        pipes->closeAll();
        co_return RunOutput{platformError(proc.error().message), {}, false, {}};
    }
    ::close(pipes->resultR);  // the skeleton contract has no result pipe
    auto run = std::make_shared<OneShotRun>(io, *pipes, (*proc)->exitFd());
    run->logs.setLimit(logLimit);
    run->stdoutCap = logLimit + maxResultBytes * 2 + 4096;
    asio::co_spawn(io, readAll(run, true), asio::detached);
    asio::co_spawn(io, readAll(run, false), asio::detached);
    asio::co_spawn(io, [run]() -> asio::awaitable<void> {
            auto [ec] = co_await run->exit.async_wait(asio::posix::descriptor_base::wait_read, kTuple);
            if (!ec) run->exited = true;
            run->wake.cancel();
        }, asio::detached);
    asio::co_spawn(io, [run, line = argsJson + "\n"]() -> asio::awaitable<void> {
            auto [ec, n] = co_await asio::async_write(run->in, asio::buffer(line), kTuple);
            (void)ec;
            (void)n;
            boost::system::error_code ignored;
            run->in.close(ignored);  // EOF tells the executable the input is complete
        }, asio::detached);

    // Done when the process has exited and both output pipes reached EOF (a child it left
    // behind may still hold them; the deadline bounds that).
    while (!(run->exited && run->openReaders == 0) && Clock::now() < deadline) {
        run->wake.expires_at(deadline);
        co_await run->wake.async_wait(kTuple);
    }
    bool timeout = !run->exited;
    RunOutput out{exitedEarly(), {}, timeout, (*proc)->usage()};
    (*proc)->kill();
    (*proc)->reap();
    proc->reset();
    boost::system::error_code ec;
    run->in.close(ec);
    run->out.close(ec);
    run->err.close(ec);
    run->exit.close(ec);
    run->wake.cancel();
    // The skeleton's rule: the last stdout line is the result, earlier ones are logs.
    std::string_view all = run->stdoutBytes;
    while (!all.empty() && (all.back() == '\n' || all.back() == '\r')) all.remove_suffix(1);
    auto nl = all.rfind('\n');
    std::string_view last = nl == std::string_view::npos ? all : all.substr(nl + 1);
    std::string_view before = nl == std::string_view::npos ? std::string_view() : all.substr(0, nl + 1);
    run->logs.append(Stream::Stdout, before);
    if (timeout) {
        out.outcome = timedOut(timeoutMs, false);
        run->logs.append(Stream::Stdout, last);
    } else if (out.usage.oomKilled) {
        out.outcome = outOfMemory();
    } else if (last.empty()) {
        out.outcome = Outcome{ActivationStatus::DeveloperError,
                              {{"error", "The action did not return a dictionary or array."}}};
    } else {
        out.outcome = fromResultLine(last, maxResultBytes);
    }
    out.logs = run->logs.take();
    (void)code;  // held until here: the executable's directory must outlive the process
    co_return out;
}

}  // namespace fw::invoker
