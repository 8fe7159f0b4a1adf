#include "fw/invoker/invoker.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "code_dir.hpp"
#include "fw/common/kinds.hpp"
#include "fw/common/util.hpp"
#include "instance.hpp"
#include "oneshot.hpp"

namespace fw::invoker {
namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::string revisionKey(const RunRequest& req) { return req.action.path() + "@" + req.revision; }

std::int64_t msSince(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

bool runsOncePerActivation(const RunRequest& req) {
    return familyOf(req.exec.kind) == RuntimeFamily::Blackbox &&
           req.exec.image.find("actionloop") == std::string::npos;
}

}  // namespace

// An instance with the bookkeeping the pool needs around it.
struct Invoker::Slot {
    Slot(asio::io_context& io, std::shared_ptr<Instance> i, std::string a, std::string r)
        : instance(std::move(i)), action(std::move(a)), revision(std::move(r)), idleTimer(io) {}
    std::shared_ptr<Instance> instance;
    std::string action;    // "ns/pkg/name"
    std::string revision;  // revisionKey()
    asio::steady_timer idleTimer;
};

// The newest code directory of an action.
struct Invoker::CodeEntry {
    std::string revision;
    std::shared_ptr<CodeDir> dir;
};

Invoker::Invoker(asio::io_context& io, InvokerOptions opts)
    : io_(io), opts_(std::move(opts)), idPrefix_("i" + randomHex(3) + "-") {
    std::error_code ec;
    // Code directories of a previous run are never reused (revisions are looked up anew).
    std::filesystem::remove_all(opts_.stateDir / "code", ec);
    std::filesystem::create_directories(opts_.stateDir / "code", ec);
}

Invoker::~Invoker() { shutdown(); }

void Invoker::run(RunRequest req, std::function<void(RunResult)> done) {
    ++running_;
    asio::co_spawn(io_, execute(std::move(req), std::move(done)), asio::detached);
}

asio::awaitable<void> Invoker::execute(RunRequest req, std::function<void(RunResult)> done) {
    RunResult res;
    try {
        res = co_await runActivation(req);
    } catch (const std::exception& e) {
        spdlog::error("activation {}: {}", req.activationId, e.what());
        res = RunResult{};
        res.status = ActivationStatus::WhiskError;
        res.result = {{"error", std::string("The invoker failed to run the action: ") + e.what()}};
        res.startMs = res.endMs = nowMs();
    }
    --running_;
    done(std::move(res));
}

Result<std::shared_ptr<CodeDir>> Invoker::codeFor(const RunRequest& req) {
    std::string action = req.action.path();
    std::string rev = revisionKey(req);
    auto it = code_.find(action);
    if (it != code_.end() && it->second->revision == rev) return it->second->dir;
    auto dir = opts_.stateDir / "code" / (sha256Hex(rev).substr(0, 24) + "-" + std::to_string(++nextInstance_));
    auto made = materialize(req.exec, dir);
    if (!made) return made.error();
    code_[action] = std::make_shared<CodeEntry>(CodeEntry{rev, *made});
    retireOtherRevisions(action, rev);
    return *made;
}

void Invoker::retireOtherRevisions(const std::string& action, const std::string& revision) {
    for (auto it = idle_.begin(); it != idle_.end();) {
        if (it->second->action == action && it->first != revision) {
            it->second->idleTimer.cancel();
            it->second->instance->destroy();
            live_.erase(it->second->instance.get());
            it = idle_.erase(it);
        } else {
            ++it;
        }
    }
}

LaunchSpec Invoker::specFor(const RunRequest& req, const CodeDir& code, std::string instanceId) const {
    bool isolated = opts_.launcher->isolatesFilesystem();
    BindMount codeMount{code.path().string(), "/action", true};
    BindMount runtimeMount{opts_.runtimesDir.string(), "/fw/runtimes", true};
    auto inside = [&](const BindMount& m) { return isolated ? m.target : m.source; };

    LaunchSpec spec;
    spec.instanceId = std::move(instanceId);
    spec.mounts = {codeMount, runtimeMount};
    spec.workDir = inside(codeMount);
    spec.memoryMb = req.limits.memoryMb;
    std::string actionName = "/" + req.action.path();
    spec.env = {"PATH=/usr/local/bin:/usr/bin:/bin",
                "HOME=/tmp",
                "LANG=C.UTF-8",
                "FW_ACTION_DIR=" + inside(codeMount),
                "FW_ACTION_MAIN=" + req.exec.main,
                "FW_ACTION_BINARY=" + std::string(req.exec.binary ? "1" : "0"),
                "FW_MEMORY_LIMIT_MB=" + std::to_string(req.limits.memoryMb),
                "__OW_API_HOST=" + opts_.apiHost,
                "__OW_NAMESPACE=" + req.action.ns,
                "__OW_ACTION_NAME=" + actionName,
                "__OW_ACTION_VERSION=" + req.version};
    for (auto it = req.initEnv.begin(); it != req.initEnv.end(); ++it) {
        spec.env.push_back(it.key() + "=" + (it->is_string() ? it->get<std::string>() : it->dump()));
    }
    std::string runtimes = inside(runtimeMount);
    switch (familyOf(req.exec.kind)) {
        case RuntimeFamily::Python:
            spec.argv = {opts_.pythonPath, "-u", runtimes + "/python/launcher.py"};
            break;
        case RuntimeFamily::NodeJs:
            spec.argv = {opts_.nodePath, runtimes + "/nodejs/launcher.js"};
            break;
        default:
            spec.argv = {inside(codeMount) + "/exec"};
            break;
    }
    return spec;
}

asio::awaitable<RunResult> Invoker::runActivation(const RunRequest& req) {
    RunResult res;
    auto fail = [&](ActivationStatus status, std::string msg) {
        res.status = status;
        res.result = {{"error", std::move(msg)}};
        res.startMs = res.endMs = nowMs();
        return res;
    };
    if (shuttingDown_) {
        co_return fail(ActivationStatus::WhiskError,
                       "The invoker is shutting down and did not run the action.");
    }
    auto code = codeFor(req);
    if (!code) {
        ActivationStatus st = code.error().code == Errc::InvalidArgument
                                  ? ActivationStatus::DeveloperError
                                  : ActivationStatus::WhiskError;
        co_return fail(st, code.error().message);
    }
    std::size_t logLimit = static_cast<std::size_t>(req.limits.logsMb) * 1024 * 1024;
    auto startWall = nowMs();
    auto start = Clock::now();
    auto deadline = start + std::chrono::milliseconds(req.limits.timeoutMs);
    Json line = {{"value", req.params},
                 {"namespace", req.action.ns},
                 {"action_name", "/" + req.action.path()},
                 {"action_version", req.version},
                 {"activation_id", req.activationId},
                 {"transaction_id", req.transactionId},
                 {"deadline", std::to_string(startWall + req.limits.timeoutMs)}};
    if (!req.apiKey.empty()) line["api_key"] = req.apiKey;
    res.startMs = startWall;
    // A warm instance's cgroup counts CPU since the instance started: bill the difference.
    std::int64_t cpuBefore = 0;

    auto finish = [&](RunOutput out) {
        if (shuttingDown_ && out.outcome.status != ActivationStatus::Success &&
            out.outcome.status != ActivationStatus::ApplicationError) {
            // The instance died because the invoker killed it on shutdown, not by its own doing.
            out.outcome = platformError("The action was aborted because the invoker shut down.");
        }
        res.status = out.outcome.status;
        res.result = std::move(out.outcome.result);
        res.logs = std::move(out.logs);
        res.timeout = out.timeout;
        res.cpuTimeUs = std::max<std::int64_t>(0, out.usage.cpuTimeUs - cpuBefore);
        res.peakMemoryBytes = out.usage.peakMemoryBytes;
        res.endMs = nowMs();
        res.durationUs = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
        return res;
    };

    if (runsOncePerActivation(req)) {
        res.startKind = StartKind::Cold;
        auto spec = specFor(req, **code, idPrefix_ + std::to_string(++nextInstance_));
        // Separate statements: see GCC bug 99576 (no temporaries in a co_await expression).
        auto once = runOnce(io_, *opts_.launcher, std::move(spec), *code,
                            req.params.dump(-1, ' ', false, Json::error_handler_t::replace),
                            deadline, req.limits.timeoutMs, logLimit, opts_.maxResultBytes);
        auto out = co_await std::move(once);
        co_return finish(std::move(out));
    }

    std::string rev = revisionKey(req);
    std::shared_ptr<Slot> slot;
    if (auto it = idle_.find(rev); it != idle_.end()) {
        slot = it->second;
        idle_.erase(it);
        slot->idleTimer.cancel();
        res.startKind = StartKind::Warm;
        cpuBefore = slot->instance->usage().cpuTimeUs;
    } else {
        res.startKind = StartKind::Cold;
        auto spec = specFor(req, **code, idPrefix_ + std::to_string(++nextInstance_));
        auto inst = Instance::start(io_, *opts_.launcher, std::move(spec), *code, opts_.maxResultBytes);
        if (!inst) {
            spdlog::error("activation {}: cannot start an instance: {}", req.activationId,
                          inst.error().message);
            co_return fail(ActivationStatus::WhiskError,
                           "The invoker could not start the action: " + inst.error().message);
        }
        slot = std::make_shared<Slot>(io_, *inst, req.action.path(), rev);
        live_[slot->instance.get()] = slot;
        auto failure = co_await slot->instance->awaitReady(deadline, req.limits.timeoutMs, logLimit);
        res.initTimeMs = msSince(start);
        if (failure) {
            live_.erase(slot->instance.get());
            co_return finish(std::move(*failure));
        }
    }
    auto running = slot->instance->run(line.dump(-1, ' ', false, Json::error_handler_t::replace),
                                       deadline, req.limits.timeoutMs, logLimit);
    auto out = co_await std::move(running);
    finish(std::move(out));
    if (slot->instance->state() == Instance::State::Idle && !shuttingDown_) {
        keepIdle(slot);
    } else {
        slot->instance->destroy();
        live_.erase(slot->instance.get());
    }
    co_return res;
}

void Invoker::keepIdle(std::shared_ptr<Slot> slot) {
    // A newer revision may have arrived while this one ran: then this instance is retired.
    auto it = code_.find(slot->action);
    if (it == code_.end() || it->second->revision != slot->revision) {
        slot->instance->destroy();
        live_.erase(slot->instance.get());
        return;
    }
    idle_.emplace(slot->revision, slot);
    slot->idleTimer.expires_after(opts_.keepAlive);
    slot->idleTimer.async_wait([this, slot](boost::system::error_code ec) {
        if (ec) return;  // taken for an activation, retired, or shut down
        for (auto i = idle_.begin(); i != idle_.end(); ++i) {
            if (i->second == slot) {
                idle_.erase(i);
                break;
            }
        }
        slot->instance->destroy();
        live_.erase(slot->instance.get());
    });
}

void Invoker::shutdown() {
    shuttingDown_ = true;
    for (auto& [inst, slot] : live_) {
        slot->idleTimer.cancel();
        slot->instance->destroy();
    }
    live_.clear();
    idle_.clear();
    code_.clear();
}

std::map<std::string, InstanceCounts> Invoker::counts() const {
    std::map<std::string, InstanceCounts> out;
    for (const auto& [inst, slot] : live_) {
        auto& c = out[slot->action];
        switch (inst->state()) {
            case Instance::State::Starting: ++c.starting; break;
            case Instance::State::Idle: ++c.idle; break;
            case Instance::State::Busy: ++c.busy; break;
            case Instance::State::Dead: break;
        }
    }
    return out;
}

}  // namespace fw::invoker
