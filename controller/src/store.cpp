#include "fw/controller/store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <utility>

namespace fw::controller {
namespace {

Error dbError(sqlite3* db, std::string_view what) {
    return Error{Errc::StoreFailed, std::string(what) + ": " + sqlite3_errmsg(db)};
}

}  // namespace

// Prepared statements kept for the life of the connection, keyed by their SQL: the hot paths
// (accepting an activation, storing its record) run the same few statements thousands of times
// a second, and preparing one costs more than running it.
class Store::Statements {
public:
    explicit Statements(sqlite3* db) : db_(db) {}
    ~Statements() {
        for (auto& [sql, e] : cache_) sqlite3_finalize(e.st);
    }
    Statements(const Statements&) = delete;
    Statements& operator=(const Statements&) = delete;

    // A statement ready to bind, and whether it is the cached one (false: a fresh one the caller
    // finalizes, because the cached one is in use further up the stack).
    std::pair<sqlite3_stmt*, bool> acquire(const std::string& sql, int& rc) {
        auto it = cache_.find(sql);
        if (it != cache_.end() && !it->second.inUse) {
            it->second.inUse = true;
            rc = SQLITE_OK;
            return {it->second.st, true};
        }
        sqlite3_stmt* st = nullptr;
        rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &st, nullptr);
        if (rc != SQLITE_OK || it != cache_.end()) return {st, false};
        cache_.emplace(sql, Entry{st, true});
        return {st, true};
    }
    void release(const std::string& sql, sqlite3_stmt* st, bool cached) {
        if (!cached) {
            sqlite3_finalize(st);
            return;
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        cache_[sql].inUse = false;
    }
    sqlite3* db() const { return db_; }

private:
    struct Entry {
        sqlite3_stmt* st = nullptr;
        bool inUse = false;
    };
    sqlite3* db_;
    std::unordered_map<std::string, Entry> cache_;
};

namespace {

// A prepared statement with positional binding, taken from the connection's cache and handed
// back (reset, bindings cleared) on scope exit.
class Stmt {
public:
    Stmt(Store::Statements& cache, std::string sql) : cache_(cache), sql_(std::move(sql)) {
        std::tie(st_, cached_) = cache_.acquire(sql_, rc_);
    }
    ~Stmt() {
        if (st_) cache_.release(sql_, st_, cached_);
    }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    bool ok() const { return rc_ == SQLITE_OK; }
    Stmt& bind(const std::string& s) {
        sqlite3_bind_text(st_, ++idx_, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& bind(std::int64_t v) {
        sqlite3_bind_int64(st_, ++idx_, v);
        return *this;
    }
    Stmt& bind(double v) {
        sqlite3_bind_double(st_, ++idx_, v);
        return *this;
    }
    // SQLITE_ROW, SQLITE_DONE or an error code.
    int step() { return sqlite3_step(st_); }
    std::string text(int col) const {
        auto p = reinterpret_cast<const char*>(sqlite3_column_text(st_, col));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st_, col)))
                 : std::string();
    }
    std::int64_t integer(int col) const { return sqlite3_column_int64(st_, col); }
    double real(int col) const { return sqlite3_column_double(st_, col); }

private:
    Store::Statements& cache_;
    std::string sql_;
    sqlite3_stmt* st_ = nullptr;
    bool cached_ = false;
    int rc_ = SQLITE_OK;
    int idx_ = 0;
};

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS namespaces(
    name TEXT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, key_hash TEXT NOT NULL, salt TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entities(
    namespace TEXT NOT NULL, name TEXT NOT NULL, collection TEXT NOT NULL, pkg TEXT NOT NULL,
    doc TEXT NOT NULL, updated INTEGER NOT NULL, PRIMARY KEY(namespace, name));
CREATE INDEX IF NOT EXISTS entities_by_collection ON entities(namespace, collection, updated);
CREATE TABLE IF NOT EXISTS activations(
    id TEXT PRIMARY KEY, namespace TEXT NOT NULL, path TEXT NOT NULL, start INTEGER NOT NULL,
    doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS activations_by_start ON activations(namespace, start);
CREATE INDEX IF NOT EXISTS activations_by_path ON activations(namespace, path, start);
-- Retention finds old records through activations_by_start, namespace by namespace; an index
-- on start alone cost every insert a page write. Stores made before that lose it here.
DROP INDEX IF EXISTS activations_by_age;
CREATE TABLE IF NOT EXISTS pending(id TEXT PRIMARY KEY, accepted INTEGER NOT NULL, request TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS namespace_limits(namespace TEXT PRIMARY KEY, limits TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS usage(
    namespace TEXT NOT NULL, action TEXT NOT NULL, hour INTEGER NOT NULL,
    invocations INTEGER NOT NULL, errors INTEGER NOT NULL, cold_starts INTEGER NOT NULL,
    gb_seconds REAL NOT NULL, cpu_seconds REAL NOT NULL,
    PRIMARY KEY(namespace, hour, action));
INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '1');
)sql";

// WHERE clause shared by the activation list and count queries.
std::string activationFilter(const ActivationQuery& q) {
    std::string w = " WHERE namespace = ?";
    if (q.path) w += " AND path = ?";
    if (q.since > 0) w += " AND start >= ?";
    if (q.upto > 0) w += " AND start <= ?";
    return w;
}

void bindActivationFilter(Stmt& st, const std::string& ns, const ActivationQuery& q) {
    st.bind(ns);
    if (q.path) st.bind(*q.path);
    if (q.since > 0) st.bind(q.since);
    if (q.upto > 0) st.bind(q.upto);
}

std::string pkgOf(const std::string& name) {
    auto slash = name.find('/');
    return slash == std::string::npos ? std::string() : name.substr(0, slash);
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& file) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(file.c_str(), &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close(db);
        return Error{Errc::StoreFailed, "cannot open database " + file.string() + ": " + msg};
    }
    std::unique_ptr<Store> store(new Store(db));
    sqlite3_busy_timeout(db, 5000);
    // WAL with synchronous=NORMAL: a committed transaction survives a crash of the process
    // (kill -9); only an OS crash or power loss may lose the last commits.
    for (const char* pragma : {"PRAGMA journal_mode=WAL;", "PRAGMA synchronous=NORMAL;",
                               "PRAGMA foreign_keys=ON;", "PRAGMA secure_delete=FAST;"}) {
        if (auto r = store->exec(pragma); !r) return r.error();
    }
    if (auto r = store->exec(kSchema); !r) {
        return Error{Errc::StoreFailed, "cannot create the schema in " + file.string() + ": " +
                                            r.error().message};
    }
    return store;
}

class Store::WalFlusher {
public:
    WalFlusher(std::string walPath, int intervalMs)
        : path_(std::move(walPath)), interval_(intervalMs), thread_([this] { loop(); }) {}
    ~WalFlusher() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        wake_.notify_one();
        thread_.join();
        if (fd_ >= 0) ::close(fd_);
    }
    WalFlusher(const WalFlusher&) = delete;
    WalFlusher& operator=(const WalFlusher&) = delete;

private:
    void loop() {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) {
            // The WAL exists once the first write has happened; it is never removed while the
            // store's connection is open.
            if (fd_ < 0) fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd_ >= 0) ::sync_file_range(fd_, 0, 0, SYNC_FILE_RANGE_WRITE);
        }
    }

    std::string path_;
    std::chrono::milliseconds interval_;
    int fd_ = -1;  // the flusher thread's only
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;  // guarded by mutex_
    std::thread thread_;  // last: starts after everything it uses
};

