// StoreThread::write: writes queued while the store thread is busy share one transaction (group
// commit), each still gets its own result, and every caller resumes on the io_context's thread.
// Journaled writes wait for their commit delay, unless a read or a waited-on write comes first.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <filesystem>
#include <future>
#include <thread>

#include "fw/controller/controller.hpp"

namespace fw::controller {
namespace {

class StoreThreadTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/fw-store-thread-test-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        auto s = Store::open(dir_ / "db");
        ASSERT_TRUE(s) << s.error().message;
        thread_ = std::make_unique<StoreThread>(io_, std::move(*s), commitDelay());
    }
    void TearDown() override {
        thread_.reset();
        std::filesystem::remove_all(dir_);
    }
    virtual std::chrono::milliseconds commitDelay() const { return StoreThread::kJournaledCommitDelay; }
    // Writes a pending row with id `id` through write(), as a caller that waits for it, and runs
    // the io_context until it is committed.
    Result<void> writeAndWait(const std::string& id) {
        std::optional<Result<void>> result;
        asio::co_spawn(
            io_,
            [&]() -> asio::awaitable<void> {
                auto w = thread_->write([id](Store& s) { return s.addPending({id, 1, "{}"}); });
                result = co_await std::move(w);
            },
            asio::detached);
        io_.run();
        return result ? *result : Error{Errc::StoreFailed, "the write never completed"};
    }
    std::filesystem::path dir_;
    asio::io_context io_;
    std::unique_ptr<StoreThread> thread_;
};

TEST_F(StoreThreadTest, WritesQueuedWhileBusyShareOneTransactionAndKeepTheirOwnResults) {
    ASSERT_TRUE(thread_->unsafeStore().addPending({"taken", 1, "{}"}));
    constexpr int kWrites = 40;
    // Hold the store thread until every write is queued, so that they all wait together.
    std::promise<void> release, entered;
    auto held = release.get_future().share();
    std::vector<std::optional<Result<void>>> results(kWrites);
    std::vector<std::thread::id> resumedOn(kWrites);
    auto main = std::this_thread::get_id();
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
            auto block = thread_->write([held, &entered](Store&) -> Result<void> {
                entered.set_value();
                held.wait();
                return {};
            });
            (void)co_await std::move(block);
        },
        asio::detached);
    io_.poll();
    entered.get_future().wait();  // the store thread is inside the holding write
    for (int i = 0; i < kWrites; ++i) {
        asio::co_spawn(
            io_,
            [&, i]() -> asio::awaitable<void> {
                // Write 7 collides with the row written before: it alone must fail.
                std::string id = i == 7 ? "taken" : "a" + std::to_string(i);
                auto w = thread_->write([id](Store& s) { return s.addPending({id, 2, "{}"}); });
                results[i] = co_await std::move(w);
                resumedOn[i] = std::this_thread::get_id();
            },
            asio::detached);
    }
    io_.poll();  // every coroutine has queued its write; the store thread is still held
    release.set_value();
    io_.run();

    EXPECT_EQ(thread_->writeTransactions(), 2u);  // the holding write, then all the others
    for (int i = 0; i < kWrites; ++i) {
        ASSERT_TRUE(results[i].has_value()) << i;
        EXPECT_EQ(resumedOn[i], main) << i;
        if (i == 7) {
            ASSERT_FALSE(*results[i]);
            EXPECT_EQ(results[i]->error().code, Errc::StoreFailed);
        } else {
            EXPECT_TRUE(*results[i]) << i << ": " << results[i]->error().message;
        }
    }
    thread_->stop();
    auto pending = thread_->unsafeStore().pending();
    ASSERT_TRUE(pending);
    EXPECT_EQ(pending->size(), static_cast<std::size_t>(kWrites));  // 39 new + "taken"
}

TEST_F(StoreThreadTest, AWriteAloneIsCommittedAtOnce) {
    auto result = writeAndWait("solo");
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(thread_->writeTransactions(), 1u);
    thread_->stop();
    EXPECT_EQ(thread_->unsafeStore().pending()->size(), 1u);
}

// Journaled writes (StoreThread::submit with a journal sequence number) wait for the commit
// delay, here one so long that only something else can commit them.
class JournaledWritesTest : public StoreThreadTest {
protected:
    std::chrono::milliseconds commitDelay() const override { return std::chrono::hours(1); }
    // Queues `n` journaled pending-row writes; `done` counts those committed.
    void submitJournaled(int n, int& done) {
        for (int i = 0; i < n; ++i) {
            std::string id = "j" + std::to_string(next_++);
            thread_->submit([id](Store& s) { return s.addPending({id, 1, "{}"}); },
                            static_cast<std::uint64_t>(next_), [&done](Result<void> r) {
                                EXPECT_TRUE(r) << r.error().message;
                                ++done;
                            });
        }
    }
    int next_ = 0;
};

