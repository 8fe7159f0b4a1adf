// The durable state of a Firework host: namespaces and their keys, entities (actions, packages),
// activation records, and accepted-but-unfinished activations. SQLite in WAL mode behind a plain
// synchronous class. Not thread-safe: the controller calls it only from its one store thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fw/common/error.hpp"

struct sqlite3;

namespace fw::controller {

struct NamespaceRow {
    std::string name;
    std::string uuid;
    std::string keyHash;  // hex sha256(salt + key)
    std::string salt;
};

struct EntityRow {
    std::string name;        // "a" or "pkg/a"
    std::string collection;  // "actions" | "packages"
    std::string doc;         // the entity's JSON
    std::int64_t updated = 0;
};

struct PendingRow {
    std::string id;
    std::int64_t accepted = 0;
    std::string request;  // the invoke request as JSON
};

struct ActivationQuery {
    std::optional<std::string> path;  // "a" or "pkg/a": only activations of that action
    std::int64_t since = 0;           // start >= since (0: no bound)
    std::int64_t upto = 0;            // start <= upto (0: no bound)
    std::int64_t skip = 0;
    std::int64_t limit = 30;
};

// One activation's contribution to the usage ledger.
struct UsageDelta {
    std::string action;  // "a" or "pkg/a"
    std::int64_t hour = 0;  // epoch ms of the start of the activation's hour (UTC)
    bool error = false;
    bool cold = false;
    double gbSeconds = 0;
    double cpuSeconds = 0;
};

// A finished activation as the store keeps it: its record and its part of the usage ledger.
// `hadPending`: the activation had a pending row (see Store::completeActivation).
struct Completion {
    std::string id;
    std::string ns;
    std::string path;  // "a" or "pkg/a"
    std::int64_t start = 0;
    std::string doc;  // the record's JSON
    UsageDelta usage;
    bool hadPending = true;
};

// A ledger row: totals of one action in one hour.
struct UsageRow {
    std::string action;
    std::int64_t hour = 0;
    std::int64_t invocations = 0;
    std::int64_t errors = 0;
    std::int64_t coldStarts = 0;
    double gbSeconds = 0;
    double cpuSeconds = 0;
};

class Store {
public:
    // Opens (creating if needed) the database file and brings the schema up to date.
    static Result<std::unique_ptr<Store>> open(const std::filesystem::path& file);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    Result<void> createNamespace(const NamespaceRow& row);  // Conflict if the name exists
    Result<std::optional<NamespaceRow>> namespaceByUuid(const std::string& uuid);
    Result<std::optional<NamespaceRow>> namespaceByName(const std::string& name);
    Result<std::vector<NamespaceRow>> namespaces();
    // A namespace's quota overrides as stored (a JSON object), if any.
    Result<std::optional<std::string>> namespaceLimits(const std::string& ns);
    Result<void> setNamespaceLimits(const std::string& ns, const std::string& json);

    Result<std::optional<EntityRow>> entity(const std::string& ns, const std::string& name);
    Result<void> putEntity(const std::string& ns, const EntityRow& row);
    Result<bool> deleteEntity(const std::string& ns, const std::string& name);
    // Newest first. `pkg` set: only the entities inside that package; otherwise all of the
    // collection (packaged actions included, as OpenWhisk lists them).
    Result<std::vector<EntityRow>> entities(const std::string& ns, const std::string& collection,
                                            const std::optional<std::string>& pkg,
                                            std::int64_t skip, std::int64_t limit);
    Result<std::int64_t> countEntities(const std::string& ns, const std::string& collection,
                                       const std::optional<std::string>& pkg);

    // Runs `f` atomically: in a transaction of its own (BEGIN IMMEDIATE ... COMMIT) when none is
    // open, otherwise in a savepoint of the open one. On an error everything `f` did is undone.
    Result<void> atomically(const std::function<Result<void>()>& f);
    // Group commit: runs every write of `ops` in one transaction, each atomically in its own
    // savepoint, so one failing write is undone alone and reports its error while the others
    // commit together. Returns one result per op; if the commit fails, every op reports that.
    using Write = std::function<Result<void>(Store&)>;
    std::vector<Result<void>> writeBatch(const std::vector<Write>& ops);

    // An accepted activation, recorded before the caller is told it was accepted.
    Result<void> addPending(const PendingRow& row);
    // Stores the finished record, forgets the pending entry and adds `usage` to the ledger,
    // atomically. The ledger counts only an activation that was still pending, so no
    // activation is ever counted twice. `hadPending` false: the activation never had a pending
    // row (a blocking invocation answered with its record); its only record is counted.
    Result<void> completeActivation(const std::string& id, const std::string& ns,
                                    const std::string& path, std::int64_t start,
                                    const std::string& doc, const UsageDelta& usage,
                                    bool hadPending = true);
    Result<void> completeActivation(const Completion& c) {
        return completeActivation(c.id, c.ns, c.path, c.start, c.doc, c.usage, c.hadPending);
    }
    // Ledger rows of `ns` whose hour lies in [sinceHour, uptoHour].
    Result<std::vector<UsageRow>> usage(const std::string& ns, std::int64_t sinceHour,
                                        std::int64_t uptoHour);
    Result<std::vector<PendingRow>> pending();
    Result<std::optional<std::string>> activation(const std::string& ns, const std::string& id);
    Result<std::vector<std::string>> activations(const std::string& ns, const ActivationQuery& q);
    Result<std::int64_t> countActivations(const std::string& ns, const ActivationQuery& q);
    // Retention, in passes. A pass first finds each namespace's edge: its newest record that
    // must go, because it started before `olderThan` or is not among the namespace's newest
    // `keepPerNamespace` (by start, then rowid; 0: no such bound). That record and everything
    // older in the namespace go. Found once per pass, so the batches that follow never count
    // the records they keep. `only`: these namespaces instead of all.
    struct RetentionEdge {
        std::string ns;
        std::int64_t start = 0;
        std::int64_t rowid = 0;
    };
    Result<std::vector<RetentionEdge>> retentionEdges(
        std::int64_t olderThan, std::int64_t keepPerNamespace,
        const std::optional<std::vector<std::string>>& only = std::nullopt);
    // Deletes the records at or below the edges, oldest first, at most `batch` per call. The
    // usage ledger is untouched. Returns how many records went (call again while it is `batch`).
    Result<std::int64_t> pruneActivations(const std::vector<RetentionEdge>& edges,
                                          std::int64_t batch);

    // Starts the kernel writing the WAL to disk every `intervalMs`, from a thread of its own,
    // without waiting for it (sync_file_range). A checkpoint must sync the WAL before copying
    // it, and it runs inside a commit: with the WAL mostly written already, that sync, and
    // the stall of every activation waiting on the commit, is shorter. Durability is unchanged:
    // SQLite's own syncs still decide what is on disk.
    Result<void> flushWalInBackground(int intervalMs = 5);

    class Statements;  // the connection's prepared-statement cache (store.cpp)
    class WalFlusher;

private:
    explicit Store(sqlite3* db);
    Result<void> exec(const char* sql);
    Result<void> execCached(const char* sql);  // for statements run often (BEGIN, SAVEPOINT, ...)
    sqlite3* db_;
    std::unique_ptr<Statements> stmts_;
    std::unique_ptr<WalFlusher> flusher_;
};

}  // namespace fw::controller
