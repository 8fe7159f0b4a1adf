#include <fcntl.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <optional>
#include <thread>

#include <filesystem>

#include "fw/controller/store.hpp"

namespace fw::controller {
namespace {

class StoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/fw-store-test-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        auto s = Store::open(dir_ / "db");
        ASSERT_TRUE(s) << s.error().message;
        store_ = std::move(*s);
    }
    void TearDown() override {
        store_.reset();
        std::filesystem::remove_all(dir_);
    }
    std::filesystem::path dir_;
    std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, NamespacesAreUnique) {
    ASSERT_TRUE(store_->createNamespace({"guest", "u1", "h", "s"}));
    auto dup = store_->createNamespace({"guest", "u2", "h", "s"});
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().code, Errc::Conflict);
    auto byUuid = store_->namespaceByUuid("u1");
    ASSERT_TRUE(byUuid && *byUuid);
    EXPECT_EQ((*byUuid)->name, "guest");
    EXPECT_FALSE(*store_->namespaceByUuid("nope"));
}

TEST_F(StoreTest, EntitiesListNewestFirstAndByPackage) {
    ASSERT_TRUE(store_->putEntity("guest", {"a", "actions", "{}", 1}));
    ASSERT_TRUE(store_->putEntity("guest", {"p", "packages", "{}", 2}));
    ASSERT_TRUE(store_->putEntity("guest", {"p/b", "actions", "{}", 3}));
    ASSERT_TRUE(store_->putEntity("other", {"c", "actions", "{}", 4}));
    auto all = store_->entities("guest", "actions", std::nullopt, 0, 30);
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].name, "p/b");
    EXPECT_EQ((*all)[1].name, "a");
    auto inPkg = store_->entities("guest", "actions", std::string("p"), 0, 30);
    ASSERT_TRUE(inPkg);
    ASSERT_EQ(inPkg->size(), 1u);
    EXPECT_EQ(*store_->countEntities("guest", "actions", std::nullopt), 2);
    auto page = store_->entities("guest", "actions", std::nullopt, 1, 1);
    ASSERT_EQ(page->size(), 1u);
    EXPECT_EQ((*page)[0].name, "a");
    EXPECT_TRUE(*store_->deleteEntity("guest", "a"));
    EXPECT_FALSE(*store_->deleteEntity("guest", "a"));
}

TEST_F(StoreTest, CompletingAnActivationClearsItsPendingEntry) {
    ASSERT_TRUE(store_->addPending({"id1", 10, R"({"x":1})"}));
    ASSERT_TRUE(store_->addPending({"id2", 11, R"({"x":2})"}));
    ASSERT_EQ(store_->pending()->size(), 2u);
    ASSERT_TRUE(store_->completeActivation("id1", "guest", "a", 100, R"({"activationId":"id1"})", {"a", 0, false, true, 0.5, 0.1}));
    auto left = store_->pending();
    ASSERT_EQ(left->size(), 1u);
    EXPECT_EQ((*left)[0].id, "id2");
    EXPECT_EQ(**store_->activation("guest", "id1"), R"({"activationId":"id1"})");
    EXPECT_FALSE(*store_->activation("other", "id1"));  // another namespace cannot see it
}

