// Cold-start cost of fw-sandbox: starts each runtime with and without the sandbox, interleaved
// round-robin (so drift and CPU steal hit every variant alike), and prints median, p10-p90 and
// the sandbox's ratio and added milliseconds. Variants per runtime:
//   plain            posix_spawn until reaped
//   fw-sandbox       through the SandboxLauncher exactly as fwd starts an instance: a request to
//                    the long-lived spawner (fork of a supervisor; a network namespace from its
//                    pool, which it refills when idle), the cgroup, namespaces, mounts,
//                    the filter, the runtime's own start, and its end until the "exit" report
//                    (after the cgroup's rmdir); from launch() until reap() returns
//   exec per instance  `fw-sandbox run --spec`, posix_spawn until reaped: the design before the
//                    spawner, for comparison
//   plain, in v1 cgroups  fork, write cgroup.procs of fresh v1 cgroups, exec: what cgroup
//                    membership itself costs here
// Then the cost of Process::usage() on a live instance (what the invoker does after each warm
// activation). Built with the tests (target fw-sandbox-start-bench), run by
// bench/sandbox_start.sh. Needs root. Not part of ctest.
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "fw/invoker/sandbox_launcher.hpp"

namespace {

double nowMs() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

enum class How { Plain, Launcher, ExecPerInstance, InCgroups };

struct Variant {
    std::string name;
    How how;
    std::vector<std::string> argv;
    bool network = false;
    std::vector<double> samples;
    std::vector<double> gone;  // Launcher: until the supervisor had exited as well
};

std::vector<char*> cArgs(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    return argv;
}

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "sandbox_start: %s\n", what.c_str());
    std::exit(1);
}

void expectSuccess(const std::string& what, int status) {
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die(what + " failed (status " + std::to_string(status) + ")");
}

