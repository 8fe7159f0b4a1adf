#include "instance.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "fw/common/util.hpp"

namespace fw::invoker {
namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

void closeFd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

}  // namespace

Result<Pipes> Pipes::make() {
    Pipes p;
    int fds[2];
    auto mk = [&](int& r, int& w) -> bool {
        if (::pipe2(fds, O_CLOEXEC) != 0) return false;
        r = fds[0];
        w = fds[1];
        return true;
    };
    if (!mk(p.stdinR, p.stdinW) || !mk(p.stdoutR, p.stdoutW) || !mk(p.stderrR, p.stderrW) ||
        !mk(p.resultR, p.resultW)) {
        int err = errno;
        p.closeAll();
        return Error{Errc::SandboxFailed, sysError("pipe2", err)};
    }
    return p;
}

void Pipes::closeChildEnds() {
    closeFd(stdinR);
    closeFd(stdoutW);
    closeFd(stderrW);
    closeFd(resultW);
}

void Pipes::closeAll() {
    closeChildEnds();
    closeFd(stdinW);
    closeFd(stdoutR);
    closeFd(stderrR);
    closeFd(resultR);
}

asio::awaitable<Result<std::unique_ptr<Process>>> launchOn(asio::any_io_executor pool,
                                                           Launcher& launcher, LaunchSpec spec) {
    Launcher* l = &launcher;
    auto task = asio::co_spawn(
        pool,
        [l, s = std::move(spec)]() -> asio::awaitable<Result<std::unique_ptr<Process>>> {
            co_return l->launch(s);
        },
        asio::use_awaitable);
    co_return co_await std::move(task);
}

asio::awaitable<Result<std::shared_ptr<Instance>>> Instance::start(
    asio::io_context& io, asio::any_io_executor launchPool, Launcher& launcher, LaunchSpec spec,
    std::shared_ptr<CodeDir> code, std::size_t maxResultBytes) {
    auto pipes = Pipes::make();
    if (!pipes) co_return pipes.error();
    spec.stdinFd = pipes->stdinR;
    spec.stdoutFd = pipes->stdoutW;
    spec.stderrFd = pipes->stderrW;
    spec.resultFd = pipes->resultW;
    std::string id = spec.instanceId;
    auto launching = launchOn(launchPool, launcher, std::move(spec));
    auto proc = co_await std::move(launching);
    // The child has its copies now (or never will): ours must go, or EOF never arrives.
    pipes->closeChildEnds();
    if (!proc) {
        pipes->closeAll();
        co_return proc.error();
    }
    std::shared_ptr<Instance> inst(new Instance(io, std::move(*proc), *pipes, std::move(code),
                                                std::move(id), maxResultBytes));
    inst->startReaders();
    co_return inst;
}

Instance::Instance(asio::io_context& io, std::unique_ptr<Process> p, Pipes pipes,
                   std::shared_ptr<CodeDir> code, std::string id, std::size_t maxResultBytes)
    : io_(io),
      process_(std::move(p)),
      code_(std::move(code)),
      id_(std::move(id)),
      maxResultBytes_(maxResultBytes),
      stdin_(io, pipes.stdinW),
      stdout_(io, pipes.stdoutR),
      stderr_(io, pipes.stderrR),
      result_(io, pipes.resultR),
      exit_(io, ::dup(process_->exitFd())),
      // A result line may be at most twice the result limit (plus slack for JSON escaping);
      // longer lines are reported as too large without being held in memory.
      resultBuf_(maxResultBytes * 2 + 4096),
      wake_(io) {
    boost::system::error_code ec;
    stdout_.non_blocking(true, ec);
    stderr_.non_blocking(true, ec);
    stdin_.non_blocking(true, ec);
}

Instance::~Instance() { destroy(); }

void Instance::startReaders() {
    auto self = shared_from_this();
    asio::co_spawn(io_, [self]() { return self->readResults(); }, asio::detached);
    asio::co_spawn(io_, [self]() { return self->readLogs(self->stdout_, Stream::Stdout); }, asio::detached);
    asio::co_spawn(io_, [self]() { return self->readLogs(self->stderr_, Stream::Stderr); }, asio::detached);
    asio::co_spawn(io_, [self]() { return self->watchExit(); }, asio::detached);
}