Store::Store(sqlite3* db) : db_(db), stmts_(std::make_unique<Statements>(db)) {}

Result<void> Store::flushWalInBackground(int intervalMs) {
    if (flusher_) return {};
    const char* file = sqlite3_db_filename(db_, "main");
    if (file == nullptr || *file == '\0') return Error{Errc::StoreFailed, "the WAL flusher needs a database file"};
    flusher_ = std::make_unique<WalFlusher>(std::string(file) + "-wal", std::max(1, intervalMs));
    return {};
}

Store::~Store() {
    flusher_.reset();
    stmts_.reset();  // finalized before the connection closes
    sqlite3_close(db_);
}

Result<void> Store::exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        return Error{Errc::StoreFailed, msg};
    }
    return {};
}

Result<void> Store::execCached(const char* sql) {
    Stmt st(*stmts_, sql);
    if (!st.ok()) return dbError(db_, sql);
    if (st.step() != SQLITE_DONE) return dbError(db_, sql);
    return {};
}

Result<void> Store::atomically(const std::function<Result<void>()>& f) {
    bool outer = sqlite3_get_autocommit(db_) != 0;
    if (auto r = execCached(outer ? "BEGIN IMMEDIATE" : "SAVEPOINT op"); !r) return r.error();
    auto undo = [&] {
        if (outer) {
            (void)execCached("ROLLBACK");
        } else {
            (void)execCached("ROLLBACK TO op");
            (void)execCached("RELEASE op");
        }
    };
    if (auto r = f(); !r) {
        undo();
        return r.error();
    }
    if (auto r = execCached(outer ? "COMMIT" : "RELEASE op"); !r) {
        undo();
        return r.error();
    }
    return {};
}

