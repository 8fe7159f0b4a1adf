#include "fw/controller/controller.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "activations.hpp"
#include "entities.hpp"
#include "metrics.hpp"
#include "fw/common/util.hpp"

namespace fw::controller {
namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::int64_t kHourMs = 3600 * 1000;
// Records in the completion journal that the store has not committed yet, beyond which blocking
// callers wait for the commit again (the store has fallen behind, or is failing; this keeps the
// journal, and the work a restart would redo, bounded). Also at most half the retention count
// bound: the records not yet marked as stored are then always among a namespace's newest, which
// retention keeps, so none of them can be pruned and stored again by a restart.
constexpr std::uint64_t kMaxJournalBehind = 20000;

Error notFound() { return Error{Errc::NotFound, "The requested resource does not exist."}; }

Error unauthenticated() {
    return Error{Errc::Unauthorized, "The supplied authentication is invalid"};
}

Error wrongCollection() {
    return Error{Errc::Conflict, "Resource by this name exists but is not in this collection."};
}

// Turns a list `limit` into the effective one, or an error in OpenWhisk's words.
Result<std::int64_t> checkList(const ListOptions& o, const char* collection) {
    if (o.skip < 0) {
        return Error{Errc::InvalidArgument, "The value '" + std::to_string(o.skip) +
                                                "' is not valid for 'skip': it must be 0 or more."};
    }
    if (o.limit < 0 || o.limit > 200) {
        return Error{Errc::InvalidArgument, "The value '" + std::to_string(o.limit) +
                                                "' is not in the range of 0 to 200 for " +
                                                collection + "."};
    }
    return o.limit == 0 ? 200 : o.limit;
}

Result<Json> parseDoc(const std::string& text) {
    auto j = parseJson(text);
    if (!j) return Error{Errc::StoreFailed, "a stored document is not valid JSON"};
    return j;
}

// The list view of stored entity rows (rows whose document does not parse are left out).
Json summaries(const std::vector<EntityRow>& rows, Json (*view)(const Json&)) {
    Json out = Json::array();
    for (const auto& r : rows) {
        auto d = parseDoc(r.doc);
        if (d) out.push_back(view(*d));
    }
    return out;
}

// JSON-stringifies non-string values for environment variables (null becomes "").
std::string envString(const Json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return "";
    return v.dump();
}

bool truthy(const Json* v) {
    if (v == nullptr || v->is_null()) return false;
    if (v->is_boolean()) return v->get<bool>();
    if (v->is_string()) return !v->get<std::string>().empty() && v->get<std::string>() != "false";
    return true;
}

}  // namespace

// --- StoreThread ------------------------------------------------------------------------------

StoreThread::StoreThread(asio::io_context& io, std::unique_ptr<Store> store,
                         std::chrono::milliseconds journaledCommitDelay)
    : io_(io), store_(std::move(store)), journaledCommitDelay_(journaledCommitDelay) {}

StoreThread::~StoreThread() { stop(); }

void StoreThread::stop() {
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
    // Journaled writes waiting for their commit delay are committed now, not when it ends.
    asio::post(pool_, [this] {
        drainTimer_.cancel();
        drainWrites();
    });
    pool_.join();
}

void StoreThread::submit(Store::Write w, std::uint64_t journalSeq,
                         std::function<void(Result<void>)> done) {
    bool post = false;
    bool arm = false;
    {
        std::lock_guard lock(queueMutex_);
        queue_.push_back(QueuedWrite{std::move(w), std::move(done), journalSeq});
        // Writes queued while a drain is on its way share its transaction (group commit). A write
        // somebody waits on is drained now; a journaled one, whose caller has been answered,
        // may wait up to journaledCommitDelay_ for more to share it with.
        if (journalSeq == 0 || journaledCommitDelay_.count() == 0) {
            post = !drainPosted_;
            drainPosted_ = true;
        } else if (!drainPosted_ && !drainTimed_) {
            arm = drainTimed_ = true;
        }
    }
    // Posted to the same one-thread pool as run(), which drains first: store work queued after
    // this write runs after it.
    if (post) asio::post(pool_, [this] { drainWrites(); });
    if (arm) {
        asio::post(pool_, [this] {
            drainTimer_.expires_after(journaledCommitDelay_);
            // Re-armed after an early drain (by run(), or by a write somebody waits on), the
            // timer cancels its earlier wait: that one drains nothing; this one will.
            drainTimer_.async_wait([this](boost::system::error_code ec) {
                if (ec != asio::error::operation_aborted) drainWrites();
            });
        });
    }
}

asio::awaitable<Result<void>> StoreThread::write(Store::Write w) {
    auto init = [this, w = std::move(w)](auto handler) mutable {
        // The handler is move-only; the queue holds copyable callbacks.
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        submit(std::move(w), 0, [h](Result<void> r) { (*h)(std::move(r)); });
    };
    auto task = asio::async_initiate<const asio::use_awaitable_t<>&, void(Result<void>)>(std::move(init),
                                                                                          asio::use_awaitable);
    co_return co_await std::move(task);
}

