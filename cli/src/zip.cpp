#include "fw/cli/zip.hpp"

#include <sys/stat.h>
#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <vector>

namespace fw::cli {
namespace {

namespace fs = std::filesystem;

struct Entry {
    std::string name;  // relative, '/'-separated; directories end with '/'
    fs::path path;
    bool directory = false;
    mode_t mode = 0;
};

Error zipError(std::string_view what, zip_error_t* ze) {
    return Error{Errc::Internal, std::string(what) + ": " + zip_error_strerror(ze)};
}

Error zipError(std::string_view what, zip_t* za) {
    return Error{Errc::Internal, std::string(what) + ": " + zip_strerror(za)};
}

Result<std::vector<Entry>> collect(const fs::path& dir) {
    std::vector<Entry> entries;
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, ec), end;
    if (ec)
        return Error{Errc::InvalidArgument, "cannot read '" + dir.string() + "': " + ec.message()};
    for (; it != end; it.increment(ec)) {
        if (ec) break;
        const fs::path& p = it->path();
        std::string rel = p.lexically_relative(dir).generic_string();
        struct stat st {};
        if (::stat(p.c_str(), &st) != 0) {
            return Error{Errc::InvalidArgument, sysError("stat(\"" + p.string() + "\")", errno)};
        }
        bool link = it->is_symlink(ec);
        if (S_ISDIR(st.st_mode)) {
            // A link to a directory could loop or leave the tree: refuse rather than guess.
            if (link) {
                return Error{Errc::InvalidArgument,
                             "cannot zip '" + p.string() +
                                 "': it is a symbolic link to a directory; copy the directory in"};
            }
            entries.push_back({rel + "/", p, true, st.st_mode});
        } else if (S_ISREG(st.st_mode)) {
            entries.push_back({rel, p, false, st.st_mode});
        } else {
            return Error{Errc::InvalidArgument,
                         "cannot zip '" + p.string() + "': not a regular file or directory"};
        }
    }
    if (ec)
        return Error{Errc::InvalidArgument, "cannot read '" + dir.string() + "': " + ec.message()};
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.name < b.name; });
    return entries;
}

}  // namespace

Result<std::string> zipDirectory(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        return Error{Errc::InvalidArgument, "'" + dir.string() + "' is not a directory"};
    }
    auto entries = collect(dir);
    if (!entries) return entries.error();
    if (std::none_of(entries->begin(), entries->end(),
                     [](const Entry& e) { return !e.directory; })) {
        return Error{Errc::InvalidArgument, "'" + dir.string() + "' holds no files to zip"};
    }

    // The archive is written into a growing memory buffer that outlives zip_close (kept).
    zip_error_t ze;
    zip_error_init(&ze);
    std::unique_ptr<zip_source_t, decltype(&zip_source_free)> buffer(
        zip_source_buffer_create(nullptr, 0, 0, &ze), &zip_source_free);
    if (!buffer) return zipError("zip_source_buffer_create", &ze);
    zip_t* za = zip_open_from_source(buffer.get(), ZIP_TRUNCATE, &ze);
    if (za == nullptr) return zipError("zip_open_from_source", &ze);
    zip_source_keep(buffer.get());

    auto fail = [&](Error e) {
        zip_discard(za);
        return e;
    };
    for (const auto& e : *entries) {
        zip_int64_t idx;
        if (e.directory) {
            idx = zip_dir_add(za, e.name.c_str(), ZIP_FL_ENC_UTF_8);
        } else {
            zip_source_t* src = zip_source_file(za, e.path.c_str(), 0, -1);
            if (src == nullptr)
                return fail(zipError("zip_source_file(" + e.path.string() + ")", za));
            idx = zip_file_add(za, e.name.c_str(), src, ZIP_FL_ENC_UTF_8);
            if (idx < 0) zip_source_free(src);
        }
        if (idx < 0) return fail(zipError("zip_add(" + e.name + ")", za));
        // Unix mode in the high 16 bits of the external attributes, as Info-ZIP writes it.
        auto attrs = static_cast<zip_uint32_t>(e.mode & 0xFFFF) << 16;
        if (zip_file_set_external_attributes(za, static_cast<zip_uint64_t>(idx), 0, ZIP_OPSYS_UNIX,
                                             attrs) != 0) {
            return fail(zipError("zip_file_set_external_attributes(" + e.name + ")", za));
        }
    }
    if (zip_close(za) != 0) return fail(zipError("zip_close", za));

    zip_source_t* src = buffer.get();
    if (zip_source_open(src) != 0) return zipError("zip_source_open", zip_source_error(src));
    zip_source_seek(src, 0, SEEK_END);
    zip_int64_t size = zip_source_tell(src);
    zip_source_seek(src, 0, SEEK_SET);
    std::string out(static_cast<std::size_t>(std::max<zip_int64_t>(size, 0)), '\0');
    zip_int64_t got =
        size > 0 ? zip_source_read(src, out.data(), static_cast<zip_uint64_t>(size)) : 0;
    zip_source_close(src);
    if (got != size) return zipError("zip_source_read", zip_source_error(src));
    return out;
}

}  // namespace fw::cli