asio::awaitable<void> Instance::readResults() {
    auto self = shared_from_this();
    while (true) {
        auto [ec, n] = co_await asio::async_read_until(result_, resultBuf_, '\n', kTuple);
        if (ec) {
            if (ec == asio::error::not_found) resultTooLong_ = true;
            resultClosed_ = true;
            wake_.cancel();
            co_return;
        }
        std::string line(asio::buffers_begin(resultBuf_.data()),
                         asio::buffers_begin(resultBuf_.data()) + static_cast<std::ptrdiff_t>(n));
        resultBuf_.consume(n);
        if (concurrency_ > 1) {
            // {"activation_id": "...", "result": ...}: hand it to its activation.
            Json j = Json::parse(line, nullptr, false);
            if (j.is_object() && j.contains("activation_id") && j["activation_id"].is_string()) {
                auto it = shared_.find(j["activation_id"].get<std::string>());
                if (it != shared_.end()) {
                    it->second->result = j.contains("result") ? j["result"].dump(-1, ' ', false, Json::error_handler_t::replace)
                                                              : std::string("null");
                    it->second->timer.cancel();
                }
            }
            continue;
        }
        lines_.push_back(std::move(line));
        wake_.cancel();
    }
}

void Instance::drainOne(asio::posix::stream_descriptor& sd, Stream s) {
    if (!sd.is_open()) return;
    char buf[16384];
    while (true) {
        ssize_t n = ::read(sd.native_handle(), buf, sizeof buf);
        if (n > 0) {
            feed(s, std::string_view(buf, static_cast<std::size_t>(n)));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        return;  // EAGAIN (nothing more now) or EOF
    }
}

void Instance::feed(Stream s, std::string_view bytes) {
    if (concurrency_ <= 1) {
        logs_.append(s, bytes);
        return;
    }
    std::string& part = partial_[s == Stream::Stdout ? 0 : 1];
    while (!bytes.empty()) {
        auto nl = bytes.find('\n');
        if (nl == std::string_view::npos) {
            part.append(bytes);
            return;
        }
        part.append(bytes.substr(0, nl));
        routeLine(s, part);
        part.clear();
        bytes.remove_prefix(nl + 1);
    }
}

void Instance::routeLine(Stream s, std::string_view line) {
    // "\x1e<32 hex>\x1e<text>": a line printed inside that activation.
    if (line.size() >= 34 && line[0] == '\x1e' && line[33] == '\x1e') {
        auto it = shared_.find(std::string(line.substr(1, 32)));
        if (it != shared_.end()) {
            std::string text(line.substr(34));
            text.push_back('\n');
            it->second->logs.append(s, text);
        }
        return;  // an activation that has already ended: its late output is dropped
    }
    // Printed outside any activation's context: every activation in flight gets it.
    std::string text(line);
    text.push_back('\n');
    for (auto& [id, p] : shared_) p->logs.append(s, text);
}

void Instance::drainLogs() {
    // One poll for both streams instead of a read on each that usually finds nothing.
    pollfd p[2];
    Stream which[2];
    nfds_t n = 0;
    for (auto [sd, s] : {std::pair{&stdout_, Stream::Stdout}, std::pair{&stderr_, Stream::Stderr}}) {
        if (!sd->is_open()) continue;
        p[n] = pollfd{sd->native_handle(), POLLIN, 0};
        which[n++] = s;
    }
    if (n == 0) return;
    int ready = ::poll(p, n, 0);
    if (ready == 0) return;
    for (nfds_t i = 0; i < n; ++i) {
        if (ready > 0 && p[i].revents == 0) continue;  // (poll failed: read them all)
        drainOne(which[i] == Stream::Stdout ? stdout_ : stderr_, which[i]);
    }
}

asio::awaitable<void> Instance::readLogs(asio::posix::stream_descriptor& sd, Stream s) {
    auto self = shared_from_this();
    char buf[16384];
    while (sd.is_open()) {
        auto [ec] = co_await sd.async_wait(asio::posix::descriptor_base::wait_read, kTuple);
        if (ec || !sd.is_open()) co_return;
        ssize_t n = ::read(sd.native_handle(), buf, sizeof buf);
        if (n > 0) {
            feed(s, std::string_view(buf, static_cast<std::size_t>(n)));
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            co_return;  // EOF: the process closed its end (usually: it exited)
        }
    }
}

asio::awaitable<void> Instance::watchExit() {
    auto self = shared_from_this();
    auto [ec] = co_await exit_.async_wait(asio::posix::descriptor_base::wait_read, kTuple);
    if (ec) co_return;  // destroyed
    exited_ = true;
    wake_.cancel();
    for (auto& [id, p] : shared_) p->timer.cancel();
}

void Instance::send(std::string line) {
    if (!writes_.empty()) {  // a writer is running: keep the order
        writes_.push_back(std::move(line));
        return;
    }
    boost::system::error_code ec;
    std::size_t n = stdin_.write_some(asio::buffer(line), ec);  // non-blocking
    if (!ec && n == line.size()) return;
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
        // The process is gone or closed stdin; watchExit reports the former, and a process
        // that closed stdin can never answer: treat both as an exit.
        exited_ = true;
        wake_.cancel();
        return;
    }
    writes_.push_back(line.substr(n));
    asio::co_spawn(io_, drainWrites(), asio::detached);
}

