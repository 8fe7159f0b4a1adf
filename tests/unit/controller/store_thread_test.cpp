// StoreThread::write: writes queued while the store thread is busy share one transaction (group
// commit), each still gets its own result, and every caller resumes on the io_context's thread.
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
        thread_ = std::make_unique<StoreThread>(io_, std::move(*s));
    }
    void TearDown() override {
        thread_.reset();
        std::filesystem::remove_all(dir_);
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
    std::optional<Result<void>> result;
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
            auto w = thread_->write([](Store& s) { return s.addPending({"solo", 1, "{}"}); });
            result = co_await std::move(w);
        },
        asio::detached);
    io_.run();
    ASSERT_TRUE(result && *result);
    EXPECT_EQ(thread_->writeTransactions(), 1u);
    thread_->stop();
    EXPECT_EQ(thread_->unsafeStore().pending()->size(), 1u);
}

}  // namespace
}  // namespace fw::controller
