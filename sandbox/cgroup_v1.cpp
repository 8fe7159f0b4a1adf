// cgroup v1: one directory per hierarchy we use (memory, pids, cpu, cpuacct; some may share a
// mount, e.g. "cpu,cpuacct"). This machine mounts each controller separately.
#include <algorithm>

#include "cgroup_common.hpp"
#include "fw/sandbox/cgroup.hpp"

namespace fw::sandbox {
namespace {

class V1Instance final : public InstanceCgroup {
public:
    V1Instance(CgroupFs& fs, std::vector<std::string> dirs, std::string memory, std::string cpuacct)
        : fs_(fs), dirs_(std::move(dirs)), memory_(std::move(memory)), cpuacct_(std::move(cpuacct)) {}

    Result<void> attach(pid_t pid) override {
        for (const auto& d : dirs_) {
            if (auto r = fs_.write(d + "/cgroup.procs", std::to_string(pid)); !r) return r;
        }
        return {};
    }

    std::vector<UsageCounter> counters() override {
        using F = UsageCounter::Field;
        std::vector<UsageCounter> out;
        if (!cpuacct_.empty()) out.push_back({cpuacct_ + "/cpuacct.usage", F::CpuTimeUs, {}, 1000});
        out.push_back({memory_ + "/memory.max_usage_in_bytes", F::PeakMemoryBytes, {}, 1});
        // "oom_kill N" exists since Linux 4.13; failcnt also counts reclaim, so it is not used.
        out.push_back({memory_ + "/memory.oom_control", F::OomKilled, {"oom_kill"}, 1});
        return out;
    }

    Result<CgroupUsage> usage() override { return readUsage(fs_, counters()); }

    Result<void> killAll() override {
        // The memory hierarchy holds every process of the instance (all are attached to all).
        return detail::killListed(fs_, memory_);
    }

    Result<void> remove() override {
        Result<void> first;
        for (const auto& d : dirs_) {
            auto r = detail::rmdirPatiently(fs_, d);
            if (!r && first) first = r;
        }
        return first;
    }

    std::vector<std::string> dirs() const override { return dirs_; }

private:
    CgroupFs& fs_;
    std::vector<std::string> dirs_;
    std::string memory_, cpuacct_;
};

class V1Backend final : public CgroupBackend {
public:
    V1Backend(CgroupV1Layout layout, CgroupFs& fs) : layout_(std::move(layout)), fs_(fs) {}

    std::string_view name() const override { return "v1"; }

    Result<std::unique_ptr<InstanceCgroup>> create(const std::string& parent, const std::string& id,
                                                   const CgroupLimits& limits) override {
        std::vector<std::string> made;
        auto fail = [&](Error e) -> Result<std::unique_ptr<InstanceCgroup>> {
            for (auto it = made.rbegin(); it != made.rend(); ++it) (void)fs_.rmdir(*it);
            return e;
        };
        for (const auto& mp : mounts()) {
            if (auto r = detail::mkdirs(fs_, mp, parent); !r) return fail(r.error());
            std::string dir = mp + "/" + parent + "/" + id;
            if (auto r = fs_.mkdir(dir); !r) return fail(r.error());
            made.push_back(dir);
        }
        auto inst = std::make_unique<V1Instance>(fs_, made, dirOf(layout_.memory, parent, id),
                                                 dirOf(layout_.cpuacct, parent, id));
        // Limits before attach: the process must never run unlimited.
        std::string mem = dirOf(layout_.memory, parent, id);
        auto bytes = std::to_string(limits.memoryBytes);
        if (auto r = fs_.write(mem + "/memory.limit_in_bytes", bytes); !r) return fail(r.error());
        // memsw must be >= limit_in_bytes, so it is written second. Without swap accounting
        // (no memsw file) there is nothing to forbid: memory.swappiness=0 keeps pages in RAM.
        if (fs_.exists(mem + "/memory.memsw.limit_in_bytes")) {
            if (auto r = fs_.write(mem + "/memory.memsw.limit_in_bytes", bytes); !r)
                return fail(r.error());
        } else if (fs_.exists(mem + "/memory.swappiness")) {
            if (auto r = fs_.write(mem + "/memory.swappiness", "0"); !r) return fail(r.error());
        }
        if (auto r = fs_.write(dirOf(layout_.pids, parent, id) + "/pids.max",
                               std::to_string(limits.pidsMax));
            !r)
            return fail(r.error());
        if (!layout_.cpu.empty()) {
            int shares = std::max(2, 1024 * limits.cpuWeightPercent / 100);
            if (auto r = fs_.write(dirOf(layout_.cpu, parent, id) + "/cpu.shares",
                                   std::to_string(shares));
                !r)
                return fail(r.error());
        }
        return std::unique_ptr<InstanceCgroup>(std::move(inst));
    }

    Result<int> removeStale(const std::string& parent, const std::optional<std::string>& id) override {
        std::vector<std::string> ids;
        if (id) {
            ids.push_back(*id);
        } else {
            for (const auto& mp : mounts()) {
                if (!fs_.exists(mp + "/" + parent)) continue;
                auto l = fs_.listDirs(mp + "/" + parent);
                if (!l) return l.error();
                for (auto& n : *l) {
                    if (std::find(ids.begin(), ids.end(), n) == ids.end()) ids.push_back(n);
                }
            }
        }
        int removed = 0;
        for (const auto& i : ids) {
            std::vector<std::string> dirs;
            for (const auto& mp : mounts()) {
                std::string d = mp + "/" + parent + "/" + i;
                if (fs_.exists(d)) dirs.push_back(d);
            }
            if (dirs.empty()) continue;
            std::string mem = dirOf(layout_.memory, parent, i);
            V1Instance inst(fs_, dirs, mem, "");
            // Kill in every hierarchy: a crash between attaches can leave a pid in only one.
            for (const auto& d : dirs) {
                if (auto r = detail::killListed(fs_, d); !r) return r.error();
            }
            if (auto r = inst.remove(); !r) return r.error();
            ++removed;
        }
        return removed;
    }

private:
    static std::string dirOf(const std::string& mp, const std::string& parent, const std::string& id) {
        return mp.empty() ? std::string() : mp + "/" + parent + "/" + id;
    }

    // Distinct mount points, memory first (it is the one killAll reads).
    std::vector<std::string> mounts() const {
        std::vector<std::string> out;
        for (const auto* m : {&layout_.memory, &layout_.pids, &layout_.cpu, &layout_.cpuacct}) {
            if (!m->empty() && std::find(out.begin(), out.end(), *m) == out.end()) out.push_back(*m);
        }
        return out;
    }

    CgroupV1Layout layout_;
    CgroupFs& fs_;
};

}  // namespace

std::unique_ptr<CgroupBackend> makeCgroupV1(const CgroupV1Layout& layout, CgroupFs& fs) {
    return std::make_unique<V1Backend>(layout, fs);
}

}  // namespace fw::sandbox
