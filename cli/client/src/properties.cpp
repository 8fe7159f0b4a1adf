#include "fw/client/properties.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "fw/common/file.hpp"

namespace fw::client {
namespace {

std::string_view trim(std::string_view s) {
    auto b = s.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

// The key of a KEY=VALUE line, or nothing for comments, blank and malformed lines (kept as is).
std::optional<std::pair<std::string_view, std::string_view>> splitLine(std::string_view line) {
    auto t = trim(line);
    if (t.empty() || t.front() == '#') return std::nullopt;
    auto eq = t.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    auto key = trim(t.substr(0, eq));
    if (key.empty()) return std::nullopt;
    return std::pair{key, trim(t.substr(eq + 1))};
}

}  // namespace

PropertiesFile PropertiesFile::parse(std::string_view text) {
    PropertiesFile p;
    p.finalNewline_ = text.empty() || text.back() == '\n';
    std::size_t start = 0;
    while (start < text.size()) {
        auto nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        p.lines_.emplace_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    return p;
}

std::optional<std::string> PropertiesFile::get(std::string_view key) const {
    std::optional<std::string> found;
    for (const auto& line : lines_) {
        auto kv = splitLine(line);
        if (kv && iequals(kv->first, key)) found = std::string(kv->second);
    }
    return found;
}

std::vector<std::pair<std::string, std::string>> PropertiesFile::entries() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& line : lines_) {
        if (auto kv = splitLine(line)) out.emplace_back(kv->first, kv->second);
    }
    return out;
}

void PropertiesFile::set(std::string_view key, std::string_view value) {
    std::string line = std::string(key) + "=" + std::string(value);
    bool done = false;
    for (auto it = lines_.begin(); it != lines_.end();) {
        auto kv = splitLine(*it);
        if (kv && iequals(kv->first, key)) {
            if (done) {
                it = lines_.erase(it);
                continue;
            }
            *it = line;
            done = true;
        }
        ++it;
    }
    if (!done) {
        if (!finalNewline_) finalNewline_ = true;  // the new line must not join the last one
        lines_.push_back(std::move(line));
    }
}

bool PropertiesFile::unset(std::string_view key) {
    auto before = lines_.size();
    std::erase_if(lines_, [&](const std::string& l) {
        auto kv = splitLine(l);
        return kv && iequals(kv->first, key);
    });
    return lines_.size() != before;
}

std::string PropertiesFile::text() const {
    std::string out;
    for (std::size_t i = 0; i < lines_.size(); ++i) {
        out += lines_[i];
        if (i + 1 < lines_.size() || finalNewline_) out += '\n';
    }
    return out;
}

Result<PropertiesFile> readPropertiesFile(const std::filesystem::path& path) {
    auto text = readWholeFile(path);
    if (!text) {
        if (text.error().code == Errc::NotFound) return PropertiesFile{};
        return Error{Errc::InvalidArgument, text.error().message};
    }
    return PropertiesFile::parse(*text);
}

Result<void> writePropertiesFile(const std::filesystem::path& path, const PropertiesFile& props) {
    // Write beside the target and rename, so a crash never leaves half a file; a symlinked
    // properties file is updated where it points.
    std::error_code ec;
    std::filesystem::path target =
        std::filesystem::is_symlink(path, ec) ? std::filesystem::canonical(path, ec) : path;
    if (ec) target = path;
    mode_t mode = 0600;
    struct stat st {};
    if (::stat(target.c_str(), &st) == 0) mode = st.st_mode & 07777;

    std::string tmp = target.string() + ".tmp." + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return Error{Errc::InvalidArgument, sysError("open(\"" + tmp + "\")", errno)};
    }
    std::string text = props.text();
    std::size_t off = 0;
    while (off < text.size()) {
        auto n = ::write(fd, text.data() + off, text.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            return Error{Errc::Internal, sysError("write(\"" + tmp + "\")", err)};
        }
        off += static_cast<std::size_t>(n);
    }
    ::fchmod(fd, mode);
    int rc = ::fsync(fd);
    int err = errno;
    if (::close(fd) != 0 && rc == 0) {
        rc = -1;
        err = errno;
    }
    if (rc != 0) {
        ::unlink(tmp.c_str());
        return Error{Errc::Internal, sysError("fsync(\"" + tmp + "\")", err)};
    }
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
        err = errno;
        ::unlink(tmp.c_str());
        return Error{Errc::Internal,
                     sysError("rename(\"" + tmp + "\", \"" + target.string() + "\")", err)};
    }
    return {};
}

}  // namespace fw::client
