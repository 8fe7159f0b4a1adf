// The controller: namespaces and keys, entities (actions, packages), invocation (blocking and
// non-blocking, durable from acceptance to record), and the activation store. Business logic
// only: it takes typed arguments and returns JSON documents or Errors, and knows nothing of HTTP
// (the gateway adapts) or of how an invoker runs code (InvokerClient).
//
// Threading: every public coroutine runs on the io_context's single thread, which owns the
// caches and waiters below; SQLite work hops to the one store thread (StoreThread).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "fw/common/activation.hpp"
#include "fw/common/json.hpp"
#include "fw/common/limits.hpp"
#include "fw/common/names.hpp"
#include "fw/controller/journal.hpp"
#include "fw/controller/store.hpp"

namespace fw::controller {

namespace asio = boost::asio;

struct RecordFacts;  // what the bookkeeping needs of a finished activation (src/activations.hpp)

// Who is calling: the namespace a key belongs to.
struct Identity {
    std::string ns;
    std::string uuid;
    std::string key;  // the secret half, kept to give actions __OW_API_KEY when they ask for it
};

struct ListOptions {
    std::int64_t skip = 0;
    std::int64_t limit = 30;
    bool count = false;
};

struct ActivationListOptions {
    ListOptions list;
    std::optional<std::string> name;  // "a" or "pkg/a"
    std::int64_t since = 0;
    std::int64_t upto = 0;
    bool docs = false;
};

// Prices for the usage API; the defaults are AWS Lambda's public x86 prices.
struct Pricing {
    double perGbSecond = 0.0000166667;
    double perMillionRequests = 0.20;
    std::string currency = "USD";
};

// A finished activation as a blocking caller is answered with it: the full record as JSON text
// (as stored, and as GET /activations/{id} returns it), and what the answer needs of it, so that
// nothing parses the text back.
struct FinishedRecord {
    std::string text;
    Json result = Json::object();  // response.result
    int statusCode = 0;            // response.statusCode
    std::int64_t waitMs = 0;       // the Server-Timing header's parts
    std::int64_t initMs = 0;
    std::int64_t durationMs = 0;
};

struct InvokeOutcome {
    std::string activationId;
    std::optional<FinishedRecord> record;  // set when it finished within the blocking wait
    bool overloaded = false;     // it did not run: the invoker had no room (503 for the caller)
};

// Runs store work on the one store thread and resumes the caller on the io_context.
class StoreThread {
public:
    // How long a journaled write may wait for others to share its commit. Its caller has been
    // answered, so the wait costs nobody time, and the store's CPU per record halves: at c=8 the
    // group commit made groups of 3.5 without it, about 57 with it (docs/performance.md).
    static constexpr std::chrono::milliseconds kJournaledCommitDelay{2};

    StoreThread(asio::io_context& io, std::unique_ptr<Store> store,
                std::chrono::milliseconds journaledCommitDelay = kJournaledCommitDelay);
    ~StoreThread();
    template <class F>
    asio::awaitable<std::invoke_result_t<F, Store&>> run(F f);
    // A write that may share its transaction with the other writes queued while the store
    // thread was busy (group commit: Store::writeBatch). Resumes when it is committed.
    asio::awaitable<Result<void>> write(Store::Write w);
    // The same, queued now: `done` runs on the io_context once it is committed. `journalSeq`
    // (0: none) is the write's entry in the completion journal, marked as stored after the
    // commit. Store work queued after this (write or run) runs after it.
    void submit(Store::Write w, std::uint64_t journalSeq, std::function<void(Result<void>)> done);
    void setJournal(CompletionJournal* j) { journal_ = j; }  // before the io_context runs
    void stop();
    Store& unsafeStore() { return *store_; }  // only before the io_context runs
    // How many transactions write() has used so far (each holds one or more writes).
    std::uint64_t writeTransactions() const { return writeTransactions_.load(); }

private:
    struct QueuedWrite {
        Store::Write write;
        std::function<void(Result<void>)> done;  // runs on the io_context
        std::uint64_t journalSeq = 0;
        bool failedBefore = false;  // a journaled write being tried again
    };
    void drainWrites();