TEST_F(StoreTest, LedgerCountsEachActivationOnceAndSumsPerHour) {
    ASSERT_TRUE(store_->addPending({"x1", 1, "{}"}));
    ASSERT_TRUE(store_->addPending({"x2", 2, "{}"}));
    ASSERT_TRUE(store_->addPending({"x3", 3, "{}"}));
    ASSERT_TRUE(store_->completeActivation("x1", "guest", "a", 10, "{}", {"a", 3600000, false, true, 0.25, 0.5}));
    ASSERT_TRUE(store_->completeActivation("x2", "guest", "a", 20, "{}", {"a", 3600000, true, false, 0.5, 0.25}));
    ASSERT_TRUE(store_->completeActivation("x3", "guest", "b", 30, "{}", {"b", 7200000, false, false, 1.0, 0}));
    // Completing x1 again (it is no longer pending) must not count it twice.
    ASSERT_TRUE(store_->completeActivation("x1", "guest", "a", 10, "{}", {"a", 3600000, false, true, 0.25, 0.5}));
    auto rows = store_->usage("guest", 0, 7200000);
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 2u);
    const auto& a = (*rows)[0];
    EXPECT_EQ(a.action, "a");
    EXPECT_EQ(a.hour, 3600000);
    EXPECT_EQ(a.invocations, 2);
    EXPECT_EQ(a.errors, 1);
    EXPECT_EQ(a.coldStarts, 1);
    EXPECT_DOUBLE_EQ(a.gbSeconds, 0.75);
    EXPECT_DOUBLE_EQ(a.cpuSeconds, 0.75);
    EXPECT_EQ(store_->usage("guest", 7200000, 7200000)->size(), 1u);
    EXPECT_TRUE(store_->usage("other", 0, 7200000)->empty());
}

TEST_F(StoreTest, AnActivationThatNeverHadAPendingRowIsCountedOnce) {
    ASSERT_TRUE(store_->completeActivation("b1", "guest", "a", 10, R"({"n":1})", {"a", 0, false, false, 0.5, 0.25}, false));
    // The same record again (it cannot happen, but must not count twice or overwrite).
    ASSERT_TRUE(store_->completeActivation("b1", "guest", "a", 10, R"({"n":2})", {"a", 0, false, false, 0.5, 0.25}, false));
    EXPECT_EQ(**store_->activation("guest", "b1"), R"({"n":1})");
    auto rows = store_->usage("guest", 0, 0);
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ((*rows)[0].invocations, 1);
    EXPECT_DOUBLE_EQ((*rows)[0].gbSeconds, 0.5);
    EXPECT_TRUE(store_->pending()->empty());
}

TEST_F(StoreTest, ActivationQueriesFilterByNameAndTime) {
    for (int i = 0; i < 5; ++i) {
        std::string id = "id" + std::to_string(i);
        ASSERT_TRUE(store_->completeActivation(id, "guest", i % 2 ? "a" : "p/b", 100 + i, id, {}));
    }
    ActivationQuery q;
    EXPECT_EQ(*store_->countActivations("guest", q), 5);
    q.path = "a";
    auto onlyA = store_->activations("guest", q);
    ASSERT_EQ(onlyA->size(), 2u);
    EXPECT_EQ((*onlyA)[0], "id3");  // newest first
    q.path.reset();
    q.since = 102;
    q.upto = 103;
    EXPECT_EQ(*store_->countActivations("guest", q), 2);
}

