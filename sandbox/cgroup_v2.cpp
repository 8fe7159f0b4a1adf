// cgroup v2: one directory in the unified hierarchy. Controllers must be enabled in every
// ancestor's cgroup.subtree_control, and (the no-internal-process rule) the parent must hold no
// processes itself, so <parent> is a cgroup of its own that only holds instance cgroups.
#include <sstream>

#include "cgroup_common.hpp"
#include "fw/sandbox/cgroup.hpp"

namespace fw::sandbox {
namespace {

class V2Instance final : public InstanceCgroup {
public:
    V2Instance(CgroupFs& fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}

    Result<void> attach(pid_t pid) override {
        return fs_.write(dir_ + "/cgroup.procs", std::to_string(pid));
    }

    std::vector<UsageCounter> counters() override {
        using F = UsageCounter::Field;
        // cpu.stat's usage_usec is core (present even without the cpu controller).
        std::vector<UsageCounter> out{{dir_ + "/cpu.stat", F::CpuTimeUs, {"usage_usec"}, 1}};
        // memory.peak exists since Linux 5.19; before that only the current usage is known.
        for (const char* f : {"/memory.peak", "/memory.current"}) {
            if (!fs_.exists(dir_ + f)) continue;
            out.push_back({dir_ + f, F::PeakMemoryBytes, {}, 1});
            break;
        }
        if (fs_.exists(dir_ + "/memory.events"))
            out.push_back({dir_ + "/memory.events", F::OomKilled, {"oom_kill", "oom_group_kill"}, 1});
        return out;
    }

    Result<CgroupUsage> usage() override { return readUsage(fs_, counters()); }

    Result<void> killAll() override {
        // cgroup.kill (Linux 5.14) kills atomically, forks in flight included.
        if (fs_.exists(dir_ + "/cgroup.kill")) return fs_.write(dir_ + "/cgroup.kill", "1");
        return detail::killListed(fs_, dir_);
    }

    Result<void> remove() override { return detail::rmdirPatiently(fs_, dir_); }

    std::vector<std::string> dirs() const override { return {dir_}; }

private:
    CgroupFs& fs_;
    std::string dir_;
};

class V2Backend final : public CgroupBackend {
public:
    V2Backend(std::string root, CgroupFs& fs, bool require)
        : root_(std::move(root)), fs_(fs), require_(require) {}

    std::string_view name() const override { return "v2"; }

    Result<std::unique_ptr<InstanceCgroup>> create(const std::string& parent, const std::string& id,
                                                   const CgroupLimits& limits) override {
        if (auto r = detail::mkdirs(fs_, root_, parent); !r) return r.error();
        // Enable the controllers top-down: a controller can be enabled in a cgroup's
        // subtree_control only when it is enabled in its parent's.
        std::string level = root_;
        std::istringstream in(parent);
        for (std::string comp;; level += "/" + comp) {
            if (auto r = enableControllers(level); !r) return r.error();
            if (!std::getline(in, comp, '/')) break;
        }
        std::string dir = root_ + "/" + parent + "/" + id;
        if (auto r = fs_.mkdir(dir); !r) return r.error();
        auto fail = [&](Error e) -> Result<std::unique_ptr<InstanceCgroup>> {
            (void)fs_.rmdir(dir);
            return e;
        };
        auto set = [&](const char* file, const std::string& value, bool needed) -> Result<void> {
            std::string path = dir + "/" + file;
            if (!needed && !fs_.exists(path)) return {};
            return fs_.write(path, value);
        };
        // Limits before attach: the process must never run unlimited.
        if (auto r = set("memory.max", std::to_string(limits.memoryBytes), require_); !r)
            return fail(r.error());
        // No swap: otherwise memory.max only moves pages to swap instead of OOM-killing.
        if (auto r = set("memory.swap.max", "0", false); !r) return fail(r.error());
        // One OOM kill takes the whole instance, as on v1 where the pid-1 init then exits.
        if (auto r = set("memory.oom.group", "1", false); !r) return fail(r.error());
        if (auto r = set("pids.max", std::to_string(limits.pidsMax), require_); !r)
            return fail(r.error());
        int weight = std::clamp(limits.cpuWeightPercent, 1, 10000);
        if (auto r = set("cpu.weight", std::to_string(weight), false); !r) return fail(r.error());
        return std::unique_ptr<InstanceCgroup>(std::make_unique<V2Instance>(fs_, dir));
    }

    Result<int> removeStale(const std::string& parent, const std::optional<std::string>& id) override {
        std::string base = root_ + "/" + parent;
        if (!fs_.exists(base)) return 0;
        std::vector<std::string> ids;
        if (id) {
            ids.push_back(*id);
        } else {
            auto l = fs_.listDirs(base);
            if (!l) return l.error();
            ids = *l;
        }
        int removed = 0;
        for (const auto& i : ids) {
            std::string dir = base + "/" + i;
            if (!fs_.exists(dir)) continue;
            V2Instance inst(fs_, dir);
            if (auto r = inst.killAll(); !r) return r.error();
            if (auto r = inst.remove(); !r) return r.error();
            ++removed;
        }
        return removed;
    }

private:
    Result<void> enableControllers(const std::string& cgroup) {
        auto avail = fs_.read(cgroup + "/cgroup.controllers");
        if (!avail) return avail.error();
        auto enabled = fs_.read(cgroup + "/cgroup.subtree_control");
        if (!enabled) return enabled.error();
        for (const char* c : {"memory", "pids", "cpu"}) {
            bool has = false, on = false;
            std::istringstream a(*avail), e(*enabled);
            for (std::string w; a >> w;) has = has || w == c;
            for (std::string w; e >> w;) on = on || w == c;
            if (on) continue;
            if (!has) {
                if (require_ && std::string_view(c) != "cpu")
                    return Error{Errc::SandboxFailed, "cgroup v2: controller " + std::string(c) +
                                                          " is not available in " + cgroup};
                continue;
            }
            if (auto r = fs_.write(cgroup + "/cgroup.subtree_control", std::string("+") + c); !r)
                return r;
        }
        return {};
    }

    std::string root_;
    CgroupFs& fs_;
    bool require_;
};

}  // namespace

std::unique_ptr<CgroupBackend> makeCgroupV2(const std::string& root, CgroupFs& fs,
                                            bool requireControllers) {
    return std::make_unique<V2Backend>(root, fs, requireControllers);
}

}  // namespace fw::sandbox