void StoreThread::drainWrites() {
    std::vector<QueuedWrite> batch;
    {
        std::lock_guard lock(queueMutex_);
        batch.swap(queue_);
        drainPosted_ = false;
        drainTimed_ = false;  // a timer still armed finds the queue empty, or drains early
    }
    if (batch.empty()) return;
    std::vector<Store::Write> ops;
    ops.reserve(batch.size());
    for (auto& q : batch) ops.push_back(std::move(q.write));
    auto results = store_->writeBatch(ops);
    ++writeTransactions_;
    // A journaled record that the store refused (its database locked by another process for
    // longer than the busy timeout, a full disk) was answered already: it is not dropped but
    // tried again, later and for as long as it takes, and the journal is not marked past it,
    // so a restart meanwhile stores it too. Its `done` runs once it is stored.
    std::vector<QueuedWrite> retry;
    std::vector<QueuedWrite> finished;
    std::vector<Result<void>> finishedResults;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (batch[i].journalSeq > 0 && !results[i]) {
            if (!batch[i].failedBefore) {
                spdlog::error("a finished activation's record cannot be stored yet ({}); it is kept "
                              "in the journal and tried again", results[i].error().message);
                batch[i].failedBefore = true;
            }
            batch[i].write = std::move(ops[i]);
            retry.push_back(std::move(batch[i]));
            continue;
        }
        storedUpTo_ = std::max(storedUpTo_, batch[i].journalSeq);
        finished.push_back(std::move(batch[i]));
        finishedResults.push_back(std::move(results[i]));
    }
    // The highest entry stored so far, or, while one is being tried again, the one before it
    // (the entries after it may be stored already; they wait for it to be marked).
    std::uint64_t stored = retry.empty() ? storedUpTo_ : std::min(storedUpTo_, retry.front().journalSeq - 1);
    if (!retry.empty() && stopping_) {
        // No more tries: the journal keeps them unmarked, and the next start stores them.
        spdlog::error("{} finished activation record(s) could not be stored before stopping; the "
                      "journal keeps them for the next start", retry.size());
    } else if (!retry.empty()) {
        retryDelay_ = std::min(std::max(retryDelay_ * 2, std::chrono::milliseconds(10)),
                               std::chrono::milliseconds(1000));
        {
            std::lock_guard lock(queueMutex_);
            queue_.insert(queue_.begin(), std::make_move_iterator(retry.begin()),
                          std::make_move_iterator(retry.end()));
            drainTimed_ = true;  // the retry's timer below stands for the commit delay's
        }
        drainTimer_.expires_after(retryDelay_);
        drainTimer_.async_wait([this](boost::system::error_code ec) {
            if (ec != asio::error::operation_aborted) drainWrites();
        });
    } else {
        retryDelay_ = std::chrono::milliseconds(0);
    }
    // Every journal entry up to `stored` is now in the store (journaled writes are queued in
    // journal order, and one tried again stays at the front). Marked before any other store work
    // (a retention pass) can run, so a restart never stores again a record pruned meanwhile.
    if (stored > 0 && journal_ != nullptr) journal_->stored(stored);
    // One hand-off to the io thread for the whole batch.
    asio::post(io_, [finished = std::move(finished), results = std::move(finishedResults)]() mutable {
        for (std::size_t i = 0; i < finished.size(); ++i) finished[i].done(std::move(results[i]));
    });
}

// --- Controller -------------------------------------------------------------------------------

struct Controller::CachedAction {
    QualifiedName name;
    Json doc;  // the stored document without exec.code
    std::shared_ptr<const std::string> code;
    Json packageParams = Json::array();  // the enclosing package's parameters
    // Derived from doc and packageParams once, when the action is loaded (an update or delete
    // drops the cached entry), instead of on every invocation:
    RunRequest base;          // version, revision, exec, limits, initEnv; no activation fields
    Json defaultArgs = Json::object();  // bound parameters that are not init parameters
    bool publish = false;
    bool final = false;       // requests may not redefine bound parameters
    bool provideApiKey = false;
    std::int64_t allowedInFlight = 0;  // limits.instances x concurrency; 0: no own bound

    void derive(const SystemLimits& system) {
        // Read through a const reference and find(): nothing is added to the cached document.
        const Json& d = doc;
        auto field = [&d](const char* key) -> const Json& {
            static const Json none;
            auto it = d.find(key);
            return it == d.end() ? none : *it;
        };
        base.action = name;
        base.version = d.value("version", std::string("0.0.1"));
        base.revision = base.version + "@" + std::to_string(d.value("updated", std::int64_t{0}));
        const Json exec = field("exec").is_object() ? field("exec") : Json::object();
        base.exec.kind = exec.value("kind", std::string());
        base.exec.code = code;
        base.exec.binary = exec.value("binary", false);
        base.exec.main = exec.value("main", std::string("main"));
        base.exec.image = exec.value("image", std::string());
        auto lim = parseLimits(field("limits"), system.defaults, system);
        base.limits = lim ? *lim : system.defaults;
        if (lim && lim->instances > 0) {
            allowedInFlight = static_cast<std::int64_t>(lim->instances) * lim->concurrency;
        }
        // Parameters marked init:true go to the process environment, not to the arguments.
        for (const Json* layer : {static_cast<const Json*>(&packageParams), &field("parameters")}) {
            if (!layer->is_array()) continue;
            for (const auto& kv : *layer) {
                std::string key = kv["key"].get<std::string>();
                if (kv.value("init", false)) {
                    base.initEnv[key] = envString(kv.value("value", Json()));
                } else {
                    defaultArgs[key] = kv.value("value", Json());
                }
            }
        }
        publish = d.value("publish", false);
        final = truthy(findKeyValue(field("annotations"), "final"));
        provideApiKey = truthy(findKeyValue(field("annotations"), "provide-api-key"));
    }
};

struct Controller::MetricsHolder {
    Metrics m;
};

struct Controller::Waiter {
    explicit Waiter(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
    std::optional<FinishedRecord> record;
    bool overloaded = false;
};

Controller::Controller(asio::io_context& io, std::unique_ptr<Store> store, InvokerClient& invoker,
                       SystemLimits limits)
    : io_(io),
      store_(io, std::move(store)),
      invoker_(invoker),
      limits_(limits),
      metrics_(std::make_unique<MetricsHolder>()),
      retentionTimer_(io) {}

Controller::~Controller() = default;

void Controller::stop() {
    stopping_ = true;
    retentionTimer_.cancel();
    store_.stop();
}

void Controller::startRetention(Retention r) {
    if (r.maxPerNamespace > 0) {
        maxJournalBehind_ = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(r.maxPerNamespace) / 2, 1,
                                                      kMaxJournalBehind);
    }
    asio::co_spawn(io_, retentionLoop(r), asio::detached);
}

asio::awaitable<void> Controller::retentionLoop(Retention r) {
    using Clock = std::chrono::steady_clock;
    const auto interval = std::chrono::milliseconds(std::max<std::int64_t>(r.intervalMs, 10));
    passAfterStored_ = r.maxPerNamespace > 0 ? std::max<std::int64_t>(r.maxPerNamespace / 10, 1) : 0;
    auto nextFullPass = Clock::now();
    while (true) {
        // Every namespace now and every interval; in between, only those that have stored a
        // tenth of the count bound since their last pass (record() wakes this loop for them).
        std::optional<std::vector<std::string>> only;
        if (Clock::now() >= nextFullPass) {
            storedSincePass_.clear();
            nextFullPass = Clock::now() + interval;
        } else {
            only.emplace();
            for (auto it = storedSincePass_.begin(); it != storedSincePass_.end();) {
                if (it->second < passAfterStored_) {
                    ++it;
                    continue;
                }
                only->push_back(it->first);
                it = storedSincePass_.erase(it);
            }
        }
        if (!only || !only->empty()) {
            auto pass = prunePass(r, std::move(only));
            co_await std::move(pass);
        }
        bool due = passAfterStored_ > 0 &&
                   std::any_of(storedSincePass_.begin(), storedSincePass_.end(),
                               [this](const auto& kv) { return kv.second >= passAfterStored_; });
        if (due) continue;
        retentionIdle_ = true;
        retentionTimer_.expires_at(nextFullPass);
        auto [ec] = co_await retentionTimer_.async_wait(kTuple);
        retentionIdle_ = false;
        if (ec && stopping_) co_return;
    }
}