TEST_F(StoreTest, PruningGoesInBoundedBatchesAndKeepsTheNewest) {
    ASSERT_TRUE(store_->createNamespace({"guest", "u1", "h", "s"}));
    ASSERT_TRUE(store_->createNamespace({"small", "u2", "h", "s"}));
    for (int i = 0; i < 1200; ++i) {
        std::string id = "p" + std::to_string(i);
        ASSERT_TRUE(store_->completeActivation(id, "guest", "a", 1000 + i, id, {"a", 0, false, false, 1, 1}, false));
    }
    for (int i = 0; i < 50; ++i) {
        std::string id = "s" + std::to_string(i);
        ASSERT_TRUE(store_->completeActivation(id, "small", "a", 1000 + i, id, {}));
    }
    auto edges = store_->retentionEdges(0, 100);
    ASSERT_TRUE(edges) << edges.error().message;
    ASSERT_EQ(edges->size(), 1u);  // "small" is within the bound
    EXPECT_EQ((*edges)[0].ns, "guest");
    EXPECT_EQ((*edges)[0].start, 1000 + 1099);  // the newest record over the bound
    // Records that arrive during the pass, after its edges were found, are not touched by it,
    // even when the batches run past the edge's old count.
    for (int i = 1200; i < 1250; ++i) {
        std::string id = "p" + std::to_string(i);
        ASSERT_TRUE(store_->completeActivation(id, "guest", "a", 1000 + i, id, {"a", 0, false, false, 1, 1}, false));
    }
    std::vector<std::int64_t> batches;
    while (true) {
        auto n = store_->pruneActivations(*edges, 500);
        ASSERT_TRUE(n) << n.error().message;
        batches.push_back(*n);
        if (*n < 500) break;
    }
    EXPECT_EQ(batches, (std::vector<std::int64_t>{500, 500, 100}));
    ActivationQuery q;
    EXPECT_EQ(*store_->countActivations("guest", q), 150);
    EXPECT_EQ(*store_->countActivations("small", q), 50);
    EXPECT_TRUE(*store_->activation("guest", "p1249"));
    EXPECT_TRUE(*store_->activation("guest", "p1100"));
    EXPECT_FALSE(*store_->activation("guest", "p1099"));
    EXPECT_FALSE(*store_->activation("guest", "p0"));
    // The next pass finds the edge again: now the 50 that arrived put it over by 50.
    edges = store_->retentionEdges(0, 100);
    ASSERT_TRUE(edges);
    ASSERT_EQ(edges->size(), 1u);
    EXPECT_EQ(*store_->pruneActivations(*edges, 500), 50);
    EXPECT_FALSE(*store_->activation("guest", "p1149"));
    EXPECT_TRUE(*store_->activation("guest", "p1150"));
    // The ledger is never pruned: all 1250 invocations of guest/a are still counted.
    auto ledger = store_->usage("guest", 0, 0);
    ASSERT_TRUE(ledger);
    ASSERT_EQ(ledger->size(), 1u);
    EXPECT_EQ((*ledger)[0].invocations, 1250);
    // By age: everything that started before 2175 (the 25 oldest left) goes, in batches too,
    // in every namespace ("small" started at 1000-1049).
    edges = store_->retentionEdges(2175, 0);
    ASSERT_TRUE(edges);
    ASSERT_EQ(edges->size(), 2u);  // one per namespace
    auto aged = store_->pruneActivations(*edges, 30);
    ASSERT_TRUE(aged);
    EXPECT_EQ(*aged, 30);
    while (*store_->pruneActivations(*edges, 30) == 30) {
    }
    EXPECT_EQ(*store_->countActivations("guest", q), 75);
    EXPECT_EQ(*store_->countActivations("small", q), 0);
}

TEST_F(StoreTest, AWriteBatchCommitsTogetherAndUndoesAFailingWriteAlone) {
    ASSERT_TRUE(store_->addPending({"dup", 1, "{}"}));
    UsageDelta u{"a", 0, false, false, 0.5, 0.01};
    std::vector<Store::Write> ops = {
        [](Store& s) { return s.addPending({"p1", 2, "{}"}); },
        // Fails on the primary key: its own savepoint is rolled back, nothing else.
        [](Store& s) { return s.addPending({"dup", 3, "{}"}); },
        [u](Store& s) { return s.completeActivation("p1", "guest", "a", 0, "{\"x\":1}", u); },
        // Fails half-way (after its first statement ran) and must leave nothing of itself.
        [](Store& s) -> Result<void> {
            if (auto r = s.addPending({"p2", 4, "{}"}); !r) return r;
            return Error{Errc::StoreFailed, "second step failed"};
        },
    };
    auto results = store_->writeBatch(ops);
    ASSERT_EQ(results.size(), 4u);
    EXPECT_TRUE(results[0]);
    ASSERT_FALSE(results[1]);
    EXPECT_EQ(results[1].error().code, Errc::StoreFailed);
    EXPECT_TRUE(results[2]) << results[2].error().message;
    ASSERT_FALSE(results[3]);
    EXPECT_EQ(results[3].error().message, "second step failed");

    auto pending = store_->pending();
    ASSERT_TRUE(pending);
    ASSERT_EQ(pending->size(), 1u);  // "dup" from before; p1 completed, p2 undone
    EXPECT_EQ((*pending)[0].id, "dup");
    EXPECT_EQ((*pending)[0].accepted, 1);
    EXPECT_EQ(**store_->activation("guest", "p1"), "{\"x\":1}");
    auto ledger = store_->usage("guest", 0, 0);
    ASSERT_TRUE(ledger);
    ASSERT_EQ(ledger->size(), 1u);
    EXPECT_EQ((*ledger)[0].invocations, 1);
    // The connection is usable afterwards: no transaction or savepoint was left open.
    EXPECT_TRUE(store_->addPending({"after", 5, "{}"}));
    EXPECT_TRUE(store_->writeBatch({}).empty());
}

