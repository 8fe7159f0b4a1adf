// The escape table, run directly against fw-sandbox (through SandboxLauncher): each row is a
// command that tries one abuse and the outcome it must have. Every row also checks that nothing
// is left behind on the host. The daemon-level version of this suite (functions deployed through
// the API) lives with the integration tests once fwd can use --launcher=sandbox.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace fw::test {
namespace {

struct Case {
    const char* name;
    Job job;
    std::function<void(const Outcome&)> expect;
};

bool exitedWith(const Outcome& o, int code) { return WIFEXITED(o.status) && WEXITSTATUS(o.status) == code; }
bool killedBy(const Outcome& o, int sig) { return WIFSIGNALED(o.status) && WTERMSIG(o.status) == sig; }

// Prints "<name> <errno>" for raw syscalls made through ctypes.
std::string syscallProbe() {
    return R"(
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def probe(name, nr, *args):
    r = libc.syscall(nr, *args)
    print(name, 0 if r >= 0 else ctypes.get_errno())
probe("ptrace", 101, 16, 1, 0, 0)          # PTRACE_ATTACH to init
probe("mount", 165, b"none", b"/tmp", b"tmpfs", 0, 0)
probe("unshare_user", 272, 0x10000000)
probe("unshare_ns", 272, 0x00020000)
probe("setns", 308, os.open("/proc/1/ns/mnt", os.O_RDONLY) if os.access("/proc/1/ns/mnt", os.R_OK) else 0, 0)
probe("bpf", 321, 0, 0, 0)
probe("keyctl", 250, 0, 0, 0, 0)
probe("add_key", 248, b"user", b"k", b"v", 1, 0xfffffffd)
probe("perf_event_open", 298, 0, 0, -1, -1, 0)
probe("userfaultfd", 323, 0)
probe("io_uring_setup", 425, 1, 0)
probe("setuid0", 105, 0)
probe("personality_norandom", 135, 0x0040000)
probe("clone3", 435, 0, 0)
print("uid", os.getuid(), os.geteuid())
)";
}