std::vector<Result<void>> Store::writeBatch(const std::vector<Write>& ops) {
    std::vector<Result<void>> out;
    out.reserve(ops.size());
    if (ops.size() == 1) {
        out.push_back(atomically([&] { return ops[0](*this); }));
        return out;
    }
    auto all = [&](const Error& e) {
        out.assign(ops.size(), Result<void>(e));
        return out;
    };
    if (auto r = execCached("BEGIN IMMEDIATE"); !r) return all(r.error());
    for (const auto& op : ops) out.push_back(atomically([&] { return op(*this); }));
    if (auto r = execCached("COMMIT"); !r) {
        (void)execCached("ROLLBACK");
        return all(r.error());
    }
    return out;
}

Result<void> Store::createNamespace(const NamespaceRow& row) {
    Stmt st(*stmts_, "INSERT INTO namespaces(name, uuid, key_hash, salt) VALUES(?,?,?,?)");
    if (!st.ok()) return dbError(db_, "prepare");
    st.bind(row.name).bind(row.uuid).bind(row.keyHash).bind(row.salt);
    int rc = st.step();
    if (rc == SQLITE_CONSTRAINT) {
        return Error{Errc::Conflict, "namespace '" + row.name + "' already exists"};
    }
    if (rc != SQLITE_DONE) return dbError(db_, "insert namespace");
    return {};
}

namespace {
Result<std::optional<NamespaceRow>> namespaceWhere(Store::Statements& stmts, const char* sql,
                                                   const std::string& v) {
    sqlite3* db = stmts.db();
    Stmt st(stmts, sql);
    if (!st.ok()) return dbError(db, "prepare");
    st.bind(v);
    int rc = st.step();
    if (rc == SQLITE_DONE) return std::optional<NamespaceRow>();
    if (rc != SQLITE_ROW) return dbError(db, "select namespace");
    return std::optional<NamespaceRow>(NamespaceRow{st.text(0), st.text(1), st.text(2), st.text(3)});
}
}  // namespace

Result<std::optional<NamespaceRow>> Store::namespaceByUuid(const std::string& uuid) {
    return namespaceWhere(*stmts_, "SELECT name, uuid, key_hash, salt FROM namespaces WHERE uuid = ?",
                          uuid);
}

Result<std::optional<NamespaceRow>> Store::namespaceByName(const std::string& name) {
    return namespaceWhere(*stmts_, "SELECT name, uuid, key_hash, salt FROM namespaces WHERE name = ?",
                          name);
}

Result<std::vector<NamespaceRow>> Store::namespaces() {
    Stmt st(*stmts_, "SELECT name, uuid, key_hash, salt FROM namespaces ORDER BY name");
    if (!st.ok()) return dbError(db_, "prepare");
    std::vector<NamespaceRow> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
        out.push_back({st.text(0), st.text(1), st.text(2), st.text(3)});
    }
    if (rc != SQLITE_DONE) return dbError(db_, "select namespaces");
    return out;
}