TEST_F(StoreTest, AtomicallyNestsAsASavepointInsideAnOpenTransaction) {
    std::vector<Store::Write> ops = {[](Store& s) {
        return s.atomically([&]() -> Result<void> {
            if (auto r = s.addPending({"outer", 1, "{}"}); !r) return r;
            // The inner one fails and is undone; the outer one goes on and commits.
            auto inner = s.atomically([&]() -> Result<void> {
                if (auto r = s.addPending({"inner", 2, "{}"}); !r) return r;
                return Error{Errc::StoreFailed, "inner failed"};
            });
            EXPECT_FALSE(inner);
            return {};
        });
    }};
    auto results = store_->writeBatch(ops);
    ASSERT_EQ(results.size(), 1u);
    EXPECT_TRUE(results[0]);
    auto pending = store_->pending();
    ASSERT_TRUE(pending);
    ASSERT_EQ(pending->size(), 1u);
    EXPECT_EQ((*pending)[0].id, "outer");
}

TEST_F(StoreTest, DataSurvivesReopening) {
    ASSERT_TRUE(store_->putEntity("guest", {"a", "actions", R"({"k":1})", 1}));
    store_.reset();
    auto again = Store::open(dir_ / "db");
    ASSERT_TRUE(again);
    auto row = (*again)->entity("guest", "a");
    ASSERT_TRUE(row && *row);
    EXPECT_EQ((*row)->doc, R"({"k":1})");
}

TEST(Store, UnusableLocationIsAClearError) {
    auto s = Store::open("/proc/definitely/not/here/db");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::StoreFailed);
    EXPECT_NE(s.error().message.find("/proc/definitely/not/here/db"), std::string::npos);
}

// Pruning must not write the pages it frees: Debian's SQLite is built with SECURE_DELETE, which
// zeroes every freed page and so writes it to the WAL. With secure_delete=FAST deleted records
// are still erased from the pages that are written anyway, and the freed ones are not written.
TEST_F(StoreTest, PruningDoesNotWriteTheFreedPages) {
    ASSERT_TRUE(store_->createNamespace({"guest", "u1", "h", "s"}));
    std::string doc(3000, 'x');  // about one record per page
    std::vector<Store::Write> writes;
    for (int i = 0; i < 800; ++i) {
        writes.push_back([i, &doc](Store& s) {
            std::string id = "p" + std::to_string(i);
            return s.completeActivation(id, "guest", "a", 1000 + i, doc, {}, false);
        });
    }
    for (const auto& r : store_->writeBatch(writes)) ASSERT_TRUE(r) << r.error().message;
    auto walFrames = [&] {
        auto bytes = std::filesystem::file_size(dir_ / "db-wal");
        return static_cast<long long>((bytes - 32) / (4096 + 24));
    };
    // Below the automatic checkpoint (1000 frames), so the WAL only grows.
    auto before = walFrames();
    ASSERT_LT(before, 1000);
    auto edges = store_->retentionEdges(1400, 0);  // records started at 1000..1399
    ASSERT_TRUE(edges);
    auto pruned = store_->pruneActivations(*edges, 400);
    ASSERT_TRUE(pruned) << pruned.error().message;
    ASSERT_EQ(*pruned, 400);
    auto written = walFrames() - before;
    // With SECURE_DELETE on, every one of the ~400 freed pages is written as well.
    EXPECT_LT(written, 100) << "pruning 400 one-page records wrote " << written << " pages";
    EXPECT_EQ(*store_->activation("guest", "p399"), std::nullopt);
    EXPECT_TRUE(*store_->activation("guest", "p400"));
}

