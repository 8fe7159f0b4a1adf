#include "fw/common/file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fw {

Result<std::string> readWholeFile(const std::filesystem::path& path) {
    auto failed = [&](int err) {
        return Error{err == ENOENT ? Errc::NotFound : Errc::InvalidArgument,
                     "cannot read '" + path.string() + "': " + std::strerror(err)};
    };
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return failed(errno);
    std::string text;
    char buf[65536];
    for (;;) {
        auto n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            return failed(err);
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return text;
}

}  // namespace fw