Result<std::optional<std::string>> Store::namespaceLimits(const std::string& ns) {
    Stmt st(*stmts_, "SELECT limits FROM namespace_limits WHERE namespace=?");
    if (!st.ok()) return dbError(db_, "prepare");
    st.bind(ns);
    int rc = st.step();
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    if (rc != SQLITE_ROW) return dbError(db_, "read namespace limits");
    return std::optional<std::string>(st.text(0));
}

Result<void> Store::setNamespaceLimits(const std::string& ns, const std::string& json) {
    Stmt st(*stmts_, "INSERT OR REPLACE INTO namespace_limits(namespace, limits) VALUES(?,?)");
    if (!st.ok()) return dbError(db_, "prepare");
    st.bind(ns).bind(json);
    if (st.step() != SQLITE_DONE) return dbError(db_, "write namespace limits");
    return {};
}

Result<std::optional<EntityRow>> Store::entity(const std::string& ns, const std::string& name) {
    Stmt st(*stmts_, "SELECT name, collection, doc, updated FROM entities WHERE namespace=? AND name=?");
    if (!st.ok()) return dbError(db_, "prepare");
    st.bind(ns).bind(name);
    int rc = st.step();
    if (rc == SQLITE_DONE) return std::optional<EntityRow>();
    if (rc != SQLITE_ROW) return dbError(db_, "select entity");
    return std::optional<EntityRow>(EntityRow{st.text(0), st.text(1), st.text(2), st.integer(3)});
}

Result<void> Store::putEntity(const std::string& ns, const EntityRow& row) {
    Stmt st(*stmts_,
            "INSERT OR REPLACE INTO entities(namespace, name, collection, pkg, doc, updated) "
            "VALUES(?,?,?,?,?,?)");
    if (!st.ok()) return dbError(db_, "prepare");
    st.bind(ns).bind(row.name).bind(row.collection).bind(pkgOf(row.name)).bind(row.doc).bind(row.updated);
    if (st.step() != SQLITE_DONE) return dbError(db_, "write entity");
    return {};
}

Result<bool> Store::deleteEntity(const std::string& ns, const std::string& name) {
    Stmt st(*stmts_, "DELETE FROM entities WHERE namespace=? AND name=?");
    if (!st.ok()) return dbError(db_, "prepare");
    st.bind(ns).bind(name);
    if (st.step() != SQLITE_DONE) return dbError(db_, "delete entity");
    return sqlite3_changes(db_) > 0;
}

Result<std::vector<EntityRow>> Store::entities(const std::string& ns, const std::string& collection,
                                               const std::optional<std::string>& pkg,
                                               std::int64_t skip, std::int64_t limit) {
    std::string sql =
        "SELECT name, collection, doc, updated FROM entities WHERE namespace=? AND collection=?";
    if (pkg) sql += " AND pkg=?";
    sql += " ORDER BY updated DESC, name LIMIT ? OFFSET ?";
    Stmt st(*stmts_, sql.c_str());
    if (!st.ok()) return dbError(db_, "prepare");
    st.bind(ns).bind(collection);
    if (pkg) st.bind(*pkg);
    st.bind(limit).bind(skip);
    std::vector<EntityRow> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
        out.push_back({st.text(0), st.text(1), st.text(2), st.integer(3)});
    }
    if (rc != SQLITE_DONE) return dbError(db_, "list entities");
    return out;
}

Result<std::int64_t> Store::countEntities(const std::string& ns, const std::string& collection,
                                          const std::optional<std::string>& pkg) {
    std::string sql = "SELECT count(*) FROM entities WHERE namespace=? AND collection=?";
    if (pkg) sql += " AND pkg=?";
    Stmt st(*stmts_, sql.c_str());
    if (!st.ok()) return dbError(db_, "prepare");
    st.bind(ns).bind(collection);
    if (pkg) st.bind(*pkg);
    if (st.step() != SQLITE_ROW) return dbError(db_, "count entities");
    return st.integer(0);
}