    asio::io_context& io_;
    asio::thread_pool pool_{1};
    std::unique_ptr<Store> store_;
    std::mutex queueMutex_;
    std::vector<QueuedWrite> queue_;  // guarded by queueMutex_
    bool drainPosted_ = false;        // guarded by queueMutex_: a drain is posted to pool_
    bool drainTimed_ = false;         // guarded by queueMutex_: drainTimer_ is armed for one
    asio::steady_timer drainTimer_{pool_.get_executor()};  // used on the store thread only
    const std::chrono::milliseconds journaledCommitDelay_;
    std::chrono::milliseconds retryDelay_{0};  // store thread only: doubles while a retry fails
    std::uint64_t storedUpTo_ = 0;             // store thread only: highest journal entry stored
    bool stopped_ = false;
    std::atomic<bool> stopping_{false};  // stop() has begun: a failing write is not tried again
    std::atomic<std::uint64_t> writeTransactions_{0};
    CompletionJournal* journal_ = nullptr;
};

template <class F>
inline asio::awaitable<std::invoke_result_t<F, Store&>> StoreThread::run(F f) {
    using R = std::invoke_result_t<F, Store&>;
    Store* s = store_.get();
    // The body runs on the store thread; the caller resumes on its own executor (the io_context).
    // Built in its own statement: g++ 12 may destroy temporaries of a co_await full-expression
    // twice (GCC bug 99576), so no co_await in this code base takes a temporary with a destructor.
    auto task = asio::co_spawn(
        pool_,
        [this, s, fn = std::move(f)]() mutable -> asio::awaitable<R> {
            // Writes queued before this work (journaled ones may be waiting for their batch)
            // are committed first: a read sees every write queued before it.
            drainWrites();
            co_return fn(*s);
        },
        asio::use_awaitable);
    co_return co_await std::move(task);
}

class Controller {
public:
    Controller(asio::io_context& io, std::unique_ptr<Store> store, InvokerClient& invoker,
               SystemLimits limits);
    ~Controller();

    // Creates a namespace with a fresh key; returns "uuid:key" (printed once, stored hashed).
    // Synchronous: for start-up and the admin command, before the io_context runs.
    static Result<std::string> createNamespace(Store& store, const std::string& name);
    // Sets quota fields of a namespace (the others keep their value); returns the quota in
    // force. Synchronous, for the admin command; a running daemon sees it within 2 s.
    static Result<NamespaceQuota> setNamespaceQuota(Store& store, const std::string& ns,
                                                    const Json& fields,
                                                    const NamespaceQuota& defaults);

    // "Basic base64(uuid:key)" -> the caller's identity, or Unauthorized.
    asio::awaitable<Result<Identity>> authenticate(std::string_view authorization);

    asio::awaitable<Result<Json>> putAction(const Identity& who, const QualifiedName& name,
                                            const Json& body, bool overwrite);
    asio::awaitable<Result<Json>> getAction(const Identity& who, const QualifiedName& name,
                                            bool withCode);
    asio::awaitable<Result<Json>> listActions(const Identity& who, const std::string& ns,
                                              const std::optional<std::string>& pkg,
                                              const ListOptions& opts);
    asio::awaitable<Result<Json>> deleteAction(const Identity& who, const QualifiedName& name);

    asio::awaitable<Result<Json>> putPackage(const Identity& who, const std::string& ns,
                                             const std::string& name, const Json& body,
                                             bool overwrite);
    asio::awaitable<Result<Json>> getPackage(const Identity& who, const std::string& ns,
                                             const std::string& name);
    asio::awaitable<Result<Json>> listPackages(const Identity& who, const std::string& ns,
                                               const ListOptions& opts);
    asio::awaitable<Result<Json>> deletePackage(const Identity& who, const std::string& ns,
                                                const std::string& name, bool force);

    // Accepts an activation (durably) and runs it. With `wait` set, waits up to that long for
    // the record; otherwise returns as soon as the activation is accepted.
    asio::awaitable<Result<InvokeOutcome>> invoke(const Identity& who, const QualifiedName& name,
                                                  const Json& params,
                                                  std::optional<std::chrono::milliseconds> wait);

    asio::awaitable<Result<Json>> listActivations(const Identity& who, const std::string& ns,
                                                  const ActivationListOptions& opts);
    asio::awaitable<Result<Json>> getActivation(const Identity& who, const std::string& ns,
                                                const std::string& id);
    // GET .../activations/{id}/result: {"result", "success", "status"} of a record.
    static Json resultView(const Json& record);

    // The usage ledger of `ns` over [since, upto] (epoch ms; whole hours), grouped by "action"
    // or "hour", priced with the configured prices.
    asio::awaitable<Result<Json>> usage(const Identity& who, const std::string& ns,
                                        std::int64_t since, std::int64_t upto,
                                        const std::string& group);
    void setPricing(Pricing p) { pricing_ = std::move(p); }
    // How old a namespace's quota may get before it is re-read, in the background.
    void setQuotaRefresh(std::chrono::milliseconds every) { quotaRefresh_ = every; }

    // The invoker's instances of `ns`'s actions, its prewarmed instances and its pool.
    Result<Json> instances(const Identity& who, const std::string& ns) const;

    Result<Json> listNamespaces(const Identity& who) const;
    // Prometheus text exposition (GET /metrics).
    std::string metricsText() const;
    asio::awaitable<Result<Json>> limits(const Identity& who, const std::string& ns);
    const SystemLimits& systemLimits() const { return limits_; }

    // Opens the completion journal in `dir` (synchronous, before the io_context runs and before
    // resumePending): stores the finished activations a crashed predecessor left in it, then
    // starts it anew. Returns how many it stored. Without a journal, every blocking caller waits
    // for its record's commit.
    Result<std::size_t> openJournal(const std::filesystem::path& dir);
    // Starts the activations that were accepted but not finished when the daemon last stopped.
    asio::awaitable<void> resumePending();
    // Prunes activation records by age and count, now and every retention interval, and in
    // between for a namespace that has stored a tenth of the count bound since its last pass,
    // until the io_context stops.
    void startRetention(Retention r);
    // Activations accepted and not yet finished.
    std::size_t inFlight() const { return inFlight_; }
    // Stops the store thread after the io_context has stopped.
    void stop();

private:
    struct CachedAction;
    struct Waiter;
    struct MetricsHolder;

