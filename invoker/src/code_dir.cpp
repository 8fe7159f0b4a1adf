#include "code_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <fstream>

#include "fw/common/kinds.hpp"
#include "fw/common/util.hpp"

namespace fw::invoker {
namespace fs = std::filesystem;

namespace {

Result<void> writeFile(const fs::path& p, std::string_view data, mode_t mode) {
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) return Error{Errc::Internal, sysError("open(\"" + p.string() + "\")", errno)};
    std::size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            return Error{Errc::Internal, sysError("write(\"" + p.string() + "\")", err)};
        }
        off += static_cast<std::size_t>(n);
    }
    ::fchmod(fd, mode);  // umask must not strip the executable bit
    ::close(fd);
    return {};
}

// A relative path with no "..", "." or empty segments: safe to join under the target dir.
bool isSafeEntry(const std::string& name) {
    if (name.empty() || name.front() == '/') return false;
    fs::path p(name);
    for (const auto& part : p) {
        if (part == ".." ) return false;
    }
    return true;
}

}  // namespace

CodeDir::~CodeDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

std::string textCodeFile(const std::string& kind) {
    switch (familyOf(kind)) {
        case RuntimeFamily::Python: return "__main__.py";
        case RuntimeFamily::NodeJs: return "index.js";
        default: return "exec";
    }
}

Result<void> unzipTo(const std::string& zipBytes, const fs::path& dir) {
    zip_error_t zerr;
    zip_error_init(&zerr);
    zip_source_t* src = zip_source_buffer_create(zipBytes.data(), zipBytes.size(), 0, &zerr);
    if (!src) return Error{Errc::InvalidArgument, "cannot read the zip archive"};
    zip_t* za = zip_open_from_source(src, ZIP_RDONLY, &zerr);
    if (!za) {
        zip_source_free(src);
        std::string msg = zip_error_strerror(&zerr);
        zip_error_fini(&zerr);
        return Error{Errc::InvalidArgument, "the code is base64 but not a valid zip archive: " + msg};
    }
    auto closeZip = [&] { zip_discard(za); };
    zip_int64_t n = zip_get_num_entries(za, 0);
    std::string buf;
    for (zip_int64_t i = 0; i < n; ++i) {
        zip_stat_t st;
        if (zip_stat_index(za, static_cast<zip_uint64_t>(i), 0, &st) != 0) continue;
        std::string name = st.name;
        if (!isSafeEntry(name)) {
            closeZip();
            return Error{Errc::InvalidArgument, "the zip archive has an unsafe entry '" + name + "'"};
        }
        fs::path target = dir / name;
        std::error_code ec;
        if (name.back() == '/') {
            fs::create_directories(target, ec);
            continue;
        }
        fs::create_directories(target.parent_path(), ec);
        zip_uint8_t opsys;
        zip_uint32_t attrs = 0;
        mode_t mode = 0644;
        if (zip_file_get_external_attributes(za, static_cast<zip_uint64_t>(i), 0, &opsys, &attrs) == 0 &&
            opsys == ZIP_OPSYS_UNIX) {
            mode_t m = (attrs >> 16) & 0777;
            if (S_ISLNK((attrs >> 16) & S_IFMT)) {
                closeZip();
                return Error{Errc::InvalidArgument, "the zip archive has a symbolic link '" + name + "'; links are not allowed"};
            }
            if (m & 0111) mode = 0755;
        }
        zip_file_t* zf = zip_fopen_index(za, static_cast<zip_uint64_t>(i), 0);
        if (!zf) {
            closeZip();
            return Error{Errc::InvalidArgument, "cannot read '" + name + "' from the zip archive"};
        }
        buf.resize(static_cast<std::size_t>(st.size));
        zip_int64_t got = buf.empty() ? 0 : zip_fread(zf, buf.data(), st.size);
        zip_fclose(zf);
        if (got < 0 || static_cast<zip_uint64_t>(got) != st.size) {
            closeZip();
            return Error{Errc::InvalidArgument, "cannot read '" + name + "' from the zip archive"};
        }
        if (auto r = writeFile(target, buf, mode); !r) {
            closeZip();
            return r.error();
        }
    }
    closeZip();
    return {};
}

Result<std::shared_ptr<CodeDir>> materialize(const ActionCode& code, const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir.parent_path(), ec);
    if (::mkdir(dir.c_str(), 0755) != 0) {
        return Error{Errc::Internal, sysError("mkdir(\"" + dir.string() + "\")", errno)};
    }
    auto out = std::make_shared<CodeDir>(dir);  // removes the directory again on failure
    const std::string& text = code.code ? *code.code : std::string();
    bool isBlackbox = familyOf(code.kind) == RuntimeFamily::Blackbox;
    if (code.binary) {
        auto bytes = base64Decode(text);
        if (!bytes) return Error{Errc::InvalidArgument, "the code is not valid base64"};
        bool isZip = bytes->size() >= 4 && bytes->compare(0, 4, "PK\x03\x04", 4) == 0;
        if (isZip) {
            if (auto r = unzipTo(*bytes, dir); !r) return r.error();
        } else if (isBlackbox) {
            // A single executable (e.g. a compiled binary) sent as base64.
            if (auto r = writeFile(dir / "exec", *bytes, 0755); !r) return r.error();
        } else {
            return Error{Errc::InvalidArgument, "the code is base64 but not a zip archive"};
        }
    } else {
        mode_t mode = isBlackbox ? 0755 : 0644;
        if (auto r = writeFile(dir / textCodeFile(code.kind), text, mode); !r) return r.error();
    }
    if (isBlackbox) {
        struct stat st {};
        if (::stat((dir / "exec").c_str(), &st) != 0 || !(st.st_mode & S_IXUSR)) {
            return Error{Errc::InvalidArgument,
                         "The action failed to generate or locate a binary: the code must be an "
                         "executable, or a zip holding an executable file named 'exec'."};
        }
    }
    return out;
}

}  // namespace fw::invoker