std::vector<Case> cases() {
    std::vector<Case> c;
    c.push_back({"etc_shadow_not_visible", {sh("cat /etc/shadow; echo rc=$?")}, [](const Outcome& o) {
                     EXPECT_NE(o.out.find("rc=1"), std::string::npos);
                     EXPECT_NE(o.err.find("No such file"), std::string::npos);
                 }});
    c.push_back({"root_home_and_host_dirs_not_visible", {sh("ls -d /root /home /var /work /etc/* 2>&1; echo done")},
                 [](const Outcome& o) {
                     EXPECT_NE(o.out.find("/root': No such file"), std::string::npos);
                     EXPECT_NE(o.out.find("/work': No such file"), std::string::npos);
                     EXPECT_NE(o.out.find("/var': No such file"), std::string::npos);
                     // /etc holds only what the launcher put there.
                     EXPECT_EQ(o.out.find("/etc/shadow"), std::string::npos);
                     EXPECT_EQ(o.out.find("/etc/hostname"), std::string::npos);
                 }});
    c.push_back({"root_is_read_only", {sh("touch /x 2>&1; touch /usr/x 2>&1; touch /etc/passwd 2>&1; echo done")},
                 [](const Outcome& o) {
                     EXPECT_NE(o.out.find("cannot touch '/x': Read-only file system"), std::string::npos);
                     EXPECT_NE(o.out.find("cannot touch '/usr/x': Read-only file system"), std::string::npos);
                     EXPECT_NE(o.out.find("'/etc/passwd': Read-only file system"), std::string::npos);
                 }});
    {
        Job r{sh("echo hello > /tmp/a && cat /tmp/a && dd if=/dev/zero of=/tmp/big bs=1M count=64 2>&1; echo done")};
        r.tmpSizeMb = 8;
        r.memoryMb = 256;
        c.push_back({"tmp_writable_and_size_limited", r, [](const Outcome& o) {
                         EXPECT_NE(o.out.find("hello"), std::string::npos);
                         EXPECT_NE(o.out.find("No space left on device"), std::string::npos);
                     }});
    }
    c.push_back({"host_processes_invisible", {sh("ls /proc | grep -c '^[0-9]'; cat /proc/1/environ 2>&1 | head -c 200; echo; kill -9 -1; echo alive")},
                 [](const Outcome& o) {
                     // init, sh, ls/grep: a handful, never the host's hundreds.
                     EXPECT_LE(std::atoi(o.out.c_str()), 5) << o.out;
                     EXPECT_NE(o.out.find("Permission denied"), std::string::npos);  // init is not dumpable
                     EXPECT_NE(o.out.find("alive"), std::string::npos);
                 }});
    c.push_back({"only_loopback_network", {py(R"(
import socket, sys
print(open("/proc/net/dev").read().split("\n")[2:-1])
s = socket.socket()
try:
    s.connect(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 1)); print("connected")
except OSError as e: print("connect", e.errno)
try: socket.getaddrinfo("example.com", 80); print("resolved")
except OSError as e: print("resolve failed")
try: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); print("raw ok")
except OSError as e: print("raw", e.errno)
try:
    l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(); c = socket.create_connection(l.getsockname()); print("loopback ok")
except OSError as e: print("loopback", e)
)")}, [](const Outcome& o) {
                     EXPECT_NE(o.out.find("lo:"), std::string::npos);
                     EXPECT_EQ(o.out.find("eth"), std::string::npos);
                     EXPECT_NE(o.out.find("connect 111"), std::string::npos);  // ECONNREFUSED
                     EXPECT_NE(o.out.find("resolve failed"), std::string::npos);
                     EXPECT_NE(o.out.find("raw 1"), std::string::npos);  // EPERM
                     EXPECT_NE(o.out.find("loopback ok"), std::string::npos);
                 }});
    {
        Job r{py("b = []\nwhile True: b.append(bytearray(8 << 20))")};
        r.memoryMb = 64;
        c.push_back({"memory_limit_oom_kills_and_is_reported", r, [](const Outcome& o) {
                         EXPECT_TRUE(killedBy(o, SIGKILL));
                         EXPECT_TRUE(o.usage.oomKilled);
                         EXPECT_GE(o.usage.peakMemoryBytes, 60ll << 20);
                         EXPECT_LE(o.usage.peakMemoryBytes, 64ll << 20);
                     }});
    }
    {
        Job r{py(R"(
import os, time
n = 0
try:
    while n < 1000:
        if os.fork() == 0:
            time.sleep(30); os._exit(0)
        n += 1
except OSError as e: print("stopped", n, e.errno)
)")};
        r.pidsMax = 20;
        c.push_back({"pids_limit_stops_fork_bomb", r, [](const Outcome& o) {
                         EXPECT_NE(o.out.find("stopped"), std::string::npos);
                         EXPECT_NE(o.out.find(" 11"), std::string::npos);  // EAGAIN
                         EXPECT_TRUE(exitedWith(o, 0));
                     }});
    }
    c.push_back({"privileged_syscalls_refused", {py(syscallProbe())}, [](const Outcome& o) {
                     for (const char* name : {"ptrace", "mount", "unshare_user", "unshare_ns", "setns", "bpf", "keyctl",
                                              "add_key", "perf_event_open", "userfaultfd", "io_uring_setup", "personality_norandom"}) {
                         EXPECT_NE(o.out.find(std::string(name) + " 1\n"), std::string::npos) << name << " must be EPERM";
                     }
                     // uid 0 is not mapped in the sandbox's user namespace: setuid(0) cannot succeed.
                     EXPECT_TRUE(o.out.find("setuid0 1\n") != std::string::npos || o.out.find("setuid0 22\n") != std::string::npos);
                     EXPECT_NE(o.out.find("clone3 38\n"), std::string::npos);  // ENOSYS: glibc falls back to clone
                     EXPECT_NE(o.out.find("uid 1000 1000"), std::string::npos);
                 }});
    c.push_back({"nested_user_namespace_refused", {sh("unshare -U true 2>&1; unshare -r id 2>&1; echo done")},
                 [](const Outcome& o) {
                     EXPECT_NE(o.out.find("Operation not permitted"), std::string::npos);
                     EXPECT_EQ(o.out.find("uid=0"), std::string::npos);
                 }});
    c.push_back({"no_capabilities_and_no_new_privs", {sh("grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/self/status")},
                 [](const Outcome& o) {
                     for (const char* f : {"CapInh:\t0000000000000000", "CapPrm:\t0000000000000000", "CapEff:\t0000000000000000",
                                           "CapBnd:\t0000000000000000", "CapAmb:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2"}) {
                         EXPECT_NE(o.out.find(f), std::string::npos) << f;
                     }
                 }});
    c.push_back({"open_files_limited", {py(R"(
fs = []
try:
    for i in range(10000): fs.append(open("/dev/null"))
except OSError as e: print("stopped", len(fs), e.errno)
)")}, [](const Outcome& o) {
                     EXPECT_NE(o.out.find("stopped 10"), std::string::npos);  // ~1020 of 1024
                     EXPECT_NE(o.out.find(" 24"), std::string::npos);         // EMFILE
                 }});
    c.push_back({"no_core_dumps", {sh("ulimit -c; cd /tmp; sh -c 'kill -SEGV $$'; ls /tmp | grep -c core")},
                 [](const Outcome& o) { EXPECT_EQ(o.out, "0\n0\n"); }});
    c.push_back({"only_fds_0_to_3_inherited", {py("import os; print(sorted(int(f) for f in os.listdir('/proc/self/fd')))")},
                 [](const Outcome& o) {
                     // 4 is listdir's own directory fd.
                     EXPECT_EQ(o.out, "[0, 1, 2, 3, 4]\n");
                 }});
    c.push_back({"clean_environment", {py("import os; print(sorted(os.environ.items()))")}, [](const Outcome& o) {
                     EXPECT_EQ(o.out, "[('LANG', 'C.UTF-8'), ('PATH', '/usr/bin:/bin')]\n");
                 }});
    c.push_back({"minimal_dev", {sh("ls /dev | tr '\\n' ' '; echo x > /dev/null && echo null-ok; head -c 4 /dev/urandom | wc -c")},
                 [](const Outcome& o) {
                     EXPECT_EQ(o.out, "fd full null random stderr stdin stdout urandom zero null-ok\n4\n");
                 }});
    c.push_back({"own_hostname_and_ids", {sh("hostname; id -u; id -g; cat /proc/self/uid_map")}, [](const Outcome& o) {
                     EXPECT_EQ(o.out.substr(0, o.out.find("\n")), "sandbox");
                     EXPECT_NE(o.out.find("\n1000\n1000\n"), std::string::npos);
                     EXPECT_NE(o.out.find("1000     200"), std::string::npos);  // 1000 -> the host range
                 }});
    c.push_back({"python_runs", {py("import json; print(json.dumps({'ok': 1+1}))")}, [](const Outcome& o) {
                     EXPECT_EQ(o.out, "{\"ok\": 2}\n");
                     EXPECT_TRUE(exitedWith(o, 0));
                 }});
    c.push_back({"node_runs", {{"/usr/bin/node", "-e", "console.log(JSON.stringify({ok: 1+1}))"}}, [](const Outcome& o) {
                     EXPECT_EQ(o.out, "{\"ok\":2}\n");
                     EXPECT_TRUE(exitedWith(o, 0));
                 }});
    c.push_back({"exit_code_is_passed_through", {sh("exit 7")}, [](const Outcome& o) { EXPECT_TRUE(exitedWith(o, 7)); }});
    c.push_back({"signal_is_passed_through", {sh("kill -TERM $$")}, [](const Outcome& o) { EXPECT_TRUE(killedBy(o, SIGTERM)); }});
    c.push_back({"cpu_time_measured", {py("import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass")},
                 [](const Outcome& o) {
                     EXPECT_GE(o.usage.cpuTimeUs, 250000);
                     EXPECT_LT(o.usage.cpuTimeUs, 5000000);
                     EXPECT_GT(o.usage.peakMemoryBytes, 1 << 20);
                 }});
    return c;
}