    Result<void> authorize(const Identity& who, const std::string& ns,
                           const std::string& what) const;
    asio::awaitable<Result<std::shared_ptr<const CachedAction>>> loadAction(const QualifiedName& q);
    asio::awaitable<Result<Json>> loadPackageDoc(const std::string& ns, const std::string& pkg);
    // An entity's stored document: NotFound, or Conflict when it is of another collection.
    // (Coroutine parameters are taken by value: a reference could outlive its argument.)
    asio::awaitable<Result<Json>> loadEntityDoc(std::string ns, std::string name,
                                                const char* collection);
    asio::awaitable<Result<std::vector<EntityRow>>> packageMembers(std::string ns, std::string pkg);
    // For a PUT: the current document if the entity exists (Conflict without `overwrite`, or
    // when it is of another collection), nothing if it does not.
    asio::awaitable<Result<std::optional<Json>>> existingForPut(std::string ns, std::string name,
                                                                const char* collection,
                                                                bool overwrite);
    void dispatch(const Identity& who, std::shared_ptr<const CachedAction> action,
                  const Json& requestParams, std::string activationId, std::int64_t acceptedAt);
    asio::awaitable<void> record(std::string activationId, std::string ns, FinishedRecord doc,
                                 RecordFacts facts, bool overloaded = false, bool hadPending = true);
    // After the record's commit (or its failure): the retention count.
    void stored(const std::string& activationId, const std::string& ns, const Result<void>& w);
    // The activation is over for its callers: counters, metrics, and waiters woken with `doc`.
    void finished(const std::string& activationId, const std::string& ns, const RecordFacts& facts,
                  FinishedRecord doc, bool overloaded);
    // The namespace's quota: read from the store the first time, then from memory, re-read in
    // the background when it is older than quotaRefresh_.
    asio::awaitable<Result<NamespaceQuota>> quotaFor(const std::string& ns);
    asio::awaitable<Result<NamespaceQuota>> readQuota(std::string ns);
    asio::awaitable<void> refreshQuota(std::string ns);
    // Counts this invocation against the quotas, or says which one it exceeds.
    Result<void> admit(const std::string& ns, const NamespaceQuota& q);

    asio::io_context& io_;
    std::unique_ptr<CompletionJournal> journal_;  // outlives store_, whose thread marks it
    bool journalWarned_ = false;
    std::uint64_t maxJournalBehind_ = 20000;  // see kMaxJournalBehind (controller.cpp)
    StoreThread store_;
    InvokerClient& invoker_;
    SystemLimits limits_;
    Pricing pricing_;
    std::chrono::milliseconds quotaRefresh_{2000};
    // Owned by the io_context thread.
    std::map<std::pair<std::string, std::string>, std::shared_ptr<const CachedAction>> actions_;
    std::unordered_map<std::string, Identity> identities_;  // by uuid, verified keys only
    std::unordered_multimap<std::string, Waiter*> waiters_;  // by activation id
    // Blocking invocations running without a pending row, by activation id: true once their
    // record is on its way to the store (see invoke()).
    std::unordered_map<std::string, bool> withoutPending_;
    std::size_t inFlight_ = 0;
    struct QuotaState {
        NamespaceQuota quota;
        bool known = false;       // quota has been read from the store
        bool refreshing = false;  // a re-read is on its way
        std::chrono::steady_clock::time_point fetched;
        std::int64_t inFlight = 0;      // accepted, not yet finished
        std::int64_t minute = 0;        // the current calendar minute (epoch minutes)
        std::int64_t thisMinute = 0;    // invocations admitted in it
    };
    std::unordered_map<std::string, QuotaState> quotas_;
    // Activations in flight per action ("ns/pkg/name"), for limits.instances.
    std::unordered_map<std::string, std::int64_t> actionInFlight_;
    std::unique_ptr<MetricsHolder> metrics_;
    asio::steady_timer retentionTimer_;
    // Records stored per namespace since its last retention pass. One that reaches
    // passAfterStored_ (a tenth of the count bound; 0: none) gets a pass before the interval
    // ends, so the bound holds under load (docs/operating.md, Retention).
    std::unordered_map<std::string, std::int64_t> storedSincePass_;
    std::int64_t passAfterStored_ = 0;
    bool retentionIdle_ = false;  // retentionLoop waits on retentionTimer_
    bool stopping_ = false;
    asio::awaitable<void> retentionLoop(Retention r);
    // Prunes the namespaces `only` names (all of them without it) by age and count.
    asio::awaitable<void> prunePass(Retention r, std::optional<std::vector<std::string>> only);
};

}  // namespace fw::controller
