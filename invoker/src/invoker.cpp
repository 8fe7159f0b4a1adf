#include "fw/invoker/invoker.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "code_dir.hpp"
#include "fw/common/kinds.hpp"
#include "fw/common/util.hpp"
#include "instance.hpp"
#include "oneshot.hpp"

namespace fw::invoker {
namespace fs = std::filesystem;
namespace {

// The line that gives a warm instance its activation (docs/runtimes.md, the protocol), written as
// text: per activation, building it as a JSON tree (with a copy of the parameters) and dumping
// it cost the io thread several times as much.
std::string requestLine(const RunRequest& req, std::int64_t deadlineMs) {
    std::string out;
    out.reserve(256);
    out += "{\"action_name\":";
    appendJsonString(out, "/" + req.action.path());
    out += ",\"action_version\":";
    appendJsonString(out, req.version);
    out += ",\"activation_id\":";
    appendJsonString(out, req.activationId);
    if (!req.apiKey.empty()) {
        out += ",\"api_key\":";
        appendJsonString(out, req.apiKey);
    }
    out += ",\"deadline\":";
    appendJsonString(out, std::to_string(deadlineMs));
    out += ",\"namespace\":";
    appendJsonString(out, req.action.ns);
    out += ",\"transaction_id\":";
    appendJsonString(out, req.transactionId);
    out += ",\"value\":";
    appendJson(out, req.params);
    out += '}';
    return out;
}


constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// How long a prewarmed instance may take to start before it is given up.
constexpr std::chrono::seconds kPrewarmStartLimit{30};
constexpr std::chrono::seconds kPrewarmRetryDelay{10};

std::string revisionKey(const RunRequest& req) { return req.action.path() + "@" + req.revision; }

std::int64_t msSince(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

bool runsOncePerActivation(const RunRequest& req) {
    return familyOf(req.exec.kind) == RuntimeFamily::Blackbox &&
           req.exec.image.find("actionloop") == std::string::npos;
}

// The family a prewarmed instance serves: "python" or "nodejs" ("" for none).
std::string prewarmFamily(const std::string& kind) {
    switch (familyOf(kind)) {
        case RuntimeFamily::Python: return "python";
        case RuntimeFamily::NodeJs: return "nodejs";
        default: return "";
    }
}

// Hard-links (or, across file systems, copies) the code into a prewarmed instance's directory.
Result<void> installCode(const fs::path& from, const fs::path& to) {
    std::error_code ec;
    fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::create_hard_links, ec);
    if (ec) {
        ec.clear();
        fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
    }
    if (ec) return Error{Errc::Internal, "cannot install the code for a prewarmed instance: " + ec.message()};
    return {};
}

}  // namespace

Result<std::vector<PrewarmSpec>> parsePrewarmSpec(const std::string& spec) {
    std::vector<PrewarmSpec> out;
    if (spec.empty() || spec == "none") return out;
    std::size_t start = 0;
    while (start <= spec.size()) {
        auto comma = spec.find(',', start);
        std::string item = spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        auto bad = [&] {
            return Error{Errc::InvalidArgument, "prewarm entry '" + item +
                                                    "' must look like python:3:256=2 (kind:memoryMB=count)"};
        };
        auto eq = item.rfind('=');
        auto colon = item.rfind(':', eq);
        if (eq == std::string::npos || colon == std::string::npos) return bad();
        PrewarmSpec p;
        p.kind = item.substr(0, colon);
        try {
            p.memoryMb = std::stoi(item.substr(colon + 1, eq - colon - 1));
            p.count = std::stoi(item.substr(eq + 1));
        } catch (...) {
            return bad();
        }
        auto kind = resolveKind(p.kind);
        if (!kind || prewarmFamily(*kind).empty()) {
            return Error{Errc::InvalidArgument, "prewarm kind '" + p.kind + "' must be a python or nodejs kind"};
        }
        if (p.memoryMb <= 0 || p.count < 0) return bad();
        p.kind = *kind;
        out.push_back(p);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

// An instance with the bookkeeping the pool needs around it.
struct Invoker::Slot {
    Slot(asio::io_context& io, std::shared_ptr<Instance> i, int mem)
        : instance(std::move(i)), memoryMb(mem), idleTimer(io) {}
    std::shared_ptr<Instance> instance;
    int memoryMb;
    std::string action;    // "ns/pkg/name"; empty while prewarmed
    std::string revision;  // revisionKey(); empty while prewarmed
    std::string family;    // prewarm only: "python" | "nodejs"
    bool prewarmed = false;
    int concurrency = 1;  // activations it may run at once
    int inflight = 0;     // activations it runs now
    // The instance's CPU counter when its last activation ended: the start of the next one's
    // (an idle instance uses no CPU), which saves a usage round trip per warm activation.
    std::int64_t cpuAtLastEnd = 0;
    asio::steady_timer idleTimer;
};

// The newest code directory of an action.
struct Invoker::CodeEntry {
    std::string revision;
    std::shared_ptr<CodeDir> dir;
};

// An activation waiting for room; woken whenever room may have appeared.
struct Invoker::Waiter {
    explicit Waiter(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
};

Invoker::Invoker(asio::io_context& io, InvokerOptions opts)
    : io_(io), opts_(std::move(opts)), idPrefix_("i" + randomHex(3) + "-") {
    std::error_code ec;
    // Directories of a previous run are never reused (revisions are looked up anew).
    fs::remove_all(opts_.stateDir / "code", ec);
    fs::remove_all(opts_.stateDir / "instances", ec);
    fs::create_directories(opts_.stateDir / "code", ec);
    fs::create_directories(opts_.stateDir / "instances", ec);
}

Invoker::~Invoker() { shutdown(); }

void Invoker::start() { asio::co_spawn(io_, refillPrewarm(), asio::detached); }

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
    std::vector<SlotPtr> gone;
    for (const auto& s : idle_) {
        if (s->action == action && s->revision != revision) gone.push_back(s);
    }
    for (const auto& s : gone) destroySlot(s);
}

void Invoker::retire(const QualifiedName& q) {
    std::string action = q.path();
    code_.erase(action);
    retireOtherRevisions(action, "");
}

LaunchSpec Invoker::specFor(const RunRequest& req, const std::shared_ptr<CodeDir>& code,
                            std::string instanceId) const {
    bool isolated = opts_.launcher->isolatesFilesystem();
    BindMount codeMount{code->path().string(), "/action", true};
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
    if (req.limits.concurrency > 1) spec.env.push_back("FW_CONCURRENCY=" + std::to_string(req.limits.concurrency));
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

LaunchSpec Invoker::prewarmSpecFor(const PrewarmSpec& p, const std::shared_ptr<CodeDir>& dir,
                                   std::string instanceId) const {
    // The same instance as for an action of this kind and memory size, minus everything that
    // depends on the action: that comes with the init message.
    RunRequest shape;
    shape.exec.kind = p.kind;
    shape.limits.memoryMb = p.memoryMb;
    LaunchSpec spec = specFor(shape, dir, std::move(instanceId));
    std::vector<std::string> env;
    for (const auto& e : spec.env) {
        if (e.starts_with("PATH=") || e.starts_with("HOME=") || e.starts_with("LANG=") ||
            e.starts_with("FW_ACTION_DIR=") || e.starts_with("FW_MEMORY_LIMIT_MB=") ||
            e.starts_with("__OW_API_HOST=")) {
            env.push_back(e);
        }
    }
    env.push_back("FW_PREWARM=1");
    spec.env = std::move(env);
    return spec;
}

bool Invoker::reserve(int memoryMb, const std::string& forAction) {
    if (usedMb_ + memoryMb <= opts_.memoryPoolMb) {
        usedMb_ += memoryMb;
        return true;
    }
    // Evict idle instances of other actions, least recently used first, then prewarmed ones.
    std::vector<SlotPtr> victims;
    std::int64_t freed = 0;
    for (bool prewarmed : {false, true}) {
        for (const auto& s : idle_) {
            if (usedMb_ - freed + memoryMb <= opts_.memoryPoolMb) break;
            if (s->prewarmed != prewarmed || (!prewarmed && s->action == forAction)) continue;
            victims.push_back(s);
            freed += s->memoryMb;
        }
    }
    if (usedMb_ - freed + memoryMb > opts_.memoryPoolMb) return false;
    for (const auto& v : victims) {
        spdlog::debug("evicting instance {} of {} for {}", v->instance->id(),
                      v->prewarmed ? "(prewarm)" : v->action, forAction);
        destroySlot(v);
    }
    usedMb_ += memoryMb;
    return true;
}

void Invoker::release(int memoryMb) {
    usedMb_ -= memoryMb;
    notifyWaiters();
    // Room came free: stem cells that found none, or were evicted for work, can come back now.
    // Queued activations come first: with any waiting, the room is theirs.
    if (!opts_.prewarm.empty() && waiters_.empty() && !refilling_ && !shuttingDown_) {
        asio::co_spawn(io_, refillPrewarm(), asio::detached);
    }
}

void Invoker::notifyWaiters() {
    for (Waiter* w : waiters_) w->timer.cancel();
}

void Invoker::destroySlot(const SlotPtr& slot) {
    slot->idleTimer.cancel();
    idle_.remove(slot);
    sharing_.remove(slot);
    slot->instance->destroy();
    if (live_.erase(slot->instance.get()) > 0) release(slot->memoryMb);
}

asio::awaitable<Invoker::Placement> Invoker::place(const RunRequest& req, int mem, bool canReuse,
                                                  Clock::time_point queueDeadline) {
    std::string rev = revisionKey(req);
    std::string family = canReuse ? prewarmFamily(req.exec.kind) : "";
    std::unique_ptr<Waiter> waiter;
    std::list<Waiter*>::iterator queued;
    auto leaveQueue = [&] {
        if (waiter) waiters_.erase(queued);
        waiter.reset();
    };
    while (true) {
        // 0. A busy instance of this revision with room for one more (limits.concurrency > 1).
        if (canReuse) {
            for (const auto& s : sharing_) {
                if (s->revision == rev && s->inflight < s->concurrency &&
                    s->instance->state() == Instance::State::Busy) {
                    leaveQueue();
                    co_return Placement{s, false, false};
                }
            }
        }
        // 1. An idle warm instance of this revision (the most recently used one).
        if (canReuse) {
            for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
                if (!(*it)->prewarmed && (*it)->revision == rev) {
                    SlotPtr s = *it;
                    idle_.erase(std::next(it).base());
                    s->idleTimer.cancel();
                    leaveQueue();
                    co_return Placement{s, false, false};
                }
            }
        }
        // 2. A prewarmed instance of the runtime and memory size.
        if (!family.empty()) {
            for (auto it = idle_.begin(); it != idle_.end(); ++it) {
                if ((*it)->prewarmed && (*it)->family == family && (*it)->memoryMb == mem) {
                    SlotPtr s = *it;
                    idle_.erase(it);
                    leaveQueue();
                    // Claimed before the refill looks: it no longer counts as a stem cell.
                    s->prewarmed = false;
                    s->action = req.action.path();
                    s->revision = rev;
                    // The refill starts once this activation has its result (runActivation):
                    // launching a sandbox blocks the io thread until it is ready, and this
                    // activation must not wait for its own replacement.
                    co_return Placement{s, false, false, true};
                }
            }
        }
        // 3. Room for a new instance (evicting idle instances of other actions if need be).
        if (reserve(mem, req.action.path())) {
            leaveQueue();
            co_return Placement{nullptr, true, false};
        }
        // 4. Wait in the queue for room or for an instance of this revision to come free.
        if (!waiter) {
            if (waiters_.size() >= opts_.maxQueued) co_return Placement{nullptr, false, true};
            waiter = std::make_unique<Waiter>(io_);
            waiters_.push_back(waiter.get());
            queued = std::prev(waiters_.end());
        }
        if (Clock::now() >= queueDeadline || shuttingDown_) {
            leaveQueue();
            co_return Placement{};
        }
        waiter->timer.expires_at(queueDeadline);
        co_await waiter->timer.async_wait(kTuple);
    }
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
    int mem = req.limits.memoryMb;
    bool once = runsOncePerActivation(req);

    // Room first: time spent waiting for it is wait time, not the action's time.
    auto queuedAt = Clock::now();
    auto placing = place(req, mem, !once, queuedAt + opts_.maxQueueWait);
    Placement placed = co_await std::move(placing);
    if (!placed.slot && !placed.reserved) {
        res.overloaded = true;
        co_return fail(ActivationStatus::WhiskError,
                       placed.queueFull
                           ? "The invoker is overloaded: " + std::to_string(opts_.maxQueued) +
                                 " activations are already waiting for room."
                           : "The invoker had no room for the action within " +
                                 std::to_string(msSince(queuedAt)) + " ms (memory pool " +
                                 std::to_string(opts_.memoryPoolMb) + " MB).");
    }

    auto startWall = nowMs();
    auto start = Clock::now();
    auto deadline = start + std::chrono::milliseconds(req.limits.timeoutMs);
    res.startMs = startWall;
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

    if (once) {
        res.startKind = StartKind::Cold;
        auto spec = specFor(req, *code, idPrefix_ + std::to_string(++nextInstance_));
        // Separate statements: see GCC bug 99576 (no temporaries in a co_await expression).
        auto running = runOnce(io_, launchPool_.get_executor(), *opts_.launcher, std::move(spec), *code,
                               req.params.dump(-1, ' ', false, Json::error_handler_t::replace),
                               deadline, req.limits.timeoutMs, logLimit, opts_.maxResultBytes);
        auto out = co_await std::move(running);
        if (!shuttingDown_) release(mem);
        co_return finish(std::move(out));
    }

    SlotPtr slot = placed.slot;
    std::optional<RunOutput> initFailure;  // a stem cell's init or a new instance's start failed
    if (placed.prewarmed) {
        // A stem cell: give it this action's code and identity, then let it load.
        res.startKind = StartKind::Prewarmed;
        if (auto installed = installCode((*code)->path(), slot->instance->codeDir()->path()); !installed) {
            destroySlot(slot);
            co_return fail(ActivationStatus::WhiskError, installed.error().message);
        }
        Json env = {{"FW_ACTION_MAIN", req.exec.main},
                    {"FW_ACTION_BINARY", req.exec.binary ? "1" : "0"},
                    {"__OW_NAMESPACE", req.action.ns},
                    {"__OW_ACTION_NAME", "/" + req.action.path()},
                    {"__OW_ACTION_VERSION", req.version}};
        if (req.limits.concurrency > 1) env["FW_CONCURRENCY"] = std::to_string(req.limits.concurrency);
        for (auto it = req.initEnv.begin(); it != req.initEnv.end(); ++it) {
            env[it.key()] = it->is_string() ? it->get<std::string>() : it->dump();
        }
        Json init = {{"init", {{"main", req.exec.main}, {"binary", req.exec.binary}, {"env", env}}}};
        auto initializing = slot->instance->initialize(
            init.dump(-1, ' ', false, Json::error_handler_t::replace), deadline, req.limits.timeoutMs, logLimit);
        initFailure = co_await std::move(initializing);
    } else if (slot) {
        res.startKind = StartKind::Warm;
    } else {
        res.startKind = StartKind::Cold;
        auto spec = specFor(req, *code, idPrefix_ + std::to_string(++nextInstance_));
        auto starting = Instance::start(io_, launchPool_.get_executor(), *opts_.launcher, std::move(spec),
                                        *code, opts_.maxResultBytes);
        auto inst = co_await std::move(starting);
        if (inst && shuttingDown_) {
            (*inst)->destroy();  // shut down while it was being launched
            co_return fail(ActivationStatus::WhiskError,
                           "The action was aborted because the invoker shut down.");
        }
        if (!inst) {
            release(mem);
            spdlog::error("activation {}: cannot start an instance: {}", req.activationId,
                          inst.error().message);
            co_return fail(ActivationStatus::WhiskError,
                           "The invoker could not start the action: " + inst.error().message);
        }
        slot = std::make_shared<Slot>(io_, *inst, mem);
        slot->action = req.action.path();
        slot->revision = revisionKey(req);
        live_[slot->instance.get()] = slot;
        auto ready = slot->instance->awaitReady(deadline, req.limits.timeoutMs, logLimit);
        initFailure = co_await std::move(ready);
    }
    if (res.startKind != StartKind::Warm) {  // this activation paid for loading the action
        res.initTimeMs = msSince(start);
        if (initFailure) {
            destroySlot(slot);
            co_return finish(std::move(*initFailure));
        }
        slot->concurrency = req.limits.concurrency;
        slot->instance->enableConcurrency(req.limits.concurrency);
    }

    // With limits.concurrency > 1 the instance may take more while this one runs.
    ++slot->inflight;
    if (slot->concurrency > 1) {
        sharing_.remove(slot);
        if (slot->inflight < slot->concurrency) sharing_.push_back(slot);
    }

    auto running = slot->instance->run(requestLine(req, startWall + req.limits.timeoutMs), deadline,
                                       req.limits.timeoutMs, logLimit);
    auto out = co_await std::move(running);
    std::int64_t cpuNow = out.usage.cpuTimeUs;
    finish(std::move(out));
    // The CPU the instance used since its previous activation ended: for one activation at a
    // time exactly this one's; with concurrency > 1 the shares add up to the instance's total.
    res.cpuTimeUs = std::max<std::int64_t>(0, cpuNow - slot->cpuAtLastEnd);
    slot->cpuAtLastEnd = std::max(slot->cpuAtLastEnd, cpuNow);
    --slot->inflight;
    if (placed.prewarmed) asio::co_spawn(io_, refillPrewarm(), asio::detached);
    auto state = slot->instance->state();
    if (state == Instance::State::Dead || shuttingDown_) {
        sharing_.remove(slot);
        if (slot->inflight == 0) destroySlot(slot);  // the others on it end with it
    } else if (slot->inflight == 0) {
        sharing_.remove(slot);
        keepIdle(slot);
    } else {
        // Still running others, and now it has room again.
        sharing_.remove(slot);
        sharing_.push_back(slot);
        notifyWaiters();
    }
    co_return res;
}

void Invoker::keepIdle(SlotPtr slot) {
    // A newer revision may have arrived while this one ran: then this instance is retired.
    auto it = code_.find(slot->action);
    if (it == code_.end() || it->second->revision != slot->revision) {
        destroySlot(slot);
        return;
    }
    idle_.push_back(slot);
    notifyWaiters();  // a queued activation of this revision can take it
    slot->idleTimer.expires_after(opts_.keepAlive);
    slot->idleTimer.async_wait([this, slot](boost::system::error_code ec) {
        if (ec) return;  // taken for an activation, retired, or shut down
        destroySlot(slot);
    });
}

asio::awaitable<void> Invoker::refillPrewarm() {
    if (refilling_ || shuttingDown_ || Clock::now() < prewarmRetryAt_) co_return;
    refilling_ = true;
    // A stem cell that could not start gives its room back, and refills pause for a while.
    auto giveUp = [this](int memoryMb) {
        prewarmRetryAt_ = Clock::now() + kPrewarmRetryDelay;
        release(memoryMb);
    };
    for (const auto& p : opts_.prewarm) {
        std::string family = prewarmFamily(p.kind);
        while (!shuttingDown_) {
            int have = 0;
            for (const auto& [inst, s] : live_) {
                if (s->prewarmed && s->family == family && s->memoryMb == p.memoryMb) ++have;
            }
            if (have >= p.count) break;
            // Prewarming never evicts and never takes room a queued activation waits for: it
            // uses only free room, and is asked again when room comes free (release()).
            if (usedMb_ + p.memoryMb > opts_.memoryPoolMb || !waiters_.empty()) break;
            usedMb_ += p.memoryMb;
            std::string id = idPrefix_ + std::to_string(++nextInstance_);
            fs::path dir = opts_.stateDir / "instances" / id;
            std::error_code ec;
            if (!fs::create_directory(dir, ec)) {
                giveUp(p.memoryMb);
                spdlog::warn("prewarm: cannot create {}: {}", dir.string(), ec.message());
                break;
            }
            fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                     fs::perms::others_read | fs::perms::others_exec, ec);
            auto codeDir = std::make_shared<CodeDir>(dir);
            auto starting = Instance::start(io_, launchPool_.get_executor(), *opts_.launcher,
                                            prewarmSpecFor(p, codeDir, id), codeDir, opts_.maxResultBytes);
            auto inst = co_await std::move(starting);
            if (inst && shuttingDown_) {
                (*inst)->destroy();  // shut down while it was being launched
                break;
            }
            if (!inst) {
                giveUp(p.memoryMb);
                spdlog::warn("prewarm: cannot start a {} instance: {}", p.kind, inst.error().message);
                break;
            }
            auto slot = std::make_shared<Slot>(io_, *inst, p.memoryMb);
            slot->prewarmed = true;
            slot->family = family;
            live_[slot->instance.get()] = slot;
            auto started = slot->instance->awaitStarted(Clock::now() + kPrewarmStartLimit);
            bool ok = co_await std::move(started);
            if (!ok) {
                live_.erase(slot->instance.get());
                giveUp(p.memoryMb);
                spdlog::warn("prewarm: a {} instance did not start", p.kind);
                break;
            }
            if (shuttingDown_) break;
            idle_.push_front(slot);  // prewarmed instances are never the LRU victims of first choice
            notifyWaiters();
        }
    }
    refilling_ = false;
}

void Invoker::shutdown() {
    shuttingDown_ = true;
    notifyWaiters();
    for (auto& [inst, slot] : live_) {
        slot->idleTimer.cancel();
        slot->instance->destroy();
    }
    live_.clear();
    idle_.clear();
    code_.clear();
    usedMb_ = 0;
}

InvokerStatus Invoker::status() const {
    InvokerStatus st;
    std::map<std::string, InvokerStatus::Action> byAction;
    std::map<std::pair<std::string, int>, int> prewarmed;
    for (const auto& [inst, slot] : live_) {
        if (slot->prewarmed && inst->state() == Instance::State::Prewarmed) {
            ++prewarmed[{slot->family, slot->memoryMb}];
            continue;
        }
        if (slot->action.empty()) continue;
        auto& a = byAction[slot->action];
        a.action = slot->action;
        switch (inst->state()) {
            case Instance::State::Starting: ++a.starting; break;
            case Instance::State::Idle: ++a.idle; break;
            case Instance::State::Busy: ++a.busy; break;
            default: break;
        }
    }
    for (auto& [k, a] : byAction) st.actions.push_back(a);
    for (const auto& p : opts_.prewarm) {
        int n = 0;
        if (auto it = prewarmed.find({prewarmFamily(p.kind), p.memoryMb}); it != prewarmed.end()) n = it->second;
        st.prewarmed.push_back({p.kind, p.memoryMb, n});
    }
    st.poolMb = opts_.memoryPoolMb;
    st.usedMb = usedMb_;
    st.queued = static_cast<std::int64_t>(waiters_.size());
    return st;
}

}  // namespace fw::invoker