// The edge of a namespace is the later of its two bounds: age and count.
TEST_F(StoreTest, RetentionEdgeIsTheLaterOfAgeAndCount) {
    ASSERT_TRUE(store_->createNamespace({"guest", "u1", "h", "s"}));
    for (int i = 0; i < 10; ++i) {
        std::string id = "p" + std::to_string(i);
        ASSERT_TRUE(store_->completeActivation(id, "guest", "a", 100 + i, id, {}, false));
    }
    auto byCount = store_->retentionEdges(103, 4);  // keep 106..109: the count bound is later
    ASSERT_TRUE(byCount);
    ASSERT_EQ(byCount->size(), 1u);
    EXPECT_EQ((*byCount)[0].start, 105);
    auto byAge = store_->retentionEdges(108, 4);  // started before 108: the age bound is later
    ASSERT_TRUE(byAge);
    ASSERT_EQ(byAge->size(), 1u);
    EXPECT_EQ((*byAge)[0].start, 107);
    EXPECT_EQ(*store_->pruneActivations(*byAge, 100), 8);
    ActivationQuery q;
    EXPECT_EQ(*store_->countActivations("guest", q), 2);
    auto none = store_->retentionEdges(0, 0);
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
}

// An early retention pass looks only at the namespaces it is given.
TEST_F(StoreTest, RetentionEdgesOfTheNamedNamespacesOnly) {
    for (const char* ns : {"guest", "other"}) {
        ASSERT_TRUE(store_->createNamespace({ns, std::string("u-") + ns, "h", "s"}));
        for (int i = 0; i < 5; ++i) {
            std::string id = std::string(ns) + std::to_string(i);
            ASSERT_TRUE(store_->completeActivation(id, ns, "a", 100 + i, id, {}, false));
        }
    }
    auto all = store_->retentionEdges(0, 2);
    ASSERT_TRUE(all);
    EXPECT_EQ(all->size(), 2u);
    auto one = store_->retentionEdges(0, 2, std::vector<std::string>{"other"});
    ASSERT_TRUE(one);
    ASSERT_EQ(one->size(), 1u);
    EXPECT_EQ((*one)[0].ns, "other");
    EXPECT_EQ((*one)[0].start, 102);
    EXPECT_EQ(*store_->pruneActivations(*one, 100), 3);
    ActivationQuery q;
    EXPECT_EQ(*store_->countActivations("guest", q), 5);
    EXPECT_EQ(*store_->countActivations("other", q), 2);
}

// Stores made before retention went through activations_by_start lose the index on start alone,
// which cost every insert a page write.
TEST_F(StoreTest, OpeningAnOlderStoreDropsTheIndexOnStartAlone) {
    store_.reset();
    auto indexes = [&] {
        sqlite3* db = nullptr;
        EXPECT_EQ(sqlite3_open((dir_ / "db").c_str(), &db), SQLITE_OK);
        sqlite3_stmt* st = nullptr;
        sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='activations'",
                           -1, &st, nullptr);
        std::vector<std::string> names;
        while (sqlite3_step(st) == SQLITE_ROW) names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
        sqlite3_finalize(st);
        sqlite3_close(db);
        return names;
    };
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((dir_ / "db").c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db, "CREATE INDEX activations_by_age ON activations(start)", nullptr, nullptr, nullptr),
                  SQLITE_OK);
        sqlite3_close(db);
    }
    auto before = indexes();
    EXPECT_NE(std::find(before.begin(), before.end(), "activations_by_age"), before.end());
    auto s = Store::open(dir_ / "db");
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    auto after = indexes();
    EXPECT_EQ(std::find(after.begin(), after.end(), "activations_by_age"), after.end());
    EXPECT_NE(std::find(after.begin(), after.end(), "activations_by_start"), after.end());
}