asio::awaitable<void> Controller::prunePass(Retention r, std::optional<std::vector<std::string>> only) {
    std::int64_t olderThan = r.maxAgeMs > 0 ? nowMs() - r.maxAgeMs : 0;
    std::int64_t keep = r.maxPerNamespace;
    constexpr std::int64_t kBatch = 100;
    std::int64_t total = 0;
    auto findEdges = store_.run([olderThan, keep, only = std::move(only)](Store& s) {
        return s.retentionEdges(olderThan, keep, only);
    });
    auto edges = co_await std::move(findEdges);
    if (!edges) spdlog::warn("retention: {}", edges.error().message);
    while (edges && !edges->empty()) {
        // One bounded batch per store task: invocations' store work runs in between.
        auto task = store_.run([e = *edges](Store& s) { return s.pruneActivations(e, kBatch); });
        auto pruned = co_await std::move(task);
        if (!pruned) {
            spdlog::warn("retention: {}", pruned.error().message);
            break;
        }
        total += *pruned;
        if (*pruned < kBatch) break;
    }
    if (total > 0) spdlog::debug("retention: pruned {} activation record(s)", total);
}

Result<std::string> Controller::createNamespace(Store& store, const std::string& name) {
    if (!isValidEntityName(name) || name.find(' ') != std::string::npos) {
        return Error{Errc::InvalidArgument, "invalid namespace name '" + name + "'"};
    }
    NamespaceRow row{name, newUuid(), "", randomHex(16)};
    std::string key = randomAlnum(64);
    row.keyHash = sha256Hex(row.salt + key);
    if (auto r = store.createNamespace(row); !r) return r.error();
    return row.uuid + ":" + key;
}

Result<NamespaceQuota> Controller::setNamespaceQuota(Store& store, const std::string& ns,
                                                     const Json& fields,
                                                     const NamespaceQuota& defaults) {
    auto row = store.namespaceByName(ns);
    if (!row) return row.error();
    if (!*row) return Error{Errc::NotFound, "namespace '" + ns + "' does not exist"};
    auto stored = store.namespaceLimits(ns);
    if (!stored) return stored.error();
    Json current = Json::object();
    if (*stored) {
        auto j = parseJson(**stored);
        if (j && j->is_object()) current = *j;
    }
    if (auto check = parseQuota(fields, defaults); !check) return check.error();
    for (auto it = fields.begin(); it != fields.end(); ++it) current[it.key()] = it.value();
    if (auto w = store.setNamespaceLimits(ns, current.dump()); !w) return w.error();
    return parseQuota(current, defaults);
}