// The plain runtime, attached to fresh v1 cgroups first (fork, write cgroup.procs, exec).
double runInCgroups(const std::vector<std::string>& args, const std::vector<std::string>& procs) {
    auto argv = cArgs(args);
    char path[] = "PATH=/usr/bin:/bin";
    char* envp[] = {path, nullptr};
    double t0 = nowMs();
    pid_t pid = fork();
    if (pid == 0) {
        for (const auto& p : procs) {
            int fd = open(p.c_str(), O_WRONLY);
            if (fd < 0 || write(fd, "0", 1) != 1) _exit(126);
            close(fd);
        }
        int null = open("/dev/null", O_RDWR);
        for (int fd = 0; fd <= 3; ++fd) dup2(null, fd);
        execve(argv[0], argv.data(), envp);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    double t = nowMs() - t0;
    expectSuccess(args[0] + " in cgroups", status);
    return t;
}

double runPlain(const std::vector<std::string>& args) {
    auto argv = cArgs(args);
    char path[] = "PATH=/usr/bin:/bin";
    char* envp[] = {path, nullptr};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    for (int fd = 0; fd <= 3; ++fd) posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", O_RDWR, 0);
    double t0 = nowMs();
    pid_t pid;
    if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp) != 0) die("posix_spawn " + args[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    double t = nowMs() - t0;
    posix_spawn_file_actions_destroy(&fa);
    expectSuccess(args[0], status);
    return t;
}

fw::invoker::LaunchSpec launchSpec(const std::vector<std::string>& argv, bool network, int devnull) {
    static int n = 0;
    fw::invoker::LaunchSpec spec;
    spec.instanceId = "b" + std::to_string(getpid()) + "-" + std::to_string(n++);
    spec.argv = argv;
    spec.env = {"PATH=/usr/bin:/bin"};
    spec.workDir = "/";
    spec.network = network;
    spec.stdinFd = spec.stdoutFd = spec.stderrFd = spec.resultFd = devnull;
    return spec;
}

// ms until the exit report (reap() returns), and in `gone` until the supervisor has exited too.
double runLauncher(fw::invoker::Launcher& launcher, const std::vector<std::string>& args, bool network, int devnull,
                   double* gone = nullptr) {
    auto spec = launchSpec(args, network, devnull);
    double t0 = nowMs();
    auto proc = launcher.launch(spec);
    if (!proc) die("launch " + args[0] + ": " + proc.error().message);
    int status = (*proc)->reap();
    double t = nowMs() - t0;
    pollfd p{(*proc)->exitFd(), POLLIN, 0};
    while (poll(&p, 1, -1) < 0) {
    }
    if (gone) *gone = nowMs() - t0;
    expectSuccess(args[0] + " in fw-sandbox", status);
    return t;
}

std::string writeSpec(const std::string& dir, const std::string& id, const std::vector<std::string>& argv) {
    std::string mounts;
    for (const auto& m : fw::invoker::SandboxLauncherOptions::defaultRuntimeMounts()) {
        struct stat st {};
        if (lstat(m.source.c_str(), &st) != 0) continue;
        mounts += std::string(mounts.empty() ? "" : ",") + "{\"source\":\"" + m.source + "\",\"target\":\"" + m.target + "\"}";
    }
    std::string args;
    for (const auto& a : argv) args += std::string(args.empty() ? "" : ",") + "\"" + a + "\"";
    std::string path = dir + "/" + id + ".json";
    std::ofstream(path) << "{\"id\":\"" << id << "\",\"argv\":[" << args << "],\"env\":[\"PATH=/usr/bin:/bin\"],"
                        << "\"mounts\":[" << mounts << "],\"stateDir\":\"" << dir << "/state\",\"hostUid\":299999,"
                        << "\"hostGid\":299999,\"cgroupParent\":\"fw-bench\",\"memoryMb\":256,\"network\":false}";
    return path;
}

double pct(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5)];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: fw-sandbox-start-bench <fw-sandbox> [runs=150] [idle-ms=20]\n");
        return 2;
    }
    std::string sandbox = argv[1];
    int runs = argc > 2 ? std::atoi(argv[2]) : 150;
    // Idle time before every sample, as between sporadic cold starts; the spawner refills its
    // pool of network namespaces when idle for 5 ms. 0: back to back.
    int gapMs = argc > 3 ? std::atoi(argv[3]) : 20;
    char tmpl[] = "/tmp/fw-bench-XXXXXX";
    if (!mkdtemp(tmpl)) die("mkdtemp");
    std::string dir = tmpl;
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

    fw::invoker::SandboxLauncherOptions opts;  // fwd's defaults, but its own state dir and parent
    opts.sandboxBinary = sandbox;
    opts.stateDir = dir + "/state";
    opts.cgroupParent = "fw-bench";
    auto launcher = fw::invoker::makeSandboxLauncher(opts);
    if (!launcher) die(launcher.error().message);

    struct Runtime {
        const char* name;
        std::vector<std::string> argv;
    };
    std::vector<Runtime> runtimes = {
        {"/bin/true", {"/bin/true"}},
        {"python3 -I -S -c pass", {"/usr/bin/python3", "-I", "-S", "-c", "pass"}},
        {"python3 -c pass", {"/usr/bin/python3", "-c", "pass"}},
        {"node -e 0", {"/usr/bin/node", "-e", "0"}},
    };
    std::vector<std::string> procs;
    for (const char* h : {"memory", "pids", "cpu", "cpuacct"}) {
        std::string d = std::string("/sys/fs/cgroup/") + h;
        if (access((d + "/cgroup.procs").c_str(), F_OK) != 0) continue;  // v1 only; skipped on a v2 host
        mkdir((d + "/fw-bench").c_str(), 0755);
        mkdir((d + "/fw-bench/plain").c_str(), 0755);
        procs.push_back(d + "/fw-bench/plain/cgroup.procs");
    }
    std::vector<Variant> vs;
    int n = 0;
    for (const auto& r : runtimes) {
        vs.push_back({std::string(r.name) + " [plain]", How::Plain, r.argv});
        vs.push_back({std::string(r.name) + " [fw-sandbox]", How::Launcher, r.argv});
        vs.push_back({std::string(r.name) + " [exec per instance]", How::ExecPerInstance,
                      {sandbox, "run", "--spec=" + writeSpec(dir, "s" + std::to_string(n++), r.argv)}});
        if (!procs.empty()) vs.push_back({std::string(r.name) + " [plain, in v1 cgroups]", How::InCgroups, r.argv});
    }
    // The network namespace is the one expensive namespace (the spawner keeps two ready, made
    // while it is idle): what sharing the host's saves on top of that.
    vs.push_back({"/bin/true [fw-sandbox, host netns]", How::Launcher, {"/bin/true"}, true});

    auto once = [&](Variant& v) {
        switch (v.how) {
            case How::Plain: return runPlain(v.argv);
            case How::ExecPerInstance: return runPlain(v.argv);
            case How::InCgroups: return runInCgroups(v.argv, procs);
            case How::Launcher: break;
        }
        double gone = 0;
        double t = runLauncher(**launcher, v.argv, v.network, devnull, &gone);
        v.gone.push_back(gone);
        return t;
    };
    for (auto& v : vs) {
        for (int i = 0; i < 5; ++i) once(v);  // warm-up: page cache, dentries
        v.gone.clear();
    }
    for (int i = 0; i < runs; ++i) {
        for (auto& v : vs) {
            if (gapMs > 0) usleep(static_cast<useconds_t>(gapMs) * 1000);
            v.samples.push_back(once(v));
        }
    }

    // Process::usage() of a live instance, as the invoker calls it after each warm activation.
    std::vector<double> usageUs;
    {
        auto spec = launchSpec({"/bin/sleep", "60"}, false, devnull);
        auto proc = (*launcher)->launch(spec);
        if (!proc) die("launch sleep: " + proc.error().message);
        for (int i = 0; i < 2000; ++i) {
            double t0 = nowMs();
            auto u = (*proc)->usage();
            usageUs.push_back((nowMs() - t0) * 1000);
            if (u.peakMemoryBytes <= 0) die("usage() of a live instance read no peak memory");
        }
        (*proc)->kill();
        (*proc)->reap();
    }

    std::printf("%d runs each, interleaved, %d ms idle before each; ms until reaped (fw-sandbox: from launch() until the exit report)\n\n",
                runs, gapMs);
    std::printf("%-44s %8s %8s %8s\n", "variant", "median", "p10", "p90");
    for (const auto& v : vs) {
        std::printf("%-44s %8.2f %8.2f %8.2f\n", v.name.c_str(), pct(v.samples, 0.5), pct(v.samples, 0.1), pct(v.samples, 0.9));
    }
    std::size_t per = procs.empty() ? 3 : 4;
    std::printf("\n%-24s %7s %14s %20s %14s\n", "runtime", "ratio", "added median", "exec per instance", "cgroup membership");
    for (std::size_t i = 0; i < runtimes.size(); ++i) {
        const auto& base = vs[i * per];
        double plain = pct(base.samples, 0.5), boxed = pct(vs[i * per + 1].samples, 0.5);
        std::printf("%-24s %6.2fx %11.2f ms %17.2f ms", runtimes[i].name, boxed / plain, boxed - plain,
                    pct(vs[i * per + 2].samples, 0.5) - plain);
        if (per == 4) std::printf(" %11.2f ms", pct(vs[i * per + 3].samples, 0.5) - plain);
        std::printf("\n");
    }
    std::printf("\nfw-sandbox until its supervisor process had exited too (what fwd's exitFd() waits for):\n");
    for (const auto& v : vs) {
        if (!v.gone.empty()) std::printf("%-44s %8.2f %8.2f %8.2f\n", v.name.c_str(), pct(v.gone, 0.5), pct(v.gone, 0.1), pct(v.gone, 0.9));
    }
    std::printf("host netns instead of a pooled one: %+.2f ms (median, /bin/true)\n",
                pct(vs.back().samples, 0.5) - pct(vs[1].samples, 0.5));
    std::printf("usage() of a live instance: %.1f us median, p90 %.1f us (%zu calls)\n", pct(usageUs, 0.5),
                pct(usageUs, 0.9), usageUs.size());

    launcher->reset();
    for (int i = 0; i < n; ++i) unlink((dir + "/s" + std::to_string(i) + ".json").c_str());
    rmdir((dir + "/state/root").c_str());
    rmdir((dir + "/state").c_str());
    rmdir(dir.c_str());
    for (const char* h : {"memory", "pids", "cpu", "cpuacct"}) {
        rmdir((std::string("/sys/fs/cgroup/") + h + "/fw-bench/plain").c_str());
        rmdir((std::string("/sys/fs/cgroup/") + h + "/fw-bench").c_str());
    }
    return 0;
}
