// The cgroup backends' file operations against a fake tree in a temp dir. FakeKernel gives the
// tree the kernel's behaviour where the backends depend on it: mkdir populates control files,
// writes to missing files fail, cgroup.procs appends, subtree_control takes "+ctrl", rmdir of a
// populated cgroup is EBUSY, cgroup.kill empties cgroup.procs. This is how v2 limits and memory
// events are verified on a host whose cgroup2 mount has no memory controller.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "fw/sandbox/cgroup.hpp"

namespace fw::sandbox {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

class FakeKernel : public CgroupFs {
public:
    // Files (name -> initial content) that mkdir of `dir` creates.
    std::function<std::map<std::string, std::string>(const std::string& dir)> filesFor;
    std::vector<std::pair<std::string, std::string>> writes;

    Result<void> mkdir(const std::string& path) override {
        if (::mkdir(path.c_str(), 0755) != 0) return Error{Errc::SandboxFailed, sysError("mkdir(\"" + path + "\")", errno)};
        for (const auto& [name, content] : filesFor(path)) std::ofstream(path + "/" + name) << content;
        return {};
    }
    Result<void> rmdir(const std::string& path) override {
        if (!slurp(path + "/cgroup.procs").empty()) return Error{Errc::SandboxFailed, sysError("rmdir(\"" + path + "\")", EBUSY)};
        for (const auto& e : fs::directory_iterator(path)) {
            if (e.is_directory()) return Error{Errc::SandboxFailed, sysError("rmdir(\"" + path + "\")", ENOTEMPTY)};
        }
        fs::remove_all(path);
        return {};
    }
    Result<void> write(const std::string& path, std::string_view value) override {
        if (!fs::exists(path)) return Error{Errc::SandboxFailed, sysError("open(\"" + path + "\", O_WRONLY)", ENOENT)};
        writes.emplace_back(path, std::string(value));
        std::string name = fs::path(path).filename();
        if (name == "cgroup.procs") {
            std::ofstream(path, std::ios::app) << value << "\n";
        } else if (name == "cgroup.subtree_control") {
            std::string cur = slurp(path);
            std::ofstream(path) << (cur.empty() ? "" : cur + " ") << value.substr(1);
        } else if (name == "cgroup.kill") {
            std::ofstream(fs::path(path).parent_path() / "cgroup.procs", std::ios::trunc);
        } else {
            std::ofstream(path, std::ios::trunc) << value;
        }
        return {};
    }
    // cgroup.controllers is live in the kernel: what the parent's subtree_control enables now.
    Result<std::string> read(const std::string& path) override {
        if (fs::path(path).filename() == "cgroup.controllers" && liveControllers) {
            auto parent = fs::path(path).parent_path().parent_path().string() + "/cgroup.subtree_control";
            if (fs::exists(parent)) return slurp(parent);
        }
        return CgroupFs::read(path);
    }
    bool liveControllers = false;
    std::string valueWritten(const std::string& path) const {
        for (auto it = writes.rbegin(); it != writes.rend(); ++it) {
            if (it->first == path) return it->second;
        }
        return "<never written>";
    }
};

class TempDir {
public:
    TempDir() {
        char t[] = "/tmp/fw-cgroup-fake-XXXXXX";
        path = ::mkdtemp(t);
    }
    ~TempDir() { fs::remove_all(path); }
    std::string path;
};

// ---------------------------------------------------------------- probing

const char* kThisMachine =
    "32 25 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "33 32 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "34 32 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "36 32 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "40 32 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "41 32 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "42 32 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

TEST(SandboxCgroupProbe, ParsesMountinfo) {
    auto m = parseCgroupMounts(std::string(kThisMachine) +
                               "50 32 0:40 / /sys/fs/cgroup/cpu,cpuacct rw shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
                               "51 25 0:41 / /mnt/with\\040space rw - cgroup2 none rw,nsdelegate\n");
    ASSERT_EQ(m.size(), 8u);
    EXPECT_EQ(m[0].mountPoint, "/sys/fs/cgroup/cpu");
    EXPECT_EQ(m[0].controllers, std::vector<std::string>{"cpu"});
    EXPECT_EQ(m[4].controllers, std::vector<std::string>{"name=systemd"});
    EXPECT_TRUE(m[5].v2);
    EXPECT_EQ(m[6].controllers, (std::vector<std::string>{"cpu", "cpuacct"}));  // optional field skipped
    EXPECT_EQ(m[7].mountPoint, "/mnt/with space");
    EXPECT_EQ(m[7].rootFlags, std::vector<std::string>{"nsdelegate"});
    EXPECT_TRUE(m[5].rootFlags.empty());
}

TEST(SandboxCgroupProbe, FavorDynmodsKeepsTheOtherRootFlags) {
    // A cgroup2 context sets every root flag: one left out would be cleared host-wide.
    using V = std::vector<std::string>;
    EXPECT_EQ(rootFlagsWith({}, true), V{"favordynmods"});
    EXPECT_EQ(rootFlagsWith({"nsdelegate", "memory_recursiveprot"}, true),
              (V{"nsdelegate", "memory_recursiveprot", "favordynmods"}));
    EXPECT_EQ(rootFlagsWith({"nsdelegate", "favordynmods", "memory_recursiveprot"}, false),
              (V{"nsdelegate", "memory_recursiveprot"}));
    EXPECT_EQ(rootFlagsWith({"favordynmods"}, true), V{"favordynmods"});
}

TEST(SandboxCgroupProbe, ChoosesTheBackendByWhatIsMounted) {
    TempDir t;
    FakeKernel k;
    k.filesFor = [](const std::string&) { return std::map<std::string, std::string>{}; };
    std::string v2 = t.path + "/v2";
    fs::create_directories(v2);
    std::string mi2 = "42 32 0:38 / " + v2 + " rw - cgroup2 cgroup2 rw\n";

    struct Case {
        const char* name;
        std::string mountinfo, forced, controllers, want, error;
    };
    const Case cases[] = {
        {"v1 host (this machine)", kThisMachine, "auto", "", "v1", ""},
        {"pure v2 host", mi2, "auto", "cpuset cpu io memory pids", "v2", ""},
        {"v2 without memory", mi2, "auto", "cpu io pids", "", "the memory controller is not available"},
        {"v2 forced on a v1 host", std::string(kThisMachine).substr(0, std::string(kThisMachine).find("42 32")) + mi2, "v2", "hugetlb", "",
         "the memory controller is not available"},
        {"v1 forced without v1", mi2, "v1", "memory pids", "", "no hierarchy with the memory controller"},
        {"nothing mounted", "", "auto", "", "", "no usable cgroup hierarchy"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        std::ofstream(v2 + "/cgroup.controllers", std::ios::trunc) << c.controllers << "\n";
        auto b = probeCgroupBackendFrom(c.mountinfo, c.forced, "", k);
        if (c.error.empty()) {
            ASSERT_TRUE(b) << b.error().message;
            EXPECT_EQ((*b)->name(), c.want);
        } else {
            ASSERT_FALSE(b);
            EXPECT_NE(b.error().message.find(c.error), std::string::npos) << b.error().message;
        }
    }
}

TEST(SandboxCgroupProbe, CpuShareIsProportionalToMemory) {
    EXPECT_EQ(limitsFor(256, 64).cpuWeightPercent, 100);
    EXPECT_EQ(limitsFor(128, 64).cpuWeightPercent, 50);
    EXPECT_EQ(limitsFor(512, 64).cpuWeightPercent, 200);
    EXPECT_EQ(limitsFor(1, 64).cpuWeightPercent, 1);
    EXPECT_EQ(limitsFor(128, 64).memoryBytes, 128ll << 20);
}

// ---------------------------------------------------------------- v1

struct V1Tree {
    TempDir t;
    FakeKernel k;
    CgroupV1Layout layout;
    V1Tree() {
        layout = {t.path + "/memory", t.path + "/pids", t.path + "/cpu,cpuacct", t.path + "/cpu,cpuacct"};
        k.filesFor = [this](const std::string& dir) {
            std::map<std::string, std::string> f{{"cgroup.procs", ""}};
            if (dir.rfind(layout.memory, 0) == 0) {
                f["memory.limit_in_bytes"] = "9223372036854771712\n";
                f["memory.memsw.limit_in_bytes"] = "9223372036854771712\n";
                f["memory.max_usage_in_bytes"] = "0\n";
                f["memory.oom_control"] = "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n";
            } else if (dir.rfind(layout.pids, 0) == 0) {
                f["pids.max"] = "max\n";
            } else {
                f["cpu.shares"] = "1024\n";
                f["cpuacct.usage"] = "0\n";
            }
            return f;
        };
        for (const auto& m : {layout.memory, layout.pids, layout.cpu}) {
            fs::create_directories(m);
            for (const auto& [name, content] : k.filesFor(m)) std::ofstream(m + "/" + name) << content;
        }
    }
};

TEST(SandboxCgroupV1, CreateWritesLimitsInEveryHierarchy) {
    V1Tree tree;
    auto b = makeCgroupV1(tree.layout, tree.k);
    auto cg = b->create("firework/pool", "inst-1", limitsFor(128, 32));
    ASSERT_TRUE(cg) << cg.error().message;
    std::string mem = tree.layout.memory + "/firework/pool/inst-1";
    EXPECT_EQ(tree.k.valueWritten(mem + "/memory.limit_in_bytes"), "134217728");
    EXPECT_EQ(tree.k.valueWritten(mem + "/memory.memsw.limit_in_bytes"), "134217728");  // no swap
    EXPECT_EQ(tree.k.valueWritten(tree.layout.pids + "/firework/pool/inst-1/pids.max"), "32");
    EXPECT_EQ(tree.k.valueWritten(tree.layout.cpu + "/firework/pool/inst-1/cpu.shares"), "512");
    // memsw after the memory limit: the kernel refuses memsw < limit_in_bytes.
    std::size_t limitAt = 0, memswAt = 0;
    for (std::size_t i = 0; i < tree.k.writes.size(); ++i) {
        if (tree.k.writes[i].first == mem + "/memory.limit_in_bytes") limitAt = i;
        if (tree.k.writes[i].first == mem + "/memory.memsw.limit_in_bytes") memswAt = i;
    }
    EXPECT_LT(limitAt, memswAt);
    // cpu and cpuacct share a mount: one directory, not two.
    EXPECT_EQ((*cg)->dirs().size(), 3u);
}

TEST(SandboxCgroupV1, AttachUsageKillRemove) {
    V1Tree tree;
    auto cg = makeCgroupV1(tree.layout, tree.k)->create("fw", "i", limitsFor(256, 64));
    ASSERT_TRUE(cg);
    ASSERT_TRUE((*cg)->attach(4242));
    for (const auto& d : (*cg)->dirs()) EXPECT_EQ(slurp(d + "/cgroup.procs"), "4242\n") << d;
    std::string mem = tree.layout.memory + "/fw/i";
    std::ofstream(tree.layout.cpu + "/fw/i/cpuacct.usage", std::ios::trunc) << "1234567890\n";
    std::ofstream(mem + "/memory.max_usage_in_bytes", std::ios::trunc) << "67108864\n";
    std::ofstream(mem + "/memory.oom_control", std::ios::trunc) << "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n";
    auto u = (*cg)->usage();
    ASSERT_TRUE(u) << u.error().message;
    EXPECT_EQ(u->cpuTimeUs, 1234567);
    EXPECT_EQ(u->peakMemoryBytes, 64ll << 20);
    EXPECT_TRUE(u->oomKilled);
    // A populated cgroup cannot be removed (EBUSY): remove() retries, then reports the errno.
    for (const auto& d : (*cg)->dirs()) std::ofstream(d + "/cgroup.procs", std::ios::trunc);
    ASSERT_TRUE((*cg)->remove());
    for (const auto& d : (*cg)->dirs()) EXPECT_FALSE(fs::exists(d)) << d;
}

TEST(SandboxCgroupV1, CountersAreTheFilesUsageReads) {
    // The invoker reads these files itself (passed with "ready"), by the same rules.
    V1Tree tree;
    auto cg = makeCgroupV1(tree.layout, tree.k)->create("fw", "i", limitsFor(256, 64));
    ASSERT_TRUE(cg);
    using F = UsageCounter::Field;
    auto c = (*cg)->counters();
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(c[0].path, tree.layout.cpuacct + "/fw/i/cpuacct.usage");
    EXPECT_EQ(c[0].field, F::CpuTimeUs);
    EXPECT_EQ(c[0].divisor, 1000);
    EXPECT_EQ(c[1].path, tree.layout.memory + "/fw/i/memory.max_usage_in_bytes");
    EXPECT_EQ(c[2].path, tree.layout.memory + "/fw/i/memory.oom_control");
    EXPECT_EQ(c[2].keys, std::vector<std::string>{"oom_kill"});
    CgroupUsage u;
    applyCounter(c[0], "1234567890\n", u);
    applyCounter(c[2], "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", u);
    EXPECT_EQ(u.cpuTimeUs, 1234567);
    EXPECT_TRUE(u.oomKilled);
    EXPECT_EQ(fieldName(c[1].field), "peakMemoryBytes");
}

TEST(SandboxCgroupV1, FailedCreateLeavesNothing) {
    V1Tree tree;
    auto inner = tree.k.filesFor;
    // A kernel without pids.max in the new cgroup (e.g. a broken mount): create must undo mkdirs.
    tree.k.filesFor = [&](const std::string& dir) {
        auto f = inner(dir);
        f.erase("pids.max");
        return f;
    };
    auto cg = makeCgroupV1(tree.layout, tree.k)->create("fw", "i", limitsFor(256, 64));
    ASSERT_FALSE(cg);
    EXPECT_NE(cg.error().message.find("pids.max"), std::string::npos) << cg.error().message;
    for (const auto& m : {tree.layout.memory, tree.layout.pids, tree.layout.cpu}) EXPECT_FALSE(fs::exists(m + "/fw/i")) << m;
}

TEST(SandboxCgroupV1, RemoveStaleTakesEveryInstanceUnderTheParent) {
    V1Tree tree;
    auto b = makeCgroupV1(tree.layout, tree.k);
    ASSERT_TRUE(b->create("fw", "a", limitsFor(128, 8)));
    ASSERT_TRUE(b->create("fw", "b", limitsFor(128, 8)));
    ASSERT_TRUE(b->create("other", "c", limitsFor(128, 8)));
    auto one = b->removeStale("fw", std::string("a"));
    ASSERT_TRUE(one);
    EXPECT_EQ(*one, 1);
    auto all = b->removeStale("fw", std::nullopt);
    ASSERT_TRUE(all) << all.error().message;
    EXPECT_EQ(*all, 1);
    EXPECT_FALSE(fs::exists(tree.layout.memory + "/fw/b"));
    EXPECT_TRUE(fs::exists(tree.layout.memory + "/other/c"));  // not ours
}

// ---------------------------------------------------------------- v2

struct V2Tree {
    TempDir t;
    FakeKernel k;
    std::string root;
    bool withPeak = true;
    V2Tree() {
        root = t.path + "/unified";
        k.liveControllers = true;
        k.filesFor = [this](const std::string& dir) {
            // Interface files of a controller exist when the parent enabled it.
            std::string parentCtl = slurp(fs::path(dir).parent_path().string() + "/cgroup.subtree_control");
            std::map<std::string, std::string> f{{"cgroup.procs", ""},           {"cgroup.controllers", parentCtl},
                                                 {"cgroup.subtree_control", ""}, {"cgroup.kill", ""},
                                                 {"cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n"}};
            if (parentCtl.find("memory") != std::string::npos) {
                f["memory.max"] = "max\n";
                f["memory.swap.max"] = "max\n";
                f["memory.oom.group"] = "0\n";
                f["memory.current"] = "0\n";
                f["memory.events"] = "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n";
                if (withPeak) f["memory.peak"] = "0\n";
            }
            if (parentCtl.find("pids") != std::string::npos) f["pids.max"] = "max\n";
            if (parentCtl.find("cpu") != std::string::npos) f["cpu.weight"] = "100\n";
            return f;
        };
        fs::create_directories(root);
        std::ofstream(root + "/cgroup.controllers") << "cpuset cpu io memory hugetlb pids";
        std::ofstream(root + "/cgroup.subtree_control") << "";
        std::ofstream(root + "/cgroup.procs") << "1\n";
    }
};

TEST(SandboxCgroupV2, EnablesControllersTopDownAndWritesLimits) {
    V2Tree tree;
    auto cg = makeCgroupV2(tree.root, tree.k)->create("firework/pool", "inst-1", limitsFor(128, 32));
    ASSERT_TRUE(cg) << cg.error().message;
    for (const auto& level : {tree.root, tree.root + "/firework", tree.root + "/firework/pool"}) {
        std::string ctl = slurp(level + "/cgroup.subtree_control");
        for (const char* c : {"memory", "pids", "cpu"}) EXPECT_NE(ctl.find(c), std::string::npos) << level << " " << c;
    }
    std::string dir = tree.root + "/firework/pool/inst-1";
    EXPECT_EQ(tree.k.valueWritten(dir + "/memory.max"), "134217728");
    EXPECT_EQ(tree.k.valueWritten(dir + "/memory.swap.max"), "0");
    EXPECT_EQ(tree.k.valueWritten(dir + "/memory.oom.group"), "1");
    EXPECT_EQ(tree.k.valueWritten(dir + "/pids.max"), "32");
    EXPECT_EQ(tree.k.valueWritten(dir + "/cpu.weight"), "50");
    EXPECT_EQ((*cg)->dirs(), std::vector<std::string>{dir});
}

TEST(SandboxCgroupV2, UsageReadsCpuPeakAndOomEvents) {
    struct Case {
        const char* name;
        bool withPeak;
        const char* events;
        std::int64_t wantPeak;
        bool wantOom;
    };
    const Case cases[] = {
        {"peak and oom_kill", true, "oom 1\noom_kill 1\noom_group_kill 0\n", 5 << 20, true},
        {"group kill only", true, "oom 1\noom_kill 0\noom_group_kill 1\n", 5 << 20, true},
        {"no oom", true, "oom 0\noom_kill 0\n", 5 << 20, false},
        {"kernel before 5.19 (no memory.peak)", false, "oom_kill 0\n", 3 << 20, false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        V2Tree tree;
        tree.withPeak = c.withPeak;
        auto cg = makeCgroupV2(tree.root, tree.k)->create("fw", "i", limitsFor(128, 32));
        ASSERT_TRUE(cg) << cg.error().message;
        std::string dir = tree.root + "/fw/i";
        std::ofstream(dir + "/cpu.stat", std::ios::trunc) << "usage_usec 777\nuser_usec 700\nsystem_usec 77\n";
        if (c.withPeak) std::ofstream(dir + "/memory.peak", std::ios::trunc) << (5 << 20) << "\n";
        std::ofstream(dir + "/memory.current", std::ios::trunc) << (3 << 20) << "\n";
        std::ofstream(dir + "/memory.events", std::ios::trunc) << c.events;
        auto u = (*cg)->usage();
        ASSERT_TRUE(u) << u.error().message;
        EXPECT_EQ(u->cpuTimeUs, 777);
        EXPECT_EQ(u->peakMemoryBytes, c.wantPeak);
        EXPECT_EQ(u->oomKilled, c.wantOom);
    }
}

TEST(SandboxCgroupV2, CountersFollowWhatTheKernelOffers) {
    for (bool withPeak : {true, false}) {
        SCOPED_TRACE(withPeak ? "memory.peak" : "no memory.peak");
        V2Tree tree;
        tree.withPeak = withPeak;
        auto cg = makeCgroupV2(tree.root, tree.k)->create("fw", "i", limitsFor(128, 32));
        ASSERT_TRUE(cg) << cg.error().message;
        std::string dir = tree.root + "/fw/i";
        auto c = (*cg)->counters();
        ASSERT_EQ(c.size(), 3u);
        EXPECT_EQ(c[0].path, dir + "/cpu.stat");
        EXPECT_EQ(c[0].keys, std::vector<std::string>{"usage_usec"});
        EXPECT_EQ(c[1].path, dir + (withPeak ? "/memory.peak" : "/memory.current"));
        EXPECT_EQ(c[2].path, dir + "/memory.events");
        EXPECT_EQ(c[2].keys, (std::vector<std::string>{"oom_kill", "oom_group_kill"}));
    }
}

TEST(SandboxCgroupV2, KillUsesCgroupKillThenRemoves) {
    V2Tree tree;
    auto cg = makeCgroupV2(tree.root, tree.k)->create("fw", "i", limitsFor(128, 32));
    ASSERT_TRUE(cg);
    ASSERT_TRUE((*cg)->attach(999999));
    EXPECT_FALSE(tree.k.rmdir(tree.root + "/fw/i"));  // populated: EBUSY
    ASSERT_TRUE((*cg)->killAll());
    EXPECT_EQ(tree.k.valueWritten(tree.root + "/fw/i/cgroup.kill"), "1");
    ASSERT_TRUE((*cg)->remove());
    EXPECT_FALSE(fs::exists(tree.root + "/fw/i"));
}

TEST(SandboxCgroupV2, MissingControllerIsNamed) {
    V2Tree tree;
    std::ofstream(tree.root + "/cgroup.controllers", std::ios::trunc) << "cpu io pids";
    auto cg = makeCgroupV2(tree.root, tree.k)->create("fw", "i", limitsFor(128, 32));
    ASSERT_FALSE(cg);
    EXPECT_NE(cg.error().message.find("controller memory is not available in " + tree.root), std::string::npos) << cg.error().message;
}

TEST(SandboxCgroupV2, RemoveStale) {
    V2Tree tree;
    auto b = makeCgroupV2(tree.root, tree.k);
    ASSERT_TRUE(b->create("fw", "a", limitsFor(128, 8)));
    ASSERT_TRUE(b->create("fw", "b", limitsFor(128, 8)));
    std::ofstream(tree.root + "/fw/a/cgroup.procs") << "31337\n";
    auto n = b->removeStale("fw", std::nullopt);
    ASSERT_TRUE(n) << n.error().message;
    EXPECT_EQ(*n, 2);
    EXPECT_EQ(tree.k.valueWritten(tree.root + "/fw/a/cgroup.kill"), "1");
    EXPECT_FALSE(fs::exists(tree.root + "/fw/a"));
    EXPECT_EQ(*b->removeStale("absent", std::nullopt), 0);
}

}  // namespace
}  // namespace fw::sandbox