Result<void> Store::addPending(const PendingRow& row) {
    Stmt st(*stmts_, "INSERT INTO pending(id, accepted, request) VALUES(?,?,?)");
    if (!st.ok()) return dbError(db_, "prepare");
    st.bind(row.id).bind(row.accepted).bind(row.request);
    if (st.step() != SQLITE_DONE) return dbError(db_, "record accepted activation");
    return {};
}

Result<void> Store::completeActivation(const std::string& id, const std::string& ns,
                                       const std::string& path, std::int64_t start,
                                       const std::string& doc, const UsageDelta& usage,
                                       bool hadPending) {
    return atomically([&]() -> Result<void> {
        // Without a pending row, the record itself must be new to be counted.
        Stmt ins(*stmts_, hadPending ? "INSERT OR REPLACE INTO activations(id, namespace, path, start, doc) "
                                       "VALUES(?,?,?,?,?)"
                                     : "INSERT INTO activations(id, namespace, path, start, doc) "
                                       "VALUES(?,?,?,?,?) ON CONFLICT(id) DO NOTHING");
        if (!ins.ok()) return dbError(db_, "prepare");
        ins.bind(id).bind(ns).bind(path).bind(start).bind(doc);
        if (ins.step() != SQLITE_DONE) return dbError(db_, "store activation");
        if (hadPending) {
            Stmt del(*stmts_, "DELETE FROM pending WHERE id=?");
            if (!del.ok()) return dbError(db_, "prepare");
            del.bind(id);
            if (del.step() != SQLITE_DONE) return dbError(db_, "clear pending activation");
            if (sqlite3_changes(db_) != 1) return {};
        } else if (sqlite3_changes(db_) != 1) {
            return {};
        }
        Stmt led(*stmts_,
                 "INSERT INTO usage(namespace, action, hour, invocations, errors, cold_starts, "
                 "gb_seconds, cpu_seconds) VALUES(?,?,?,1,?,?,?,?) "
                 "ON CONFLICT(namespace, hour, action) DO UPDATE SET "
                 "invocations = invocations + 1, errors = errors + excluded.errors, "
                 "cold_starts = cold_starts + excluded.cold_starts, "
                 "gb_seconds = gb_seconds + excluded.gb_seconds, "
                 "cpu_seconds = cpu_seconds + excluded.cpu_seconds");
        if (!led.ok()) return dbError(db_, "prepare");
        led.bind(ns).bind(usage.action).bind(usage.hour).bind(std::int64_t{usage.error})
            .bind(std::int64_t{usage.cold}).bind(usage.gbSeconds).bind(usage.cpuSeconds);
        if (led.step() != SQLITE_DONE) return dbError(db_, "update usage ledger");
        return {};
    });
}

Result<std::vector<Store::RetentionEdge>> Store::retentionEdges(
    std::int64_t olderThan, std::int64_t keepPerNamespace,
    const std::optional<std::vector<std::string>>& only) {
    std::vector<RetentionEdge> edges;
    if (olderThan <= 0 && keepPerNamespace <= 0) return edges;
    std::vector<std::string> names;
    if (only) {
        names = *only;
    } else {
        auto rows = namespaces();
        if (!rows) return rows.error();
        for (auto& row : *rows) names.push_back(std::move(row.name));
    }
    for (const auto& ns : names) {
        // By age: everything that started before `olderThan`, whatever its rowid.
        std::optional<RetentionEdge> edge;
        if (olderThan > 0) edge = RetentionEdge{ns, olderThan - 1, std::numeric_limits<std::int64_t>::max()};
        if (keepPerNamespace > 0) {
            // Walks the namespace's newest `keepPerNamespace` index entries once per pass; a
            // namespace within the bound has no row there.
            Stmt st(*stmts_,
                    "SELECT start, rowid FROM activations WHERE namespace = ? "
                    "ORDER BY start DESC, rowid DESC LIMIT 1 OFFSET ?");
            if (!st.ok()) return dbError(db_, "prepare");
            st.bind(ns).bind(keepPerNamespace);
            int rc = st.step();
            if (rc == SQLITE_ROW) {
                RetentionEdge byCount{ns, st.integer(0), st.integer(1)};
                if (!edge || std::tie(byCount.start, byCount.rowid) > std::tie(edge->start, edge->rowid)) {
                    edge = byCount;
                }
            } else if (rc != SQLITE_DONE) {
                return dbError(db_, "find the retention edge of " + ns);
            }
        }
        if (edge) edges.push_back(std::move(*edge));
    }
    return edges;
}

