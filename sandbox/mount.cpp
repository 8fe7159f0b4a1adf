// The sandbox's filesystem: a fresh tmpfs root holding read-only bind mounts of what the runtime
// needs, a size-limited /tmp, a fresh /proc and a minimal /dev; then pivot_root into it and drop
// the host's tree. Runs as real root inside the new mount namespace (before the user namespace),
// so host paths the sandbox user could not traverse (the data dir) can still be bound.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "steps.hpp"

namespace fw::sandbox::steps {
namespace {

Error fail(const std::string& call, int err) { return Error{Errc::SandboxFailed, sysError(call, err)}; }

std::string q(const std::string& s) { return "\"" + s + "\""; }

Result<void> doMount(const std::string& src, const std::string& dst, const char* type,
                     unsigned long flags, const std::string& data, const char* flagNames) {
    if (::mount(src.empty() ? nullptr : src.c_str(), dst.c_str(), type, flags,
                data.empty() ? nullptr : data.c_str()) != 0)
        return fail("mount(" + (src.empty() ? std::string("NULL") : q(src)) + ", " + q(dst) + ", " +
                        (type ? q(type) : std::string("NULL")) + ", " + flagNames +
                        (data.empty() ? std::string() : ", " + q(data)) + ")",
                    errno);
    return {};
}

// Creates the directories of `rel` (absolute, validated: no . or ..) under `root`, refusing to
// follow a symlink on the way: a mirrored host symlink with an absolute target would otherwise
// lead mkdir out of the new root into the host's tree.
Result<void> mkdirsUnder(const std::string& root, const std::string& rel) {
    int dirfd = ::open(root.c_str(), O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dirfd < 0) return fail("open(" + q(root) + ")", errno);
    std::string walked = root;
    std::size_t i = 1;
    while (i < rel.size()) {
        std::size_t j = rel.find('/', i);
        if (j == std::string::npos) j = rel.size();
        std::string comp = rel.substr(i, j - i);
        walked += "/" + comp;
        if (::mkdirat(dirfd, comp.c_str(), 0755) != 0 && errno != EEXIST) {
            int err = errno;
            ::close(dirfd);
            return fail("mkdir(" + q(walked) + ")", err);
        }
        int next = ::openat(dirfd, comp.c_str(), O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int err = errno;
        ::close(dirfd);
        if (next < 0) return fail("open(" + q(walked) + ", O_NOFOLLOW) (a symlink in a mount target?)", err);
        dirfd = next;
        i = j + 1;
    }
    ::close(dirfd);
    return {};
}

std::string parentOf(const std::string& p) {
    auto s = p.rfind('/');
    return s == 0 ? std::string("/") : p.substr(0, s);
}

Result<void> createFile(const std::string& root, const std::string& rel, const std::string& content, mode_t mode) {
    if (auto r = mkdirsUnder(root, parentOf(rel)); !r) return r;
    std::string path = root + rel;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) return fail("open(" + q(path) + ", O_CREAT)", errno);
    ssize_t n = content.empty() ? 0 : ::write(fd, content.data(), content.size());
    int err = errno;
    ::close(fd);
    if (n != static_cast<ssize_t>(content.size())) return fail("write(" + q(path) + ")", err);
    return {};
}

Result<void> bindMount(const std::string& source, const std::string& root, const std::string& target,
                  bool readOnly, unsigned long extra) {
    struct stat st {};
    if (::stat(source.c_str(), &st) != 0) return fail("stat(" + q(source) + ")", errno);
    if (S_ISDIR(st.st_mode)) {
        if (auto r = mkdirsUnder(root, target); !r) return r;
    } else {
        if (auto r = createFile(root, target, "", 0644); !r) return r;
    }
    std::string dst = root + target;
    // Non-recursive: only this mount, so host submounts below it stay hidden.
    if (auto r = doMount(source, dst, nullptr, MS_BIND, "", "MS_BIND"); !r) return r;
    // A bind mount takes new flags only by remounting it.
    unsigned long flags = MS_REMOUNT | MS_BIND | MS_NOSUID | extra | (readOnly ? MS_RDONLY : 0);
    return doMount("", dst, nullptr, flags, "", readOnly ? "MS_REMOUNT|MS_BIND|MS_RDONLY|MS_NOSUID" : "MS_REMOUNT|MS_BIND|MS_NOSUID");
}

Result<void> mirrorSymlink(const std::string& source, const std::string& root, const std::string& target) {
    char buf[4096];
    ssize_t n = ::readlink(source.c_str(), buf, sizeof buf - 1);
    if (n < 0) return fail("readlink(" + q(source) + ")", errno);
    if (auto r = mkdirsUnder(root, parentOf(target)); !r) return r;
    std::string link(buf, static_cast<std::size_t>(n));
    std::string dst = root + target;
    if (::symlink(link.c_str(), dst.c_str()) != 0) return fail("symlink(" + q(link) + ", " + q(dst) + ")", errno);
    return {};
}

}  // namespace

Result<void> makeMountsPrivate() {
    // First: until propagation is off, every mount below would also appear on the host.
    return doMount("", "/", nullptr, MS_REC | MS_PRIVATE, "", "MS_REC|MS_PRIVATE");
}

Result<void> buildRoot(const Spec& spec, const std::string& root) {
    // The root is a tmpfs of its own (pivot_root needs a mount point); it holds only mount
    // points, links and the spec's small files, and becomes read-only at the end.
    if (auto r = doMount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=0755", "MS_NOSUID|MS_NODEV"); !r) return r;

    for (const auto& m : spec.mounts) {
        struct stat st {};
        if (::lstat(m.source.c_str(), &st) != 0) return fail("lstat(" + q(m.source) + ")", errno);
        if (S_ISLNK(st.st_mode) && m.source == m.target) {
            // /bin -> usr/bin on merged-/usr hosts: recreate the link instead of a second mount.
            if (auto r = mirrorSymlink(m.source, root, m.target); !r) return r;
            continue;
        }
        if (auto r = bindMount(m.source, root, m.target, m.readOnly, MS_NODEV); !r) return r;
    }

    // /tmp: the only writable place. Size- and inode-limited; its pages are charged to the
    // instance's memory cgroup.
    if (auto r = mkdirsUnder(root, "/tmp"); !r) return r;
    std::string tmpOpts = "size=" + std::to_string(spec.tmpSizeMb) + "m,nr_inodes=" +
                          std::to_string(std::max(1024, spec.tmpSizeMb * 256)) + ",mode=1777";
    if (auto r = doMount("tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, tmpOpts, "MS_NOSUID|MS_NODEV"); !r) return r;

    // /proc: fresh, so it shows the new PID namespace only (we are its init).
    if (auto r = mkdirsUnder(root, "/proc"); !r) return r;
    if (auto r = doMount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "", "MS_NOSUID|MS_NODEV|MS_NOEXEC"); !r) return r;

    // /dev: a tiny tmpfs with five host device nodes bound in; no other host device is reachable.
    if (auto r = mkdirsUnder(root, "/dev"); !r) return r;
    if (auto r = doMount("tmpfs", root + "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,nr_inodes=64,mode=0755", "MS_NOSUID|MS_NOEXEC"); !r) return r;
    for (const char* dev : {"null", "zero", "full", "random", "urandom"}) {
        std::string p = std::string("/dev/") + dev;
        if (auto r = bindMount(p, root, p, false, MS_NOEXEC); !r) return r;
    }
    struct Link {
        const char* target;
        const char* path;
    };
    for (auto l : {Link{"/proc/self/fd", "/dev/fd"}, Link{"/proc/self/fd/0", "/dev/stdin"},
                   Link{"/proc/self/fd/1", "/dev/stdout"}, Link{"/proc/self/fd/2", "/dev/stderr"}}) {
        std::string dst = root + l.path;
        if (::symlink(l.target, dst.c_str()) != 0) return fail("symlink(" + q(l.target) + ", " + q(dst) + ")", errno);
    }
    if (auto r = doMount("", root + "/dev", nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC, "", "MS_REMOUNT|MS_RDONLY|MS_NOSUID|MS_NOEXEC"); !r) return r;

    for (const auto& f : spec.files) {
        if (auto r = createFile(root, f.path, f.content, 0644); !r) return r;
    }
    return doMount("", root, nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "", "MS_REMOUNT|MS_RDONLY|MS_NOSUID|MS_NODEV");
}

Result<void> pivotInto(const std::string& root) {
    if (::chdir(root.c_str()) != 0) return fail("chdir(" + q(root) + ")", errno);
    // pivot_root(".", ".") stacks the old root on top of the new one; detaching "." then drops
    // the whole host tree from this namespace without needing a directory to park it in.
    if (::syscall(SYS_pivot_root, ".", ".") != 0) return fail("pivot_root(\".\", \".\")", errno);
    if (::umount2(".", MNT_DETACH) != 0) return fail("umount2(\".\", MNT_DETACH)", errno);
    if (::chdir("/") != 0) return fail("chdir(\"/\")", errno);
    return {};
}

}  // namespace fw::sandbox::steps
