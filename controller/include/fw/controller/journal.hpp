// The completion journal: an append-only file that makes a finished activation survive a crash
// of the daemon before its record is committed to the store, so that a blocking caller can be
// answered as soon as the record is here instead of after the store's next commit.
//
// The io thread appends a finished activation (one write(2), no sync: like the store's WAL
// under synchronous=NORMAL, it survives `kill -9`, and an OS crash may lose the last entries).
// The store thread, after each commit, appends a mark saying that every entry up to a sequence
// number is in the store; segments wholly behind the mark are deleted. At start, the entries
// after the last mark are stored again (Store::completeActivation is idempotent for them) and
// the journal begins anew. docs/architecture.md, "Durability", says what this guarantees.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fw/common/error.hpp"
#include "fw/controller/store.hpp"

namespace fw::controller {

class CompletionJournal {
public:
    struct Options {
        std::uint64_t segmentBytes = 8u << 20;  // a new segment file after this many bytes
    };

    // What a previous process appended and never marked as stored, oldest first. Reading a
    // segment stops at the first entry that is torn or fails its checksum (a crash in the
    // middle of a write); nothing after it in that segment is trusted.
    static Result<std::vector<Completion>> leftover(const std::filesystem::path& dir);
    // Deletes every segment in `dir` (the caller has stored what leftover() returned) and
    // opens a new one.
    static Result<std::unique_ptr<CompletionJournal>> start(const std::filesystem::path& dir,
                                                            Options options);
    static Result<std::unique_ptr<CompletionJournal>> start(const std::filesystem::path& dir) {
        return start(dir, Options{});
    }
    ~CompletionJournal();
    CompletionJournal(const CompletionJournal&) = delete;
    CompletionJournal& operator=(const CompletionJournal&) = delete;

    // Appends `c` and returns its sequence number (1, 2, ...). On an error nothing was
    // appended, and the caller must not rely on the journal for `c`.
    Result<std::uint64_t> append(const Completion& c);
    // Every entry up to `seq` is committed to the store: marks it, and deletes the segments
    // that hold only such entries.
    void stored(std::uint64_t seq);
    // Entries appended and not yet marked as stored.
    std::uint64_t behind() const;
    // Segment files now in the directory (for tests and the operator's curiosity).
    std::size_t segments() const;

private:
    struct Segment {
        std::filesystem::path path;
        std::uint64_t lastSeq = 0;  // 0: holds no entry
    };
    CompletionJournal(std::filesystem::path dir, Options options);
    Result<void> openSegment(std::uint64_t firstSeq);  // with mutex_ held
    Result<void> writeAll(const std::string& bytes);   // with mutex_ held; all or nothing

    const std::filesystem::path dir_;
    const Options options_;
    mutable std::mutex mutex_;
    int fd_ = -1;
    std::uint64_t size_ = 0;        // of the current segment
    std::uint64_t nextSeq_ = 1;
    std::uint64_t storedSeq_ = 0;   // the last mark
    bool broken_ = false;           // a failed write could not be undone: append() refuses
    std::deque<Segment> segments_;  // oldest first; the back one is being written
    std::string buffer_;            // reused for encoding, with mutex_ held
};

}  // namespace fw::controller
