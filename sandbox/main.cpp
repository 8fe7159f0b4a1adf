// fw-sandbox: builds one sandbox from a spec and runs a program in it (see docs/sandbox.md).
//   fw-sandbox run --control-fd=4            spec as the first datagram on fd 4 (the invoker)
//   fw-sandbox run --spec=FILE               spec from a file, errors on stderr (humans, tests)
//   fw-sandbox serve --request-fd=3          the spawner: one forked supervisor per request (the invoker)
//   fw-sandbox cleanup --cgroup-parent=NAME [--id=ID] [--cgroup-backend=auto|v1|v2] [--cgroup-root=DIR]
//   fw-sandbox profile [NAME]                prints the seccomp profile with its reasons
//   fw-sandbox favordynmods [on|off]         shows or sets the cgroup2 root flag favordynmods
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "fw/sandbox/contain.hpp"
#include "fw/sandbox/spawner.hpp"

namespace {

std::optional<std::string> option(int argc, char** argv, const char* name) {
    std::string prefix = std::string("--") + name + "=";
    for (int i = 2; i < argc; ++i) {
        if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) return std::string(argv[i] + prefix.size());
    }
    return std::nullopt;
}

int usage() {
    std::cerr << "usage: fw-sandbox run (--control-fd=N | --spec=FILE)\n"
                 "       fw-sandbox serve --request-fd=N\n"
                 "       fw-sandbox cleanup --cgroup-parent=NAME [--id=ID] [--cgroup-backend=auto|v1|v2] [--cgroup-root=DIR]\n"
                 "       fw-sandbox profile [NAME]\n"
                 "       fw-sandbox favordynmods [on|off]\n";
    return 2;
}

// 0..3 are the function's. Any that is closed is pointed at /dev/null so that no fd of ours
// lands there (the supervisor closes 0..3 after the clone).
void fillFunctionFds() {
    for (int fd = 0; fd <= 3; ++fd) {
        if (::fcntl(fd, F_GETFD) < 0) {
            int n = ::open("/dev/null", O_RDWR);
            if (n >= 0 && n != fd) {
                ::dup2(n, fd);
                ::close(n);
            }
        }
    }
}

int runSpec(const std::string& text, fw::sandbox::Channel& channel, int pooledNetns = -1) {
    using namespace fw::sandbox;
    auto spec = parseSpec(text);
    if (!spec) {
        channel.failed(spec.error().message);
        return kSetupFailedExit;
    }
    auto filter = builtinSeccompFilter(spec->seccompProfile);
    if (!filter) {
        channel.failed("unknown seccomp profile \"" + spec->seccompProfile + "\"");
        return kSetupFailedExit;
    }
    exitLike(runSandbox(*spec, *filter, channel, pooledNetns));
}

// One instance whose spec comes from the control socket `ctlFd` (>= 4): `run --control-fd` and
// every child of `serve` (with fd 4, and a pooled network namespace or -1) run this.
int runControlled(int ctlFd, int pooledNetns) {
    using namespace fw::sandbox;
    // Only 0..3 (the function's), the control socket and the pooled netns survive; whatever
    // else the invoker leaked is closed before anything else happens.
    for (int fd = 4; fd < ctlFd; ++fd) {
        if (fd != pooledNetns) ::close(fd);
    }
    int keepAbove = std::max(ctlFd, pooledNetns);
    if (pooledNetns > ctlFd) ::close_range(static_cast<unsigned>(ctlFd) + 1, static_cast<unsigned>(pooledNetns) - 1, 0);
    ::close_range(static_cast<unsigned>(keepAbove) + 1, ~0U, 0);
    fillFunctionFds();
    auto channel = makeSocketChannel(ctlFd);
    auto text = receiveSpecText(ctlFd, 10000);
    if (!text) {
        channel->failed(text.error().message);
        return kSetupFailedExit;
    }
    return runSpec(*text, *channel, pooledNetns);
}

int run(int argc, char** argv) {
    using namespace fw::sandbox;
    auto ctl = option(argc, argv, "control-fd");
    auto file = option(argc, argv, "spec");
    if (!ctl == !file) return usage();
    if (ctl) {
        int ctlFd = std::atoi(ctl->c_str());
        if (ctlFd < 4) {
            std::cerr << "fw-sandbox: --control-fd must be >= 4 (0..3 belong to the function)\n";
            return 2;
        }
        return runControlled(ctlFd, -1);
    }
    ::close_range(4, ~0U, 0);
    fillFunctionFds();
    auto channel = makeStderrChannel();
    std::ifstream in(*file);
    if (!in) {
        channel->failed("cannot read spec file " + *file);
        return kSetupFailedExit;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return runSpec(ss.str(), *channel);
}

// The long-lived spawner (spawner.hpp); the invoker starts it with the request socket as fd 3.
int serve(int argc, char** argv) {
    auto req = option(argc, argv, "request-fd");
    if (!req) return usage();
    int fd = std::atoi(req->c_str());
    if (fd < 3) {
        std::cerr << "fw-sandbox serve: --request-fd must be >= 3\n";
        return 2;
    }
    for (int i = 3; i < fd; ++i) ::close(i);
    ::close_range(static_cast<unsigned>(fd) + 1, ~0U, 0);
    return fw::sandbox::serveSpawner(fd, &runControlled);
}

int cleanup(int argc, char** argv) {
    auto parent = option(argc, argv, "cgroup-parent");
    if (!parent) return usage();
    auto id = option(argc, argv, "id");
    auto removed = fw::sandbox::cleanupStale(*parent, id, option(argc, argv, "cgroup-backend").value_or("auto"),
                                             option(argc, argv, "cgroup-root").value_or(""));
    if (!removed) {
        std::cerr << "fw-sandbox cleanup: " << removed.error().message << "\n";
        return 1;
    }
    std::cout << "removed " << *removed << " stale cgroup(s) under " << *parent << "\n";
    return 0;
}

int profile(int argc, char** argv) {
    std::string name = argc > 2 ? argv[2] : "default";
    auto rules = fw::sandbox::seccompProfile(name);
    if (rules.empty()) return usage();
    for (const auto& r : rules) {
        const char* action = r.action == fw::sandbox::SeccompAction::Kill    ? "KILL"
                             : r.action == fw::sandbox::SeccompAction::Enosys ? "ENOSYS"
                                                                                : "EPERM";
        std::printf("%-18s %-6s %s\n", r.syscall, action, r.reason);
    }
    return 0;
}

// fwd runs `favordynmods on` at start (see cgroup_dynmods.cpp and docs/sandbox.md).
int favorDynmods(int argc, char** argv) {
    if (argc == 2) {
        auto on = fw::sandbox::cgroupFavorDynmods();
        std::cout << (!on ? "unknown (no cgroup2 mount is visible)" : *on ? "on" : "off") << "\n";
        return 0;
    }
    std::string want = argv[2];
    if (argc != 3 || (want != "on" && want != "off")) return usage();
    auto r = fw::sandbox::setCgroupFavorDynmods(want == "on");
    if (!r) {
        std::cerr << "fw-sandbox favordynmods: " << r.error().message << "\n";
        return 1;
    }
    std::cout << *r << "\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    std::string cmd = argv[1];
    if (cmd == "run") return run(argc, argv);
    if (cmd == "serve") return serve(argc, argv);
    if (cmd == "cleanup") return cleanup(argc, argv);
    if (cmd == "profile") return profile(argc, argv);
    if (cmd == "favordynmods") return favorDynmods(argc, argv);
    return usage();
}
