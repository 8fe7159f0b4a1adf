#include "fw/controller/journal.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string_view>

#include <spdlog/spdlog.h>

#include "fw/common/util.hpp"

namespace fw::controller {
namespace fs = std::filesystem;
namespace {

// On disk, an entry is [u32 payload length][u32 CRC-32 of the payload][payload], in the host's
// byte order (a journal never leaves the machine that wrote it). The payload's first byte says
// what it is:
//   'R' a finished activation: u64 seq, i64 start, i64 hour, f64 GB-s, f64 CPU-s,
//       u8 flags (1 hadPending, 2 error, 4 cold), then id, ns, path, usage action and the
//       record, each a u32 length and its bytes;
//   'S' a mark: u64 seq, every entry up to it is in the store.
constexpr char kRecord = 'R';
constexpr char kStored = 'S';
constexpr std::size_t kHeader = 8;
constexpr std::uint32_t kMaxPayload = 1u << 30;
constexpr const char* kSuffix = ".fwj";

template <class T>
void put(std::string& out, T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.append(b, sizeof(T));
}

void putString(std::string& out, std::string_view s) {
    put<std::uint32_t>(out, static_cast<std::uint32_t>(s.size()));
    out.append(s);
}

// Frames the payload that `encode` appends to `out` (which it clears first).
template <class F>
void frame(std::string& out, F encode) {
    out.assign(kHeader, '\0');
    encode(out);
    auto len = static_cast<std::uint32_t>(out.size() - kHeader);
    auto crc = static_cast<std::uint32_t>(
        ::crc32(0L, reinterpret_cast<const Bytef*>(out.data() + kHeader), len));
    std::memcpy(out.data(), &len, 4);
    std::memcpy(out.data() + 4, &crc, 4);
}

class Reader {
public:
    explicit Reader(std::string_view data) : data_(data) {}
    template <class T>
    bool get(T& v) {
        if (data_.size() < sizeof(T)) return false;
        std::memcpy(&v, data_.data(), sizeof(T));
        data_.remove_prefix(sizeof(T));
        return true;
    }
    bool getString(std::string& s) {
        std::uint32_t n = 0;
        if (!get(n) || data_.size() < n) return false;
        s.assign(data_.data(), n);
        data_.remove_prefix(n);
        return true;
    }
    bool done() const { return data_.empty(); }

private:
    std::string_view data_;
};

bool decodeRecord(Reader& r, std::uint64_t& seq, Completion& c) {
    std::uint8_t flags = 0;
    if (!r.get(seq) || !r.get(c.start) || !r.get(c.usage.hour) || !r.get(c.usage.gbSeconds) ||
        !r.get(c.usage.cpuSeconds) || !r.get(flags)) {
        return false;
    }
    c.hadPending = (flags & 1) != 0;
    c.usage.error = (flags & 2) != 0;
    c.usage.cold = (flags & 4) != 0;
    return r.getString(c.id) && r.getString(c.ns) && r.getString(c.path) &&
           r.getString(c.usage.action) && r.getString(c.doc) && r.done();
}

std::vector<fs::path> segmentFiles(const fs::path& dir, std::error_code& ec) {
    std::vector<fs::path> files;
    if (!fs::exists(dir, ec)) return files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().extension() == kSuffix) files.push_back(it->path());
    }
    // Named by their first sequence number in 16 hex digits: name order is append order.
    std::sort(files.begin(), files.end());
    return files;
}

std::string segmentName(std::uint64_t firstSeq) {
    char name[32];
    std::snprintf(name, sizeof name, "%016llx%s", static_cast<unsigned long long>(firstSeq), kSuffix);
    return name;
}

}  // namespace

Result<std::vector<Completion>> CompletionJournal::leftover(const fs::path& dir) {
    std::error_code ec;
    auto files = segmentFiles(dir, ec);
    if (ec) return Error{Errc::StoreFailed, "cannot read the journal " + dir.string() + ": " + ec.message()};
    std::vector<std::pair<std::uint64_t, Completion>> records;
    std::uint64_t storedSeq = 0;
    for (const auto& file : files) {
        std::ifstream in(file, std::ios::binary);
        std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (in.bad()) return Error{Errc::StoreFailed, "cannot read the journal segment " + file.string()};
        std::string_view rest(data);
        while (!rest.empty()) {
            std::uint32_t len = 0;
            std::uint32_t crc = 0;
            bool whole = rest.size() >= kHeader;
            if (whole) {
                std::memcpy(&len, rest.data(), 4);
                std::memcpy(&crc, rest.data() + 4, 4);
                whole = len > 0 && len <= kMaxPayload && rest.size() - kHeader >= len;
            }
            std::string_view payload = whole ? rest.substr(kHeader, len) : std::string_view();
            if (!whole || ::crc32(0L, reinterpret_cast<const Bytef*>(payload.data()), len) != crc) {
                spdlog::warn("journal segment {}: the last {} bytes are torn or corrupt (a crash while "
                             "writing); ignored", file.string(), rest.size());
                break;
            }
            rest.remove_prefix(kHeader + len);
            Reader r(payload.substr(1));
            std::uint64_t seq = 0;
            if (payload[0] == kStored && r.get(seq) && r.done()) {
                storedSeq = std::max(storedSeq, seq);
                continue;
            }
            Completion c;
            if (payload[0] != kRecord || !decodeRecord(r, seq, c)) {
                return Error{Errc::StoreFailed, "the journal segment " + file.string() +
                                                    " holds an entry this fwd cannot read"};
            }
            records.emplace_back(seq, std::move(c));
        }
    }
    std::vector<Completion> out;
    for (auto& [seq, c] : records) {
        if (seq > storedSeq) out.push_back(std::move(c));
    }
    return out;
}