class EscapeTable : public ::testing::TestWithParam<Case> {};

TEST_P(EscapeTable, IsContained) {
    const Case& c = GetParam();
    Outcome o = runToEnd(c.job);
    SCOPED_TRACE(describe(o));
    ASSERT_TRUE(o.launchError.empty());
    ASSERT_FALSE(o.timedOut);
    c.expect(o);
    auto left = waitNoLeftovers();
    EXPECT_TRUE(left.empty()) << left.front();
}

INSTANTIATE_TEST_SUITE_P(Sandbox, EscapeTable, ::testing::ValuesIn(cases()),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(SandboxNetwork, HostLoopbackListenerIsUnreachable) {
    // A listener on the host's loopback: reachable from the host, refused from the sandbox.
    int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(l, 4), 0);
    socklen_t len = sizeof a;
    ::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len);
    int port = ntohs(a.sin_port);
    Outcome o = runToEnd({py("import socket\ntry:\n socket.create_connection(('127.0.0.1', " + std::to_string(port) +
                             "), timeout=2); print('connected')\nexcept OSError as e: print('refused', e.errno)")});
    SCOPED_TRACE(describe(o));
    EXPECT_NE(o.out.find("refused 111"), std::string::npos);
    ::close(l);
}

}  // namespace
}  // namespace fw::test