asio::awaitable<void> Instance::drainWrites() {
    auto self = shared_from_this();
    while (!writes_.empty()) {
        // A deque keeps the front element in place while others are appended.
        auto [ec, n] = co_await asio::async_write(stdin_, asio::buffer(writes_.front()), kTuple);
        (void)n;
        if (ec) {
            writes_.clear();
            if (ec != asio::error::operation_aborted) {
                exited_ = true;
                wake_.cancel();
            }
            co_return;
        }
        writes_.pop_front();
    }
}

asio::awaitable<void> Instance::settle() {
    // The function is gone (its result pipe closed) but the launcher may not have reported the
    // instance's end yet; its final usage (an OOM kill among it) comes with that report.
    auto limit = Clock::now() + std::chrono::seconds(2);
    while (!exited_ && state_ != State::Dead && Clock::now() < limit) {
        wake_.expires_at(limit);
        co_await wake_.async_wait(kTuple);
    }
}

asio::awaitable<void> Instance::waitEvent(Clock::time_point deadline) {
    while (lines_.empty() && !exited_ && !resultClosed_ && Clock::now() < deadline) {
        wake_.expires_at(deadline);
        co_await wake_.async_wait(kTuple);
    }
}

RunOutput Instance::finishDead(Outcome o, bool timeout) {
    drainLogs();
    RunOutput out{std::move(o), {}, timeout, {}};
    if (process_) out.usage = process_->usage();
    destroy();
    out.logs = logs_.take();
    return out;
}

asio::awaitable<std::optional<RunOutput>> Instance::awaitReady(Clock::time_point deadline,
                                                               std::int64_t timeoutMs,
                                                               std::size_t logLimit) {
    auto self = shared_from_this();
    logs_.setLimit(logLimit);
    co_await waitEvent(deadline);
    if (!lines_.empty()) {
        std::string line = std::move(lines_.front());
        lines_.pop_front();
        Json ack = Json::parse(line, nullptr, false);
        if (ack.is_object() && ack.value("ok", false) == true) {
            state_ = State::Idle;
            co_return std::nullopt;
        }
        std::string why = "The action did not initialize properly.";
        if (ack.is_object() && ack.contains("error") && ack["error"].is_string()) {
            why = ack["error"].get<std::string>();
        }
        co_return finishDead(initFailed(why), false);
    }
    if (exited_ || resultClosed_) {
        co_await settle();
        bool oom = process_ && process_->usage().oomKilled;
        co_return finishDead(oom ? outOfMemory()
                                 : initFailed("The action did not initialize and exited "
                                              "unexpectedly."),
                             false);
    }
    co_return finishDead(timedOut(timeoutMs, true), true);
}

asio::awaitable<bool> Instance::awaitStarted(Clock::time_point deadline) {
    auto self = shared_from_this();
    co_await waitEvent(deadline);
    if (!lines_.empty()) {
        std::string line = std::move(lines_.front());
        lines_.pop_front();
        Json msg = Json::parse(line, nullptr, false);
        if (msg.is_object() && msg.value("ready", false) == true) {
            state_ = State::Prewarmed;
            logs_.take();  // nothing printed while starting belongs to an activation
            co_return true;
        }
    }
    destroy();
    co_return false;
}