// How many of the page-cache pages of `path` are dirty (not yet written to the disk), read from
// /proc/kpageflags through a mapping of the file; nullopt with a reason when that cannot be read.
std::optional<std::size_t> dirtyPages(const std::filesystem::path& path, std::string& why) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0 || st.st_size == 0) {
        why = "cannot open or stat " + path.string();
        if (fd >= 0) ::close(fd);
        return std::nullopt;
    }
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t pages = (static_cast<std::size_t>(st.st_size) + page - 1) / page;
    void* map = ::mmap(nullptr, pages * page, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) {
        why = "cannot map " + path.string();
        return std::nullopt;
    }
    int pagemap = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    int flags = ::open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
    std::optional<std::size_t> dirty = 0;
    for (std::size_t i = 0; i < pages && dirty; ++i) {
        auto* at = static_cast<volatile const char*>(map) + i * page;
        (void)*at;  // fault it in: pagemap only knows mapped pages
        std::uint64_t entry = 0, f = 0;
        auto index = reinterpret_cast<std::uintptr_t>(at) / page;
        if (pagemap < 0 || ::pread(pagemap, &entry, 8, static_cast<off_t>(index * 8)) != 8) {
            why = "cannot read /proc/self/pagemap";
            dirty.reset();
            break;
        }
        std::uint64_t pfn = entry & ((std::uint64_t{1} << 55) - 1);
        if (!(entry >> 63) || pfn == 0) {
            why = "no page frame numbers in /proc/self/pagemap (this needs root)";
            dirty.reset();
            break;
        }
        if (flags < 0 || ::pread(flags, &f, 8, static_cast<off_t>(pfn * 8)) != 8) {
            why = "cannot read /proc/kpageflags (this needs root)";
            dirty.reset();
            break;
        }
        if (f & (std::uint64_t{1} << 4)) ++*dirty;  // KPF_DIRTY
    }
    if (pagemap >= 0) ::close(pagemap);
    if (flags >= 0) ::close(flags);
    ::munmap(map, pages * page);
    return dirty;
}

// The WAL's new pages are handed to the disk within a few intervals of being written, instead of
// waiting for the kernel's own writeback (30 s old, checked every 5 s): the sync a checkpoint
// makes inside a commit then finds little left to write.
TEST_F(StoreTest, TheWalIsWrittenBackInTheBackground) {
    auto setting = [](const char* name) {
        std::ifstream in(std::string("/proc/sys/vm/") + name);
        long v = 0;
        in >> v;
        return v;
    };
    ASSERT_GE(setting("dirty_expire_centisecs"), 500)
        << "the kernel writes dirty pages back within 5 s here by itself; this test cannot tell";
    // On a disk: tmpfs pages (a tmpfs /tmp) are never written back. The working directory is
    // the build tree when ctest runs this.
    char tmpl[] = "fw-wal-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    auto dir = std::filesystem::absolute(tmpl);
    struct DirGone {
        std::filesystem::path p;
        ~DirGone() { std::filesystem::remove_all(p); }
    } gone{dir};
    struct statfs fs {};
    ASSERT_EQ(::statfs(dir.c_str(), &fs), 0);
    ASSERT_NE(fs.f_type, static_cast<decltype(fs.f_type)>(TMPFS_MAGIC))
        << dir << " is on tmpfs, whose pages are never written back; run this from a disk";
    auto opened = Store::open(dir / "db");
    ASSERT_TRUE(opened) << opened.error().message;
    auto& store = **opened;
    ASSERT_TRUE(store.flushWalInBackground(5));
    ASSERT_TRUE(store.createNamespace({"guest", "u1", "h", "s"}));
    std::string doc(2000, 'x');
    for (int i = 0; i < 200; ++i) {
        std::string id = "p" + std::to_string(i);
        ASSERT_TRUE(store.completeActivation(id, "guest", "a", 1000 + i, doc, {}, false));
    }
    std::string why;
    std::optional<std::size_t> dirty;
    for (int tries = 0; tries < 100; ++tries) {  // up to 2 s
        dirty = dirtyPages(dir / "db-wal", why);
        ASSERT_TRUE(dirty) << why;
        if (*dirty == 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(*dirty, 0u) << "WAL pages still dirty after 2 s";
    opened->reset();  // closed before its directory goes
}

}  // namespace
}  // namespace fw::controller
