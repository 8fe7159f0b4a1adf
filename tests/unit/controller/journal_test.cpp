// The completion journal: what it gives back after a crash, torn and corrupt tails, segments,
// and what it leaves on disk.
#include "fw/controller/journal.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace fw::controller {
namespace {

namespace fs = std::filesystem;

class JournalTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/fw-journal-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = fs::path(tmpl) / "journal";
    }
    void TearDown() override { fs::remove_all(dir_.parent_path()); }

    static Completion completion(int i) {
        Completion c;
        c.id = "id-" + std::to_string(i);
        c.ns = "guest";
        c.path = i % 2 ? "pkg/a" : "a";
        c.start = 1700000000000 + i;
        c.doc = R"({"activationId":"id-)" + std::to_string(i) + R"(","response":{"result":{"n":)" +
                std::to_string(i) + "}}}";
        c.usage.action = c.path;
        c.usage.hour = 1699999200000;
        c.usage.error = i % 3 == 0;
        c.usage.cold = i % 5 == 0;
        c.usage.gbSeconds = 0.25 * i;
        c.usage.cpuSeconds = 0.001 * i;
        c.hadPending = i % 4 == 0;
        return c;
    }

    std::unique_ptr<CompletionJournal> start(CompletionJournal::Options o = {}) {
        auto j = CompletionJournal::start(dir_, o);
        EXPECT_TRUE(j) << j.error().message;
        return j ? std::move(*j) : nullptr;
    }

    std::vector<Completion> leftover() {
        auto l = CompletionJournal::leftover(dir_);
        EXPECT_TRUE(l) << l.error().message;
        return l ? *l : std::vector<Completion>{};
    }

    std::vector<fs::path> files() const {
        std::vector<fs::path> out;
        for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path());
        std::sort(out.begin(), out.end());
        return out;
    }

    fs::path dir_;
};

void expectSame(const Completion& a, const Completion& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.ns, b.ns);
    EXPECT_EQ(a.path, b.path);
    EXPECT_EQ(a.start, b.start);
    EXPECT_EQ(a.doc, b.doc);
    EXPECT_EQ(a.usage.action, b.usage.action);
    EXPECT_EQ(a.usage.hour, b.usage.hour);
    EXPECT_EQ(a.usage.error, b.usage.error);
    EXPECT_EQ(a.usage.cold, b.usage.cold);
    EXPECT_EQ(a.usage.gbSeconds, b.usage.gbSeconds);
    EXPECT_EQ(a.usage.cpuSeconds, b.usage.cpuSeconds);
    EXPECT_EQ(a.hadPending, b.hadPending);
}

TEST_F(JournalTest, GivesBackEveryEntryNotMarkedStoredInOrder) {
    {
        auto j = start();
        for (int i = 1; i <= 10; ++i) {
            auto seq = j->append(completion(i));
            ASSERT_TRUE(seq) << seq.error().message;
            EXPECT_EQ(*seq, static_cast<std::uint64_t>(i));
        }
        j->stored(4);
        EXPECT_EQ(j->behind(), 6u);
        // Destroyed with entries not stored, as a crash would leave it.
    }
    auto left = leftover();
    ASSERT_EQ(left.size(), 6u);
    for (int i = 5; i <= 10; ++i) expectSame(left[static_cast<std::size_t>(i - 5)], completion(i));
}

TEST_F(JournalTest, NothingToGiveBackOnceEverythingIsStored) {
    {
        auto j = start();
        for (int i = 1; i <= 3; ++i) ASSERT_TRUE(j->append(completion(i)));
        j->stored(3);
        EXPECT_EQ(j->behind(), 0u);
        EXPECT_TRUE(leftover().empty());
    }
    // And a journal with nothing left to store leaves no file behind.
    EXPECT_TRUE(files().empty());
    EXPECT_TRUE(leftover().empty());
}

TEST_F(JournalTest, ATornTailIsIgnoredAndWhatPrecedesItKept) {
    {
        auto j = start();
        for (int i = 1; i <= 3; ++i) ASSERT_TRUE(j->append(completion(i)));
    }
    auto segs = files();
    ASSERT_EQ(segs.size(), 1u);
    // A crash in the middle of writing the third entry.
    fs::resize_file(segs[0], fs::file_size(segs[0]) - 5);
    auto left = leftover();
    ASSERT_EQ(left.size(), 2u);
    expectSame(left[1], completion(2));
}

TEST_F(JournalTest, AnEntryFailingItsChecksumEndsTheSegment) {
    {
        auto j = start();
        for (int i = 1; i <= 3; ++i) ASSERT_TRUE(j->append(completion(i)));
    }
    auto seg = files().at(0);
    std::string data;
    {
        std::ifstream in(seg, std::ios::binary);
        data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    // Flip a byte of the second entry's record text.
    auto at = data.find("\"n\":2");
    ASSERT_NE(at, std::string::npos);
    data[at + 4] = '7';
    std::ofstream(seg, std::ios::binary | std::ios::trunc) << data;
    auto left = leftover();
    ASSERT_EQ(left.size(), 1u);
    expectSame(left[0], completion(1));
}

TEST_F(JournalTest, SegmentsBehindTheMarkAreDeleted) {
    auto j = start({.segmentBytes = 1000});
    for (int i = 1; i <= 40; ++i) ASSERT_TRUE(j->append(completion(i)));
    std::size_t before = files().size();
    EXPECT_GT(before, 3u);
    EXPECT_EQ(j->segments(), before);
    j->stored(20);
    std::size_t after = files().size();
    EXPECT_LT(after, before);
    EXPECT_EQ(j->segments(), after);
    // The entries after the mark are all still there, across the remaining segments.
    auto left = leftover();
    ASSERT_EQ(left.size(), 20u);
    expectSame(left.front(), completion(21));
    expectSame(left.back(), completion(40));
    j->stored(40);
    EXPECT_EQ(files().size(), 1u) << "the segment being written stays";
    EXPECT_TRUE(leftover().empty());
}

TEST_F(JournalTest, StartingAnewClearsWhatWasLeft) {
    {
        auto j = start({.segmentBytes = 500});
        for (int i = 1; i <= 10; ++i) ASSERT_TRUE(j->append(completion(i)));
    }
    EXPECT_EQ(leftover().size(), 10u);
    auto j = start();
    EXPECT_TRUE(leftover().empty());
    EXPECT_EQ(files().size(), 1u);
    auto seq = j->append(completion(11));
    ASSERT_TRUE(seq);
    EXPECT_EQ(*seq, 1u) << "sequence numbers start over with the journal";
}

TEST_F(JournalTest, AnUnreadableDirectoryIsAClearError) {
    fs::create_directories(dir_.parent_path());
    std::ofstream(dir_) << "not a directory";
    auto j = CompletionJournal::start(dir_);
    ASSERT_FALSE(j);
    EXPECT_NE(j.error().message.find(dir_.string()), std::string::npos) << j.error().message;
}

}  // namespace
}  // namespace fw::controller