asio::awaitable<Result<Identity>> Controller::authenticate(std::string_view authorization) {
    constexpr std::string_view prefix = "Basic ";
    if (authorization.size() <= prefix.size() ||
        !std::equal(prefix.begin(), prefix.end(), authorization.begin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        co_return Error{Errc::Unauthorized,
                        "The resource requires authentication, which was not supplied with the "
                        "request"};
    }
    auto decoded = base64Decode(authorization.substr(prefix.size()));
    if (!decoded) co_return unauthenticated();
    if (auto it = identities_.find(*decoded); it != identities_.end()) co_return it->second;
    auto colon = decoded->find(':');
    if (colon == std::string::npos) co_return unauthenticated();
    std::string uuid = decoded->substr(0, colon);
    std::string key = decoded->substr(colon + 1);
    auto rowTask = store_.run([uuid](Store& s) { return s.namespaceByUuid(uuid); });
    auto row = co_await std::move(rowTask);
    if (!row) co_return row.error();
    if (!*row || sha256Hex((*row)->salt + key) != (*row)->keyHash) co_return unauthenticated();
    Identity id{(*row)->name, uuid, key};
    identities_.emplace(*decoded, id);
    co_return id;
}

Result<void> Controller::authorize(const Identity& who, const std::string& ns,
                                   const std::string& what) const {
    if (ns == who.ns) return {};
    return Error{Errc::Forbidden,
                 "The supplied authentication is not authorized to access '" + what + "'."};
}

// --- actions ----------------------------------------------------------------------------------

asio::awaitable<Result<Json>> Controller::putAction(const Identity& who, const QualifiedName& name,
                                                    const Json& body, bool overwrite) {
    if (auto r = authorize(who, name.ns, name.path()); !r) co_return r.error();
    std::string ns = name.ns;
    std::string path = name.entity.path();
    std::string pkg = name.entity.pkg;
    auto loading = existingForPut(ns, path, "actions", overwrite);
    auto existing = co_await std::move(loading);
    if (!existing) co_return existing.error();
    std::optional<Json> old = std::move(*existing);
    if (!pkg.empty()) {
        auto pTask = store_.run([ns, pkg](Store& s) { return s.entity(ns, pkg); });
        auto p = co_await std::move(pTask);
        if (!p) co_return p.error();
        if (!*p || (*p)->collection != "packages") co_return notFound();
    }
    // Keep `updated` strictly increasing so that the revision of every update is distinct.
    std::int64_t updated = nowMs();
    if (old) updated = std::max(updated, old->value("updated", std::int64_t{0}) + 1);
    auto doc = buildActionDoc(name, body, old, limits_, updated);
    if (!doc) co_return doc.error();
    EntityRow row{path, "actions", doc->dump(), updated};
    auto wTask = store_.run([ns, row = std::move(row)](Store& s) { return s.putEntity(ns, row); });
    auto w = co_await std::move(wTask);
    if (!w) co_return w.error();
    actions_.erase({ns, path});
    if (old) invoker_.retire(name);  // idle instances of the old revision go now
    co_return *doc;
}

asio::awaitable<Result<std::shared_ptr<const Controller::CachedAction>>> Controller::loadAction(
    const QualifiedName& q) {
    std::string ns = q.ns;
    std::string path = q.entity.path();
    if (auto it = actions_.find({ns, path}); it != actions_.end()) co_return it->second;
    auto rowTask = store_.run([ns, path](Store& s) { return s.entity(ns, path); });
    auto row = co_await std::move(rowTask);
    if (!row) co_return row.error();
    if (!*row || (*row)->collection != "actions") co_return notFound();
    auto doc = parseDoc((*row)->doc);
    if (!doc) co_return doc.error();
    auto cached = std::make_shared<CachedAction>();
    cached->name = q;
    cached->code = std::make_shared<const std::string>((*doc)["exec"].value("code", std::string()));
    (*doc)["exec"].erase("code");
    cached->doc = std::move(*doc);
    if (!q.entity.pkg.empty()) {
        auto pkg = co_await loadPackageDoc(ns, q.entity.pkg);
        if (pkg) cached->packageParams = pkg->value("parameters", Json::array());
    }
    cached->derive(limits_);
    // Another coroutine may have loaded it meanwhile; either copy is equally fresh.
    actions_[{ns, path}] = cached;
    co_return std::shared_ptr<const CachedAction>(cached);
}

asio::awaitable<Result<Json>> Controller::getAction(const Identity& who, const QualifiedName& name,
                                                    bool withCode) {
    if (auto r = authorize(who, name.ns, name.path()); !r) co_return r.error();
    auto loading = loadEntityDoc(name.ns, name.entity.path(), "actions");
    auto doc = co_await std::move(loading);
    if (!doc) co_return doc.error();
    co_return actionView(*doc, withCode);
}

asio::awaitable<Result<Json>> Controller::listActions(const Identity& who, const std::string& ns,
                                                      const std::optional<std::string>& pkg,
                                                      const ListOptions& opts) {
    if (auto r = authorize(who, ns, ns); !r) co_return r.error();
    auto limit = checkList(opts, "actions");
    if (!limit) co_return limit.error();
    if (opts.count) {
        auto nTask = store_.run([ns, pkg](Store& s) { return s.countEntities(ns, "actions", pkg); });
        auto n = co_await std::move(nTask);
        if (!n) co_return n.error();
        co_return Json{{"actions", *n}};
    }
    if (pkg) {
        auto pTask = store_.run([ns, name = *pkg](Store& s) { return s.entity(ns, name); });
        auto p = co_await std::move(pTask);
        if (!p) co_return p.error();
        if (!*p || (*p)->collection != "packages") co_return notFound();
    }
    auto rowsTask = store_.run([ns, pkg, skip = opts.skip, lim = *limit](Store& s) {
        return s.entities(ns, "actions", pkg, skip, lim);
    });
    auto rows = co_await std::move(rowsTask);
    if (!rows) co_return rows.error();
    co_return summaries(*rows, actionSummary);
}

asio::awaitable<Result<Json>> Controller::deleteAction(const Identity& who,
                                                       const QualifiedName& name) {
    if (auto r = authorize(who, name.ns, name.path()); !r) co_return r.error();
    std::string ns = name.ns;
    std::string path = name.entity.path();
    auto loading = loadEntityDoc(ns, path, "actions");
    auto doc = co_await std::move(loading);
    if (!doc) co_return doc.error();
    auto delTask = store_.run([ns, path](Store& s) { return s.deleteEntity(ns, path); });
    auto del = co_await std::move(delTask);
    if (!del) co_return del.error();
    actions_.erase({ns, path});
    invoker_.retire(name);
    co_return actionView(*doc, false);
}

// --- packages ---------------------------------------------------------------------------------

asio::awaitable<Result<Json>> Controller::loadEntityDoc(std::string ns, std::string name,
                                                        const char* collection) {
    auto rowTask = store_.run([ns, name](Store& s) { return s.entity(ns, name); });
    auto row = co_await std::move(rowTask);
    if (!row) co_return row.error();
    if (!*row) co_return notFound();
    if ((*row)->collection != collection) co_return wrongCollection();
    co_return parseDoc((*row)->doc);
}

asio::awaitable<Result<std::optional<Json>>> Controller::existingForPut(std::string ns, std::string name,
                                                                       const char* collection,
                                                                       bool overwrite) {
    auto rowTask = store_.run([ns, name](Store& s) { return s.entity(ns, name); });
    auto row = co_await std::move(rowTask);
    if (!row) co_return row.error();
    if (!*row) co_return std::optional<Json>();
    if ((*row)->collection != collection) co_return wrongCollection();
    if (!overwrite) co_return Error{Errc::Conflict, "resource already exists"};
    auto doc = parseDoc((*row)->doc);
    if (!doc) co_return doc.error();
    co_return std::optional<Json>(std::move(*doc));
}

asio::awaitable<Result<std::vector<EntityRow>>> Controller::packageMembers(std::string ns, std::string pkg) {
    auto task = store_.run([ns, pkg](Store& s) { return s.entities(ns, "actions", pkg, 0, 1 << 20); });
    co_return co_await std::move(task);
}

asio::awaitable<Result<Json>> Controller::loadPackageDoc(const std::string& ns,
                                                         const std::string& pkg) {
    auto loading = loadEntityDoc(ns, pkg, "packages");
    co_return co_await std::move(loading);
}

asio::awaitable<Result<Json>> Controller::putPackage(const Identity& who, const std::string& ns,
                                                     const std::string& name, const Json& body,
                                                     bool overwrite) {
    if (auto r = authorize(who, ns, ns + "/" + name); !r) co_return r.error();
    if (!isValidEntityName(name)) co_return parseEntityName(name).error();
    auto loading = existingForPut(ns, name, "packages", overwrite);
    auto existing = co_await std::move(loading);
    if (!existing) co_return existing.error();
    std::optional<Json> old = std::move(*existing);
    std::int64_t updated = nowMs();
    if (old) updated = std::max(updated, old->value("updated", std::int64_t{0}) + 1);
    auto doc = buildPackageDoc(ns, name, body, old, limits_, updated);
    if (!doc) co_return doc.error();
    EntityRow row{name, "packages", doc->dump(), updated};
    auto wTask = store_.run([ns, row = std::move(row)](Store& s) { return s.putEntity(ns, row); });
    auto w = co_await std::move(wTask);
    if (!w) co_return w.error();
    actions_.clear();  // cached actions carry their package's parameters
    co_return *doc;
}

asio::awaitable<Result<Json>> Controller::getPackage(const Identity& who, const std::string& ns,
                                                     const std::string& name) {
    if (auto r = authorize(who, ns, ns + "/" + name); !r) co_return r.error();
    auto loading = loadEntityDoc(ns, name, "packages");
    auto doc = co_await std::move(loading);
    if (!doc) co_return doc.error();
    auto listing = packageMembers(ns, name);
    auto members = co_await std::move(listing);
    if (!members) co_return members.error();
    Json actions = Json::array();
    for (const auto& m : *members) {
        auto d = parseDoc(m.doc);
        if (!d) continue;
        actions.push_back({{"name", (*d)["name"]},
                           {"version", (*d)["version"]},
                           {"annotations", (*d)["annotations"]}});
    }
    (*doc)["actions"] = actions;
    (*doc)["feeds"] = Json::array();
    co_return *doc;
}

asio::awaitable<Result<Json>> Controller::listPackages(const Identity& who, const std::string& ns,
                                                       const ListOptions& opts) {
    if (auto r = authorize(who, ns, ns); !r) co_return r.error();
    auto limit = checkList(opts, "packages");
    if (!limit) co_return limit.error();
    if (opts.count) {
        auto nTask = store_.run([ns](Store& s) { return s.countEntities(ns, "packages", std::nullopt); });
        auto n = co_await std::move(nTask);
        if (!n) co_return n.error();
        co_return Json{{"packages", *n}};
    }
    auto rowsTask = store_.run([ns, skip = opts.skip, lim = *limit](Store& s) {
        return s.entities(ns, "packages", std::nullopt, skip, lim);
    });
    auto rows = co_await std::move(rowsTask);
    if (!rows) co_return rows.error();
    co_return summaries(*rows, packageSummary);
}

asio::awaitable<Result<Json>> Controller::deletePackage(const Identity& who, const std::string& ns,
                                                        const std::string& name, bool force) {
    if (auto r = authorize(who, ns, ns + "/" + name); !r) co_return r.error();
    auto loading = loadEntityDoc(ns, name, "packages");
    auto doc = co_await std::move(loading);
    if (!doc) co_return doc.error();
    auto listing = packageMembers(ns, name);
    auto members = co_await std::move(listing);
    if (!members) co_return members.error();
    if (!members->empty() && !force) {
        co_return Error{Errc::Conflict, "Package not empty (contains " +
                                            std::to_string(members->size()) +
                                            " entities). Set force param or delete package "
                                            "contents."};
    }
    for (const auto& m : *members) {
        auto dTask = store_.run([ns, n = m.name](Store& s) { return s.deleteEntity(ns, n); });
        auto d = co_await std::move(dTask);
        if (!d) co_return d.error();
    }
    auto delTask = store_.run([ns, name](Store& s) { return s.deleteEntity(ns, name); });
    auto del = co_await std::move(delTask);
    if (!del) co_return del.error();
    actions_.clear();
    co_return *doc;
}

// --- invocation -------------------------------------------------------------------------------

asio::awaitable<Result<InvokeOutcome>> Controller::invoke(
    const Identity& who, const QualifiedName& name, const Json& params,
    std::optional<std::chrono::milliseconds> wait) {
    if (auto r = authorize(who, name.ns, name.path()); !r) co_return r.error();
    if (!params.is_object()) {
        co_return Error{Errc::InvalidArgument,
                        "The request content was malformed:\nthe parameters must be a JSON object"};
    }
    auto action = co_await loadAction(name);
    if (!action) co_return action.error();
    // A request may not redefine parameters of a `final` action (OpenWhisk's rule).
    if ((*action)->final) {
        // Bound: every parameter of the package and the action, init ones included.
        const auto& bound = (*action)->defaultArgs;
        const auto& boundEnv = (*action)->base.initEnv;
        for (auto it = params.begin(); it != params.end(); ++it) {
            if (bound.contains(it.key()) || boundEnv.contains(it.key())) {
                co_return Error{Errc::InvalidArgument,
                                "Request defines parameters that are not allowed (e.g., reserved "
                                "properties)."};
            }
        }
    }
    // The action's own bound on activations in flight (limits.instances x concurrency).
    if (std::int64_t allowed = (*action)->allowedInFlight; allowed > 0) {
        std::int64_t now = actionInFlight_[name.path()];
        if (now >= allowed) {
            co_return Error{Errc::TooManyRequests,
                            "Too many concurrent activations of '" + name.path() + "' in flight (count: " +
                                std::to_string(now) + ", allowed: " + std::to_string(allowed) + ").",
                            1};
        }
    }
    auto quota = co_await quotaFor(name.ns);
    if (!quota) co_return quota.error();
    if (auto admitted = admit(name.ns, *quota); !admitted) co_return admitted.error();
    std::string id = newActivationId();
    std::int64_t accepted = nowMs();
    // The pending row: what makes an accepted activation survive a crash (it is run again at
    // start). Written before the caller is told the activation id, which for a non-blocking
    // invocation is now, and for a blocking one only if the wait ends before the record is
    // stored (then the caller gets 202 and the id). A blocking invocation answered with its
    // record never needs one: the record is stored before the answer. (docs/architecture.md,
    // Durability.)
    auto writePending = [this, id, accepted, request = Json{{"subject", who.ns}, {"uuid", who.uuid},
                                                            {"action", name.path()}, {"params", params}}]() {
        PendingRow row{id, accepted, request.dump()};
        return store_.write([row = std::move(row)](Store& s) { return s.addPending(row); });
    };
    if (!wait) {
        auto wTask = writePending();
        auto w = co_await std::move(wTask);
        if (!w) {
            --quotas_[name.ns].inFlight;
            co_return w.error();
        }
    }
    ++actionInFlight_[name.path()];
    std::unique_ptr<Waiter> waiter;
    if (wait) {
        waiter = std::make_unique<Waiter>(io_);
        waiter->timer.expires_after(*wait);
        waiters_.emplace(id, waiter.get());
        withoutPending_.emplace(id, false);
    }
    dispatch(who, *action, params, id, accepted);
    InvokeOutcome out{id, std::nullopt};
    if (!waiter) co_return out;
    Result<void> pendingWritten;
    for (;;) {
        // record() may have run already: an invoker with no room answers within dispatch(),
        // and a journaled record wakes its waiters without a store round trip first.
        if (!waiter->record) co_await waiter->timer.async_wait(kTuple);
        if (waiter->record) break;  // record() has it and woke us
        auto it = withoutPending_.find(id);
        if (it == withoutPending_.end()) break;
        if (it->second) {
            // The activation has finished and its record is on its way to the store: wait for
            // it rather than answer 202 for an activation that is already over.
            waiter->timer.expires_at(asio::steady_timer::time_point::max());
            continue;
        }
        // The wait is over first: the caller gets 202 and the id, so from now on the activation
        // must survive a crash. Its record, whenever it comes, deletes the row (the store runs
        // writes in order, so the row is there first).
        withoutPending_.erase(it);
        auto wTask = writePending();
        pendingWritten = co_await std::move(wTask);
        if (!pendingWritten && !waiter->record) withoutPending_.emplace(id, false);
        break;
    }
    // Woken either by the deadline or by record(); erase our entry either way.
    auto range = waiters_.equal_range(id);
    for (auto it = range.first; it != range.second; ++it) {
        if (it->second == waiter.get()) {
            waiters_.erase(it);
            break;
        }
    }
    if (!pendingWritten && !waiter->record) co_return pendingWritten.error();
    out.record = std::move(waiter->record);
    out.overloaded = waiter->overloaded;
    co_return out;
}

void Controller::dispatch(const Identity& who, std::shared_ptr<const CachedAction> action,
                          const Json& requestParams, std::string activationId,
                          std::int64_t acceptedAt) {
    RunRequest req = action->base;
    req.activationId = activationId;
    req.transactionId = randomHex(16);
    if (action->provideApiKey) req.apiKey = who.uuid + ":" + who.key;
    req.acceptedAtMs = acceptedAt;
    // The record needs the request's identity, not its parameters (up to 1 MB): copied before.
    RunRequest copy = req;
    req.params = mergeParams({&action->defaultArgs, &requestParams});
    ++inFlight_;
    std::string subject = who.ns;
    bool publish = action->publish;
    invoker_.run(std::move(req), [this, subject, publish, copy = std::move(copy)](RunResult res) {
        RecordFacts facts = recordFacts(copy, res);
        FinishedRecord record = finishedRecord(subject, copy, res, publish, facts);
        // A blocking invocation still waiting has no pending row: its record alone is written
        // (and its waiter, seeing this, waits for it instead of writing one).
        bool hadPending = true;
        if (auto it = withoutPending_.find(copy.activationId); it != withoutPending_.end()) {
            it->second = true;
            hadPending = false;
        }
        asio::co_spawn(io_,
                       this->record(copy.activationId, subject, std::move(record), std::move(facts),
                                    res.overloaded, hadPending),
                       asio::detached);
    });
}

asio::awaitable<void> Controller::record(std::string activationId, std::string ns,
                                         FinishedRecord doc, RecordFacts facts, bool overloaded,
                                         bool hadPending) {
    Completion c;
    c.id = activationId;
    c.ns = ns;
    c.path = facts.entityPath;  // the record's path column: "a" or "pkg/a" inside the namespace
    c.start = facts.start;
    // The text goes to the store; a waiting caller gets it too (its answer may be the record).
    bool waited = waiters_.count(activationId) > 0;
    c.doc = waited ? doc.text : std::move(doc.text);
    c.usage.action = facts.entityPath;
    c.usage.hour = facts.start - facts.start % kHourMs;
    c.usage.error = !facts.success;
    c.usage.cold = facts.startKind == StartKind::Cold;
    c.usage.gbSeconds = facts.gbSeconds;
    c.usage.cpuSeconds = facts.cpuSeconds;
    c.hadPending = hadPending;
    // A caller waiting for this record is answered as soon as the record is in the completion
    // journal, which survives a crash of the daemon; the store commits it behind the answer
    // (docs/architecture.md, Durability). Without a waiter, or when the store has fallen too
    // far behind the journal, the record is committed first, as it always was.
    std::uint64_t seq = 0;
    if (journal_ && waited && journal_->behind() < maxJournalBehind_) {
        auto appended = journal_->append(c);
        if (appended) {
            seq = *appended;
        } else if (!journalWarned_) {
            journalWarned_ = true;
            spdlog::warn("activation {}: {}; blocking callers wait for the store's commit instead",
                         activationId, appended.error().message);
        }
    }
    Store::Write op = [c = std::move(c)](Store& s) { return s.completeActivation(c); };
    if (seq > 0) {
        store_.submit(std::move(op), seq,
                      [this, activationId, ns](Result<void> w) { stored(activationId, ns, w); });
        finished(activationId, ns, facts, std::move(doc), overloaded);
        co_return;
    }
    auto wTask = store_.write(std::move(op));
    auto w = co_await std::move(wTask);
    stored(activationId, ns, w);
    finished(activationId, ns, facts, std::move(doc), overloaded);
}

void Controller::stored(const std::string& activationId, const std::string& ns,
                        const Result<void>& w) {
    if (!w) {
        spdlog::error("activation {}: cannot store the record: {}", activationId, w.error().message);
        return;
    }
    if (passAfterStored_ > 0 && ++storedSincePass_[ns] == passAfterStored_ && retentionIdle_) {
        retentionTimer_.cancel();  // this namespace is due for a retention pass
    }
}

void Controller::finished(const std::string& activationId, const std::string& ns,
                          const RecordFacts& facts, FinishedRecord doc, bool overloaded) {
    withoutPending_.erase(activationId);
    metrics_->m.record(ns, facts);
    --inFlight_;
    if (auto q = quotas_.find(ns); q != quotas_.end() && q->second.inFlight > 0) --q->second.inFlight;
    if (auto a = actionInFlight_.find(facts.path); a != actionInFlight_.end() && --a->second <= 0) {
        actionInFlight_.erase(a);
    }
    auto range = waiters_.equal_range(activationId);
    for (auto it = range.first; it != range.second; ++it) {
        it->second->record = std::next(it) == range.second ? std::move(doc) : doc;
        it->second->overloaded = overloaded;
        it->second->timer.cancel();
    }
}

Result<std::size_t> Controller::openJournal(const std::filesystem::path& dir) {
    auto left = CompletionJournal::leftover(dir);
    if (!left) return left.error();
    if (!left->empty()) {
        // Finished activations whose callers may have had their records: stored now, before
        // anything else runs (resumePending must not run again one that had a pending row).
        std::vector<Store::Write> ops;
        for (const auto& c : *left) ops.push_back([&c](Store& s) { return s.completeActivation(c); });
        for (const auto& r : store_.unsafeStore().writeBatch(ops)) {
            if (!r) return Error{Errc::StoreFailed, "cannot store the activation records left in the journal " +
                                                        dir.string() + ": " + r.error().message};
        }
    }
    auto j = CompletionJournal::start(dir);
    if (!j) return j.error();
    journal_ = std::move(*j);
    store_.setJournal(journal_.get());
    return left->size();
}

asio::awaitable<Result<NamespaceQuota>> Controller::quotaFor(const std::string& ns) {
    auto it = quotas_.find(ns);
    if (it != quotas_.end() && it->second.known) {
        // Known: answered from memory, and re-read behind the answer once it is old. An
        // invocation never waits for that read: store work queued after writes runs after them,
        // so under load it would wait for every record the store has yet to commit.
        QuotaState& st = it->second;
        if (!st.refreshing && std::chrono::steady_clock::now() - st.fetched >= quotaRefresh_) {
            st.refreshing = true;
            asio::co_spawn(io_, refreshQuota(ns), asio::detached);
        }
        co_return st.quota;
    }
    auto read = readQuota(ns);
    auto q = co_await std::move(read);
    if (!q) co_return q.error();
    auto& st = quotas_[ns];
    st.quota = *q;
    st.known = true;
    st.fetched = std::chrono::steady_clock::now();
    co_return *q;
}

asio::awaitable<Result<NamespaceQuota>> Controller::readQuota(std::string ns) {
    auto task = store_.run([ns](Store& s) { return s.namespaceLimits(ns); });
    auto stored = co_await std::move(task);
    if (!stored) co_return stored.error();
    NamespaceQuota q = limits_.defaultQuota;
    if (*stored) {
        auto j = parseJson(**stored);
        if (j) {
            auto parsed = parseQuota(*j, limits_.defaultQuota);
            if (parsed) q = *parsed;
        }
    }
    co_return q;
}

asio::awaitable<void> Controller::refreshQuota(std::string ns) {
    auto read = readQuota(ns);
    auto q = co_await std::move(read);
    auto& st = quotas_[ns];
    st.refreshing = false;
    st.fetched = std::chrono::steady_clock::now();  // after a failure too: tried again later
    if (q) {
        st.quota = *q;
    } else {
        spdlog::warn("namespace {}: cannot re-read its quota ({}); the one read before stays",
                     ns, q.error().message);
    }
}

Result<void> Controller::admit(const std::string& ns, const NamespaceQuota& q) {
    auto& st = quotas_[ns];
    std::int64_t now = nowMs();
    std::int64_t minute = now / 60000;
    if (st.minute != minute) {
        st.minute = minute;
        st.thisMinute = 0;
    }
    if (q.concurrentInvocations > 0 && st.inFlight >= q.concurrentInvocations) {
        return Error{Errc::TooManyRequests,
                     "Too many concurrent requests in flight (count: " + std::to_string(st.inFlight) +
                         ", allowed: " + std::to_string(q.concurrentInvocations) + ").",
                     1};
    }
    if (q.invocationsPerMinute > 0 && st.thisMinute >= q.invocationsPerMinute) {
        int retry = static_cast<int>(60 - (now % 60000) / 1000);
        return Error{Errc::TooManyRequests,
                     "Too many requests in the last minute (count: " + std::to_string(st.thisMinute) +
                         ", allowed: " + std::to_string(q.invocationsPerMinute) + ").",
                     std::max(1, retry)};
    }
    ++st.thisMinute;
    ++st.inFlight;
    return {};
}

asio::awaitable<void> Controller::resumePending() {
    auto rowsTask = store_.run([](Store& s) { return s.pending(); });
    auto rows = co_await std::move(rowsTask);
    if (!rows) {
        spdlog::error("cannot read accepted activations: {}", rows.error().message);
        co_return;
    }
    for (const auto& row : *rows) {
        auto req = parseJson(row.request);
        if (!req) continue;
        std::string subject = (*req).value("subject", std::string());
        auto q = parseQualifiedName("/" + (*req).value("action", std::string()), subject);
        auto nsRowTask = store_.run([subject](Store& s) { return s.namespaceByName(subject); });
        auto nsRow = co_await std::move(nsRowTask);
        std::optional<std::shared_ptr<const CachedAction>> action;
        if (q) {
            auto a = co_await loadAction(*q);
            if (a) action = *a;
        }
        if (!action || !nsRow || !*nsRow) {
            // The action (or its namespace) is gone: record why instead of losing the activation.
            RunRequest r;
            r.activationId = row.id;
            if (q) r.action = *q;
            r.acceptedAtMs = row.accepted;
            RunResult res;
            res.status = ActivationStatus::WhiskError;
            res.startMs = res.endMs = nowMs();
            res.result = {{"error", "The action no longer exists; the activation accepted before "
                                    "the restart could not run."}};
            ++inFlight_;
            ++quotas_[subject].inFlight;
            RecordFacts facts = recordFacts(r, res);
            auto done = record(row.id, subject, finishedRecord(subject, r, res, false, facts), std::move(facts));
            co_await std::move(done);
            continue;
        }
        spdlog::info("resuming activation {} of {} accepted before the restart", row.id,
                     (*action)->name.path());
        Identity who{subject, (*nsRow)->uuid, ""};
        ++quotas_[subject].inFlight;  // resumed work counts against the concurrency quota
        dispatch(who, *action, (*req).value("params", Json::object()), row.id, row.accepted);
    }
}

// --- activations ------------------------------------------------------------------------------

asio::awaitable<Result<Json>> Controller::listActivations(const Identity& who,
                                                          const std::string& ns,
                                                          const ActivationListOptions& opts) {
    if (auto r = authorize(who, ns, ns); !r) co_return r.error();
    if (opts.list.count && opts.docs) {
        co_return Error{Errc::InvalidArgument, "The parameter 'docs' is not permitted with 'count'."};
    }
    auto limit = checkList(opts.list, "activations");
    if (!limit) co_return limit.error();
    ActivationQuery q;
    if (opts.name) {
        auto n = parseEntityName(*opts.name);
        if (!n) co_return n.error();
        q.path = n->path();
    }
    q.since = opts.since;
    q.upto = opts.upto;
    q.skip = opts.list.skip;
    q.limit = *limit;
    if (opts.list.count) {
        auto nTask = store_.run([ns, q](Store& s) { return s.countActivations(ns, q); });
        auto n = co_await std::move(nTask);
        if (!n) co_return n.error();
        co_return Json{{"activations", *n}};
    }
    auto rowsTask = store_.run([ns, q](Store& s) { return s.activations(ns, q); });
    auto rows = co_await std::move(rowsTask);
    if (!rows) co_return rows.error();
    Json out = Json::array();
    for (const auto& text : *rows) {
        auto d = parseDoc(text);
        if (!d) continue;
        out.push_back(opts.docs ? std::move(*d) : activationSummary(*d));
    }
    co_return out;
}

asio::awaitable<Result<Json>> Controller::getActivation(const Identity& who, const std::string& ns,
                                                        const std::string& id) {
    if (auto r = authorize(who, ns, ns); !r) co_return r.error();
    auto rowTask = store_.run([ns, id](Store& s) { return s.activation(ns, id); });
    auto row = co_await std::move(rowTask);
    if (!row) co_return row.error();
    if (!*row) co_return notFound();
    co_return parseDoc(**row);
}

asio::awaitable<Result<Json>> Controller::usage(const Identity& who, const std::string& ns,
                                                std::int64_t since, std::int64_t upto,
                                                const std::string& group) {
    if (auto r = authorize(who, ns, ns); !r) co_return r.error();
    if (group != "action" && group != "hour") {
        co_return Error{Errc::InvalidArgument,
                        "The query parameter 'group' must be 'action' or 'hour', not '" + group + "'."};
    }
    if (upto == 0) upto = nowMs();
    if (since == 0) since = upto - 24 * kHourMs;
    if (since > upto) {
        co_return Error{Errc::InvalidArgument, "'since' must not be after 'upto'."};
    }
    // The ledger is kept per hour: a period covers the hours its bounds fall in.
    std::int64_t fromHour = since - since % kHourMs;
    std::int64_t toHour = upto - upto % kHourMs;
    auto rowsTask = store_.run([ns, fromHour, toHour](Store& s) { return s.usage(ns, fromHour, toHour); });
    auto rows = co_await std::move(rowsTask);
    if (!rows) co_return rows.error();
    struct Sum {
        std::int64_t invocations = 0, errors = 0, cold = 0;
        double gb = 0, cpu = 0;
        void add(const UsageRow& r) {
            invocations += r.invocations;
            errors += r.errors;
            cold += r.coldStarts;
            gb += r.gbSeconds;
            cpu += r.cpuSeconds;
        }
    };
    auto toJson = [&](const Sum& x) {
        double cost = x.gb * pricing_.perGbSecond +
                      static_cast<double>(x.invocations) * pricing_.perMillionRequests / 1e6;
        return Json{{"invocations", x.invocations}, {"errors", x.errors}, {"coldStarts", x.cold},
                    {"gbSeconds", x.gb}, {"cpuSeconds", x.cpu}, {"cost", cost}};
    };
    std::map<std::string, Sum> byAction;
    std::map<std::int64_t, Sum> byHour;
    Sum total;
    for (const auto& r : *rows) {
        byAction[r.action].add(r);
        byHour[r.hour].add(r);
        total.add(r);
    }
    Json out = Json::array();
    if (group == "action") {
        for (const auto& [action, sum] : byAction) {
            Json row = toJson(sum);
            row["action"] = action;
            out.push_back(std::move(row));
        }
    } else {
        for (const auto& [hour, sum] : byHour) {
            Json row = toJson(sum);
            row["hour"] = hour;
            out.push_back(std::move(row));
        }
    }
    co_return Json{{"namespace", ns},
                   {"since", fromHour},
                   {"upto", toHour + kHourMs - 1},
                   {"group", group},
                   {"prices", {{"perGbSecond", pricing_.perGbSecond},
                               {"perMillionRequests", pricing_.perMillionRequests},
                               {"currency", pricing_.currency}}},
                   {"rows", out},
                   {"total", toJson(total)}};
}

Result<Json> Controller::instances(const Identity& who, const std::string& ns) const {
    if (auto r = authorize(who, ns, ns); !r) return r.error();
    InvokerStatus st = invoker_.status();
    Json actions = Json::array();
    std::string prefix = ns + "/";
    for (const auto& a : st.actions) {
        if (!a.action.starts_with(prefix)) continue;
        actions.push_back({{"action", a.action.substr(prefix.size())},
                           {"starting", a.starting},
                           {"idle", a.idle},
                           {"busy", a.busy}});
    }
    Json prewarmed = Json::array();
    for (const auto& p : st.prewarmed) {
        prewarmed.push_back({{"kind", p.kind}, {"memory", p.memoryMb}, {"count", p.count}});
    }
    return Json{{"actions", actions},
                {"prewarmed", prewarmed},
                {"pool", {{"memoryMb", st.poolMb}, {"usedMb", st.usedMb}, {"queued", st.queued}}}};
}

std::string Controller::metricsText() const { return metrics_->m.render(invoker_.status()); }

Json Controller::resultView(const Json& record) { return activationResultView(record); }

Result<Json> Controller::listNamespaces(const Identity& who) const {
    return Json::array({who.ns});
}

asio::awaitable<Result<Json>> Controller::limits(const Identity& who, const std::string& ns) {
    if (auto r = authorize(who, ns, ns); !r) co_return r.error();
    auto q = co_await quotaFor(ns);
    if (!q) co_return q.error();
    Json out = toJson(*q);
    out.update(Json{{"minActionMemory", limits_.memoryMb.min},
                    {"maxActionMemory", limits_.memoryMb.max},
                    {"minActionTimeout", limits_.timeoutMs.min},
                    {"maxActionTimeout", limits_.timeoutMs.max},
                    {"minActionLogs", limits_.logsMb.min},
                    {"maxActionLogs", limits_.logsMb.max},
                    {"maxActionConcurrency", limits_.concurrency.max},
                    {"maxPayloadSize", limits_.maxPayloadBytes},
                    {"maxResultSize", limits_.maxResultBytes},
                    {"maxCodeSize", limits_.maxCodeBytes}});
    co_return out;
}

}  // namespace fw::controller