TEST_F(JournaledWritesTest, WaitForTheirDelayAndThenShareOneCommit) {
    int done = 0;
    submitJournaled(30, done);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    io_.poll();
    EXPECT_EQ(thread_->writeTransactions(), 0u) << "a journaled write did not wait for its delay";
    EXPECT_EQ(done, 0);
    // A read queued after them commits them first, all in one transaction, and sees them.
    std::optional<std::size_t> seen;
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
            auto read = thread_->run([](Store& s) { return s.pending(); });
            auto rows = co_await std::move(read);
            seen = rows ? rows->size() : 0;
        },
        asio::detached);
    io_.restart();  // the poll() above ran out of work, which stops an io_context
    io_.run();
    ASSERT_TRUE(seen);
    EXPECT_EQ(*seen, 30u) << "a read did not see the writes queued before it";
    EXPECT_EQ(thread_->writeTransactions(), 1u);
    EXPECT_EQ(done, 30);
}

TEST_F(JournaledWritesTest, AWriteSomebodyWaitsOnTakesThemAlongAtOnce) {
    int done = 0;
    submitJournaled(5, done);
    auto result = writeAndWait("waited");
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(done, 5);
    EXPECT_EQ(thread_->writeTransactions(), 1u);
}

TEST_F(JournaledWritesTest, StoppingCommitsThemWithoutWaitingForTheDelay) {
    int done = 0;
    submitJournaled(3, done);
    auto t0 = std::chrono::steady_clock::now();
    thread_->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::minutes(1)) << "stop waited for the delay";
    EXPECT_EQ(thread_->writeTransactions(), 1u);
    EXPECT_EQ(thread_->unsafeStore().pending()->size(), 3u);
}

// A store thread with a completion journal and a 1 ms commit delay.
class StoreThreadRetry : public StoreThreadTest {
protected:
    void SetUp() override {
        StoreThreadTest::SetUp();
        auto journal = CompletionJournal::start(dir_ / "journal");
        ASSERT_TRUE(journal) << journal.error().message;
        journal_ = std::move(*journal);
        thread_->setJournal(journal_.get());
    }
    void TearDown() override {
        thread_.reset();  // its thread marks the journal: it goes first
        journal_.reset();
        StoreThreadTest::TearDown();
    }
    std::chrono::milliseconds commitDelay() const override { return std::chrono::milliseconds(1); }
    // Journals record i (id "r<i>") and queues its write: `refuse(i)` says whether the store
    // refuses it this time; otherwise it is a pending row. `done[i]` counts its callbacks.
    void submit(int count, std::function<bool(int)> refuse) {
        done_.assign(static_cast<std::size_t>(count), 0);
        for (int i = 0; i < count; ++i) {
            Completion c;
            c.id = "r" + std::to_string(i);
            auto seq = journal_->append(c);
            ASSERT_TRUE(seq);
            thread_->submit(
                [i, refuse](Store& s) -> Result<void> {
                    if (refuse(i)) return Error{Errc::StoreFailed, "database is locked"};
                    return s.addPending({"r" + std::to_string(i), 1, "{}"});
                },
                *seq, [this, i](Result<void> r) {
                    EXPECT_TRUE(r) << r.error().message;
                    ++done_[static_cast<std::size_t>(i)];
                });
        }
    }
    // Waits up to 10 s for `cond`.
    static void waitFor(const std::function<bool()>& cond) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!cond() && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    }
    std::unique_ptr<CompletionJournal> journal_;
    std::vector<int> done_;
};

TEST_F(StoreThreadRetry, AJournaledRecordTheStoreRefusesIsTriedAgainAndMarkedOnlyOnceStored) {
    int refusals = 2;  // the second record is refused twice, as a locked database would
    submit(3, [&refusals](int i) {
        if (i != 1 || refusals == 0) return false;
        --refusals;
        return true;
    });
    waitFor([&] { return journal_->behind() == 0; });
    EXPECT_EQ(journal_->behind(), 0u) << "the refused record was never stored";
    EXPECT_EQ(refusals, 0);
    EXPECT_GE(thread_->writeTransactions(), 3u) << "one commit and two tries of the refused record";
    thread_->stop();
    io_.run();
    EXPECT_EQ(done_, (std::vector<int>{1, 1, 1})) << "each callback runs once, on success";
    EXPECT_EQ(thread_->unsafeStore().pending()->size(), 3u);
}

TEST_F(StoreThreadRetry, UntilStoredTheRefusedRecordAndThoseAfterItStayInTheJournal) {
    submit(3, [](int i) { return i == 1; });  // never stored
    waitFor([&] { return thread_->writeTransactions() >= 2; });
    EXPECT_EQ(journal_->behind(), 2u);
    thread_->stop();  // does not hang on a record that keeps failing
    thread_.reset();
    journal_.reset();  // as a stop leaves it: what is not marked stays for the next start
    auto left = CompletionJournal::leftover(dir_ / "journal");
    ASSERT_TRUE(left) << left.error().message;
    ASSERT_EQ(left->size(), 2u);
    EXPECT_EQ((*left)[0].id, "r1");
    EXPECT_EQ((*left)[1].id, "r2");
}

}  // namespace
}  // namespace fw::controller