Result<std::int64_t> Store::pruneActivations(const std::vector<RetentionEdge>& edges,
                                             std::int64_t batch) {
    // Bounded batches, each its own statement: the store thread is never held for long, and the
    // caller runs the next batch after other queued store work. Every statement starts at the
    // oldest end of the namespace's (namespace, start) index and stops after `batch` rows, all
    // of which it deletes.
    std::int64_t removed = 0;
    for (const auto& e : edges) {
        if (removed >= batch) break;
        Stmt st(*stmts_,
                "DELETE FROM activations WHERE rowid IN (SELECT rowid FROM activations "
                "WHERE namespace = ? AND (start, rowid) <= (?, ?) ORDER BY start, rowid LIMIT ?)");
        if (!st.ok()) return dbError(db_, "prepare");
        st.bind(e.ns).bind(e.start).bind(e.rowid).bind(batch - removed);
        if (st.step() != SQLITE_DONE) return dbError(db_, "prune activations of " + e.ns);
        removed += sqlite3_changes(db_);
    }
    return removed;
}

Result<std::vector<UsageRow>> Store::usage(const std::string& ns, std::int64_t sinceHour,
                                           std::int64_t uptoHour) {
    Stmt st(*stmts_,
            "SELECT action, hour, invocations, errors, cold_starts, gb_seconds, cpu_seconds "
            "FROM usage WHERE namespace=? AND hour >= ? AND hour <= ? ORDER BY hour, action");
    if (!st.ok()) return dbError(db_, "prepare");
    st.bind(ns).bind(sinceHour).bind(uptoHour);
    std::vector<UsageRow> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
        out.push_back({st.text(0), st.integer(1), st.integer(2), st.integer(3), st.integer(4),
                       st.real(5), st.real(6)});
    }
    if (rc != SQLITE_DONE) return dbError(db_, "read usage ledger");
    return out;
}

Result<std::vector<PendingRow>> Store::pending() {
    Stmt st(*stmts_, "SELECT id, accepted, request FROM pending ORDER BY accepted");
    if (!st.ok()) return dbError(db_, "prepare");
    std::vector<PendingRow> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) out.push_back({st.text(0), st.integer(1), st.text(2)});
    if (rc != SQLITE_DONE) return dbError(db_, "select pending");
    return out;
}

Result<std::optional<std::string>> Store::activation(const std::string& ns, const std::string& id) {
    Stmt st(*stmts_, "SELECT doc FROM activations WHERE namespace=? AND id=?");
    if (!st.ok()) return dbError(db_, "prepare");
    st.bind(ns).bind(id);
    int rc = st.step();
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    if (rc != SQLITE_ROW) return dbError(db_, "select activation");
    return std::optional<std::string>(st.text(0));
}

Result<std::vector<std::string>> Store::activations(const std::string& ns, const ActivationQuery& q) {
    std::string sql = "SELECT doc FROM activations" + activationFilter(q) +
                      " ORDER BY start DESC, rowid DESC LIMIT ? OFFSET ?";
    Stmt st(*stmts_, sql.c_str());
    if (!st.ok()) return dbError(db_, "prepare");
    bindActivationFilter(st, ns, q);
    st.bind(q.limit).bind(q.skip);
    std::vector<std::string> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) out.push_back(st.text(0));
    if (rc != SQLITE_DONE) return dbError(db_, "list activations");
    return out;
}

Result<std::int64_t> Store::countActivations(const std::string& ns, const ActivationQuery& q) {
    std::string sql = "SELECT count(*) FROM activations" + activationFilter(q);
    Stmt st(*stmts_, sql.c_str());
    if (!st.ok()) return dbError(db_, "prepare");
    bindActivationFilter(st, ns, q);
    if (st.step() != SQLITE_ROW) return dbError(db_, "count activations");
    return st.integer(0);
}

}  // namespace fw::controller
