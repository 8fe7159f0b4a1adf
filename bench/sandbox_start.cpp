// Cold-start cost of fw-sandbox: starts each runtime with and without the sandbox, interleaved
// round-robin (so drift and CPU steal hit every variant alike), and prints median, p10-p90 and
// the sandbox's ratio and added milliseconds. Each sample is posix_spawn until the process is
// reaped; with fw-sandbox that includes its exec, the cgroup, namespaces, mounts, the filter,
// the runtime's own start, and the teardown (cgroup rmdir) before fw-sandbox exits.
// Built and run by bench/sandbox_start.sh. Not part of ctest.
#include <fcntl.h>
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

namespace {

double nowMs() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct Variant {
    std::string name;
    std::vector<std::string> argv;
    std::vector<double> samples;
    bool inCgroups = false;
};

// The plain runtime, but attached to fresh v1 cgroups first (fork, write cgroup.procs, exec):
// separates what the sandbox's steps cost from what cgroup membership itself costs here.
double runInCgroups(const std::vector<std::string>& args, const std::vector<std::string>& procs) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
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
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "%s in cgroups failed (status %d)\n", args[0].c_str(), status);
        std::exit(1);
    }
    return t;
}

double runOnce(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    char path[] = "PATH=/usr/bin:/bin";
    char* envp[] = {path, nullptr};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    for (int fd = 0; fd <= 3; ++fd) posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", O_RDWR, 0);
    double t0 = nowMs();
    pid_t pid;
    if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp) != 0) {
        std::perror("posix_spawn");
        std::exit(1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    double t = nowMs() - t0;
    posix_spawn_file_actions_destroy(&fa);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "%s failed (status %d)\n", args[0].c_str(), status);
        std::exit(1);
    }
    return t;
}

double pct(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * (v.size() - 1) + 0.5)];
}

std::string writeSpec(const std::string& dir, const std::string& id, const std::vector<std::string>& argv, bool network) {
    std::string mounts;
    for (const char* p : {"/usr", "/bin", "/lib", "/lib64", "/etc/ld.so.cache", "/etc/ssl/certs"}) {
        mounts += std::string(mounts.empty() ? "" : ",") + "{\"source\":\"" + p + "\",\"target\":\"" + p + "\"}";
    }
    std::string args;
    for (const auto& a : argv) args += std::string(args.empty() ? "" : ",") + "\"" + a + "\"";
    std::string path = dir + "/" + id + ".json";
    std::ofstream(path) << "{\"id\":\"" << id << "\",\"argv\":[" << args << "],\"env\":[\"PATH=/usr/bin:/bin\"],"
                        << "\"mounts\":[" << mounts << "],\"stateDir\":\"" << dir << "/state\",\"hostUid\":299999,"
                        << "\"hostGid\":299999,\"cgroupParent\":\"fw-bench\",\"memoryMb\":256,\"network\":"
                        << (network ? "true" : "false") << "}";
    return path;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: sandbox_start <fw-sandbox> [runs=150]\n");
        return 2;
    }
    std::string sandbox = argv[1];
    int runs = argc > 2 ? std::atoi(argv[2]) : 150;
    char tmpl[] = "/tmp/fw-bench-XXXXXX";
    std::string dir = mkdtemp(tmpl);

    struct Pair {
        const char* name;
        std::vector<std::string> argv;
    };
    std::vector<Pair> pairs = {
        {"/bin/true", {"/bin/true"}},
        {"python3 -I -S -c pass", {"/usr/bin/python3", "-I", "-S", "-c", "pass"}},
        {"python3 -c pass", {"/usr/bin/python3", "-c", "pass"}},
        {"node -e 0", {"/usr/bin/node", "-e", "0"}},
    };
    std::vector<std::string> procs;
    for (const char* h : {"memory", "pids", "cpu", "cpuacct"}) {
        std::string d = std::string("/sys/fs/cgroup/") + h;
        if (access(d.c_str(), F_OK) != 0) continue;  // v1 only; on a v2 host this variant is skipped
        mkdir((d + "/fw-bench").c_str(), 0755);
        mkdir((d + "/fw-bench/plain").c_str(), 0755);
        procs.push_back(d + "/fw-bench/plain/cgroup.procs");
    }
    std::vector<Variant> vs;
    int n = 0;
    for (const auto& p : pairs) {
        vs.push_back({std::string(p.name) + " [plain]", p.argv, {}});
        std::string spec = writeSpec(dir, "b" + std::to_string(n++), p.argv, false);
        vs.push_back({std::string(p.name) + " [fw-sandbox]", {sandbox, "run", "--spec=" + spec}, {}});
        if (!procs.empty()) vs.push_back({std::string(p.name) + " [plain, in v1 cgroups]", p.argv, {}, true});
    }
    // The network namespace is the one expensive namespace: show its share.
    std::string shared = writeSpec(dir, "b" + std::to_string(n++), {"/bin/true"}, true);
    vs.push_back({"/bin/true [fw-sandbox, host netns]", {sandbox, "run", "--spec=" + shared}, {}});

    auto once = [&](const Variant& v) { return v.inCgroups ? runInCgroups(v.argv, procs) : runOnce(v.argv); };
    for (auto& v : vs) {
        for (int i = 0; i < 5; ++i) once(v);  // warm-up: page cache, dentries
    }
    for (int i = 0; i < runs; ++i) {
        for (auto& v : vs) v.samples.push_back(once(v));
    }

    std::printf("%d runs each, interleaved; ms from posix_spawn to reaped\n\n", runs);
    std::printf("%-38s %8s %8s %8s\n", "variant", "median", "p10", "p90");
    for (const auto& v : vs) {
        std::printf("%-38s %8.2f %8.2f %8.2f\n", v.name.c_str(), pct(v.samples, 0.5), pct(v.samples, 0.1), pct(v.samples, 0.9));
    }
    std::size_t per = procs.empty() ? 2 : 3;
    std::printf("\n%-24s %8s %14s %26s\n", "runtime", "ratio", "added median", "of which cgroup membership");
    for (std::size_t i = 0; i + per <= vs.size() - 1; i += per) {
        double plain = pct(vs[i].samples, 0.5), boxed = pct(vs[i + 1].samples, 0.5);
        std::printf("%-24s %7.2fx %11.2f ms", pairs[i / per].name, boxed / plain, boxed - plain);
        if (per == 3) std::printf(" %23.2f ms", pct(vs[i + 2].samples, 0.5) - plain);
        std::printf("\n");
    }
    std::printf("host netns instead of a new one: %+.2f ms (median, /bin/true)\n", pct(vs.back().samples, 0.5) - pct(vs[1].samples, 0.5));
    for (int i = 0; i < n; ++i) unlink((dir + "/b" + std::to_string(i) + ".json").c_str());
    rmdir((dir + "/state/root").c_str());
    rmdir((dir + "/state").c_str());
    rmdir(dir.c_str());
    for (const char* h : {"memory", "pids", "cpu", "cpuacct"}) {
        rmdir((std::string("/sys/fs/cgroup/") + h + "/fw-bench/plain").c_str());
        rmdir((std::string("/sys/fs/cgroup/") + h + "/fw-bench").c_str());
    }
    return 0;
}
