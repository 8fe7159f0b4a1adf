// File-descriptor hygiene: only stdin, stdout, stderr and fd 3 reach the function.
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <string>

#include "steps.hpp"

namespace fw::sandbox::steps {
namespace {
Result<void> closeRange(unsigned first, unsigned last, unsigned flags) {
    if (first > last) return {};
    if (::syscall(SYS_close_range, first, last, flags) != 0)
        return Error{Errc::SandboxFailed, sysError("close_range(" + std::to_string(first) + ", " + std::to_string(last) + ", " + std::to_string(flags) + ")", errno)};
    return {};
}
}  // namespace

Result<void> closeAllExcept(std::initializer_list<int> keep) {
    unsigned next = 0;
    for (int k : keep) {
        if (k < 0) continue;
        if (static_cast<unsigned>(k) > next) {
            if (auto r = closeRange(next, static_cast<unsigned>(k) - 1, 0); !r) return r;
        }
        next = static_cast<unsigned>(k) + 1;
    }
    return closeRange(next, UINT_MAX, 0);
}

Result<void> cloexecFrom(int lowest) {
    return closeRange(static_cast<unsigned>(lowest), UINT_MAX, CLOSE_RANGE_CLOEXEC);
}

}  // namespace fw::sandbox::steps