asio::awaitable<std::optional<RunOutput>> Instance::initialize(std::string initLine,
                                                               Clock::time_point deadline,
                                                               std::int64_t timeoutMs,
                                                               std::size_t logLimit) {
    auto self = shared_from_this();
    state_ = State::Starting;
    initLine.push_back('\n');
    send(std::move(initLine));
    auto ready = awaitReady(deadline, timeoutMs, logLimit);
    co_return co_await std::move(ready);
}

asio::awaitable<RunOutput> Instance::runShared(std::string requestLine, Clock::time_point deadline,
                                               std::int64_t timeoutMs, std::size_t logLimit) {
    auto self = shared_from_this();
    Json req = Json::parse(requestLine, nullptr, false);
    std::string id = req.is_object() ? req.value("activation_id", std::string()) : std::string();
    auto& mine = shared_[id];
    mine = std::make_unique<Shared>(io_);
    Shared* p = mine.get();
    p->logs.setLimit(logLimit);
    state_ = State::Busy;
    requestLine.push_back('\n');
    send(std::move(requestLine));
    while (!p->result && !exited_ && !resultClosed_ && state_ != State::Dead && Clock::now() < deadline) {
        p->timer.expires_at(deadline);
        co_await p->timer.async_wait(kTuple);
    }
    if (!p->result && (exited_ || resultClosed_)) co_await settle();
    drainLogs();
    RunOutput out{exitedEarly(), {}, false, {}};
    if (process_) out.usage = p->result ? process_->answeredUsage() : process_->usage();
    if (p->result) {
        out.outcome = fromResultLine(*p->result, maxResultBytes_);
    } else if (!exited_ && !resultClosed_ && state_ != State::Dead) {
        // This activation ran out of time: like OpenWhisk, the instance goes, and with it the
        // other activations it was running (they end as having exited unexpectedly).
        out.outcome = timedOut(timeoutMs, false);
        out.timeout = true;
    } else if (out.usage.oomKilled) {
        out.outcome = outOfMemory();
    }
    out.logs = p->logs.take();
    shared_.erase(id);
    bool broken = exited_ || resultClosed_ || state_ == State::Dead;
    if (out.timeout || (broken && shared_.empty())) {
        destroy();
    } else if (shared_.empty() && state_ == State::Busy) {
        state_ = State::Idle;
    }
    co_return out;
}

asio::awaitable<RunOutput> Instance::run(std::string requestLine, Clock::time_point deadline,
                                         std::int64_t timeoutMs, std::size_t logLimit) {
    auto self = shared_from_this();
    if (concurrency_ > 1) {
        auto shared = runShared(std::move(requestLine), deadline, timeoutMs, logLimit);
        co_return co_await std::move(shared);
    }
    state_ = State::Busy;
    logs_.setLimit(logLimit);
    requestLine.push_back('\n');
    send(std::move(requestLine));
    co_await waitEvent(deadline);
    if (!lines_.empty()) {
        std::string line = std::move(lines_.front());
        lines_.pop_front();
        // The function flushed stdout/stderr before writing its result, so everything it
        // printed for this activation is already in the pipes: read it now.
        drainLogs();
        RunOutput out{fromResultLine(line, maxResultBytes_), logs_.take(), false, {}};
        if (process_) out.usage = process_->answeredUsage();
        state_ = State::Idle;
        co_return out;
    }
    if (resultTooLong_) {
        co_return finishDead(
            Outcome{ActivationStatus::ApplicationError,
                    {{"error", "The action produced a response that exceeded the allowed length "
                               "of " + std::to_string(maxResultBytes_) + " bytes."}}},
            false);
    }
    if (exited_ || resultClosed_) {
        co_await settle();
        bool oom = process_ && process_->usage().oomKilled;
        co_return finishDead(oom ? outOfMemory() : exitedEarly(), false);
    }
    co_return finishDead(timedOut(timeoutMs, false), true);
}

void Instance::destroy() {
    if (state_ == State::Dead) return;
    state_ = State::Dead;
    boost::system::error_code ec;
    stdin_.close(ec);
    stdout_.close(ec);
    stderr_.close(ec);
    result_.close(ec);
    exit_.close(ec);
    wake_.cancel();
    for (auto& [id, p] : shared_) p->timer.cancel();
    if (process_) {
        process_->kill();
        process_->reap();
        process_.reset();  // releases what the launcher made (cgroup, temp dirs)
    }
    code_.reset();
}

}  // namespace fw::invoker