CompletionJournal::CompletionJournal(fs::path dir, Options options)
    : dir_(std::move(dir)), options_(options) {}

Result<std::unique_ptr<CompletionJournal>> CompletionJournal::start(const fs::path& dir,
                                                                    Options options) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Error{Errc::StoreFailed, "cannot create the journal " + dir.string() + ": " + ec.message()};
    for (const auto& file : segmentFiles(dir, ec)) {
        if (!fs::remove(file, ec) && ec) break;
    }
    if (ec) return Error{Errc::StoreFailed, "cannot clear the journal " + dir.string() + ": " + ec.message()};
    std::unique_ptr<CompletionJournal> j(new CompletionJournal(dir, options));
    std::lock_guard lock(j->mutex_);
    if (auto r = j->openSegment(1); !r) return r.error();
    return j;
}

CompletionJournal::~CompletionJournal() {
    std::lock_guard lock(mutex_);
    if (fd_ >= 0) ::close(fd_);
    // Everything stored: nothing to replay, so nothing is left behind.
    if (storedSeq_ + 1 == nextSeq_) {
        std::error_code ec;
        for (const auto& s : segments_) fs::remove(s.path, ec);
    }
}

Result<void> CompletionJournal::openSegment(std::uint64_t firstSeq) {
    fs::path path = dir_ / segmentName(firstSeq);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return Error{Errc::StoreFailed, sysError("open(\"" + path.string() + "\")", errno)};
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
    size_ = 0;
    segments_.push_back(Segment{std::move(path), 0});
    return {};
}

Result<void> CompletionJournal::writeAll(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        int err = n < 0 ? errno : ENOSPC;
        // A torn entry would end every later reading of this segment: take it back.
        if (done > 0 && ::ftruncate(fd_, static_cast<off_t>(size_)) != 0) broken_ = true;
        return Error{Errc::StoreFailed, sysError("write to the journal", err)};
    }
    size_ += bytes.size();
    return {};
}

Result<std::uint64_t> CompletionJournal::append(const Completion& c) {
    std::lock_guard lock(mutex_);
    if (broken_) return Error{Errc::StoreFailed, "the journal is unusable after a failed write"};
    if (size_ >= options_.segmentBytes) {
        if (auto r = openSegment(nextSeq_); !r) return r.error();
    }
    std::uint64_t seq = nextSeq_;
    frame(buffer_, [&](std::string& out) {
        out.push_back(kRecord);
        put(out, seq);
        put(out, c.start);
        put(out, c.usage.hour);
        put(out, c.usage.gbSeconds);
        put(out, c.usage.cpuSeconds);
        put<std::uint8_t>(out, static_cast<std::uint8_t>((c.hadPending ? 1 : 0) | (c.usage.error ? 2 : 0) |
                                                         (c.usage.cold ? 4 : 0)));
        for (std::string_view s : {std::string_view(c.id), std::string_view(c.ns), std::string_view(c.path),
                                   std::string_view(c.usage.action), std::string_view(c.doc)}) {
            putString(out, s);
        }
    });
    if (auto r = writeAll(buffer_); !r) return r.error();
    ++nextSeq_;
    segments_.back().lastSeq = seq;
    return seq;
}

void CompletionJournal::stored(std::uint64_t seq) {
    std::vector<fs::path> gone;
    {
        std::lock_guard lock(mutex_);
        if (seq <= storedSeq_) return;
        storedSeq_ = seq;
        frame(buffer_, [&](std::string& out) {
            out.push_back(kStored);
            put(out, seq);
        });
        // Without the mark a restart stores these entries again and finds them stored.
        if (auto r = broken_ ? Result<void>{} : writeAll(buffer_); !r) {
            spdlog::warn("journal: cannot mark entries as stored: {}", r.error().message);
        }
        while (segments_.size() > 1 && segments_.front().lastSeq <= seq) {
            gone.push_back(std::move(segments_.front().path));
            segments_.pop_front();
        }
    }
    std::error_code ec;
    for (const auto& p : gone) fs::remove(p, ec);
}

std::uint64_t CompletionJournal::behind() const {
    std::lock_guard lock(mutex_);
    return nextSeq_ - 1 - storedSeq_;
}

std::size_t CompletionJournal::segments() const {
    std::lock_guard lock(mutex_);
    return segments_.size();
}

}  // namespace fw::controller
