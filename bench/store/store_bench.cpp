// The store's cost per activation, alone: the two writes every activation makes (its pending row,
// then record + ledger + pending delete), grouped B at a time as the store thread's group commit
// groups the writes that queue while it is busy. Prints CPU (user + system, so the kernel's WAL
// and checkpoint work counts) and wall time per activation for each batch size, interleaved.
//   fw-store-bench [--activations N] [--rounds R] [--dir DIR] [--no-pending] [--random-ids]
// --no-pending: the blocking path, one write per activation (no pending row);
// --random-ids: 32 random hex digits instead of fwd's time-ordered activation ids;
// --keep N: retention at N records, a pruning pass (fwd's batches of 100) every M activations
//   (--prune-every, default 10000): the steady state of a store under sustained load.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>
#include <algorithm>

#include "fw/common/util.hpp"
#include "fw/controller/store.hpp"

using fw::controller::Store;

namespace {

double cpuSeconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// A record of the size and shape fwd stores for a warm no-op activation.
std::string recordFor(const std::string& id, std::int64_t start) {
    return R"({"namespace":"guest","name":"noop","subject":"guest","activationId":")" + id +
           R"(","start":)" + std::to_string(start) + R"(,"end":)" + std::to_string(start + 1) +
           R"(,"duration":1,"response":{"status":"success","statusCode":0,"success":true,"result":{}},)"
           R"("logs":[],"version":"0.0.1","publish":false,"annotations":[{"key":"path","value":"guest/noop"},)"
           R"({"key":"waitTime","value":0},{"key":"kind","value":"python:3"},{"key":"timeout","value":false},)"
           R"({"key":"limits","value":{"concurrency":1,"instances":0,"logs":10,"memory":256,"timeout":60000}},)"
           R"({"key":"startKind","value":"warm"},{"key":"billedDuration","value":1},)"
           R"({"key":"gbSeconds","value":0.00025},{"key":"cpuTime","value":0.4},{"key":"peakMemory","value":9437184}]})";
}

struct Sample {
    double cpuUs = 0;
    double wallUs = 0;
};

struct Options {
    bool pending = true;     // false: a blocking invoke answered with its record writes no pending row
    bool randomIds = false;  // fully random ids, as fwd made them before they began with the time
    std::int64_t keep = 0;   // > 0: retention keeps this many records, pruned as fwd's pruner does
    int pruneEvery = 10000;  // activations between two pruning passes
};

// One pass of fwd's retention loop: bounded batches until one comes back short.
void prunePass(Store& store, const Options& o) {
    constexpr std::int64_t kBatch = 100;
    auto edges = store.retentionEdges(0, o.keep);
    if (!edges) {
        std::fprintf(stderr, "prune failed: %s\n", edges.error().message.c_str());
        std::exit(1);
    }
    while (true) {
        auto n = store.pruneActivations(*edges, kBatch);
        if (!n) {
            std::fprintf(stderr, "prune failed: %s\n", n.error().message.c_str());
            std::exit(1);
        }
        if (*n < kBatch) return;
    }
}

std::string idFor(const Options& o) { return o.randomIds ? fw::randomHex(16) : fw::newActivationId(); }

Sample runBatches(Store& store, const Options& o, int activations, int batch, std::int64_t& seq) {
    double c0 = cpuSeconds();
    auto t0 = std::chrono::steady_clock::now();
    for (int done = 0; done < activations; done += batch) {
        std::vector<std::string> ids;
        std::vector<Store::Write> accept, complete;
        for (int i = 0; i < batch; ++i) {
            std::int64_t start = 1700000000000 + seq++;
            std::string id = idFor(o);
            accept.push_back([id, start](Store& s) {
                return s.addPending({id, start, R"({"subject":"guest","action":"noop","params":{}})"});
            });
            complete.push_back([id, start, &o](Store& s) {
                fw::controller::UsageDelta u{"noop", start - start % 3600000, false, false, 0.00025, 0.0004};
                return s.completeActivation(id, "guest", "noop", start, recordFor(id, start), u,
                                            o.pending);
            });
        }
        if (!o.pending) accept.clear();
        for (const auto& r : store.writeBatch(accept)) {
            if (!r) {
                std::fprintf(stderr, "write failed: %s\n", r.error().message.c_str());
                std::exit(1);
            }
        }
        for (const auto& r : store.writeBatch(complete)) {
            if (!r) {
                std::fprintf(stderr, "write failed: %s\n", r.error().message.c_str());
                std::exit(1);
            }
        }
        if (o.keep > 0 && (done / batch) % std::max(1, o.pruneEvery / batch) == 0) prunePass(store, o);
    }
    auto t1 = std::chrono::steady_clock::now();
    return {(cpuSeconds() - c0) * 1e6 / activations,
            std::chrono::duration<double, std::micro>(t1 - t0).count() / activations};
}

}  // namespace

int main(int argc, char** argv) {
    int activations = 4000, rounds = 5;
    std::string dir = "/tmp/fw-store-bench";
    Options o;
    for (int i = 1; i < argc; ++i) {
        bool hasValue = i + 1 < argc;
        if (!std::strcmp(argv[i], "--no-pending")) o.pending = false;
        else if (!std::strcmp(argv[i], "--random-ids")) o.randomIds = true;
        else if (hasValue && !std::strcmp(argv[i], "--activations")) activations = std::atoi(argv[++i]);
        else if (hasValue && !std::strcmp(argv[i], "--rounds")) rounds = std::atoi(argv[++i]);
        else if (hasValue && !std::strcmp(argv[i], "--dir")) dir = argv[++i];
        else if (hasValue && !std::strcmp(argv[i], "--keep")) o.keep = std::atoll(argv[++i]);
        else if (hasValue && !std::strcmp(argv[i], "--prune-every")) o.pruneEvery = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr, "usage: fw-store-bench [--activations N] [--rounds R] [--dir DIR] "
                                 "[--no-pending] [--random-ids] [--keep N [--prune-every M]]\n");
            return 2;
        }
    }
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto opened = Store::open(std::filesystem::path(dir) / "fw.db");
    if (!opened) {
        std::fprintf(stderr, "%s\n", opened.error().message.c_str());
        return 1;
    }
    Store& store = **opened;
    // Retention prunes per namespace, so the records' namespace must exist as in fwd.
    if (auto r = store.createNamespace({"guest", fw::newUuid(), "h", "s"}); !r) {
        std::fprintf(stderr, "%s\n", r.error().message.c_str());
        return 1;
    }
    const std::vector<int> batches = {1, 2, 4, 8, 16, 32, 64};
    std::vector<std::vector<Sample>> samples(batches.size());
    std::int64_t seq = 0;
    for (int r = 0; r < rounds; ++r) {
        for (std::size_t b = 0; b < batches.size(); ++b) samples[b].push_back(runBatches(store, o, activations, batches[b], seq));
    }
    std::printf("%d activations x %d rounds per batch size, interleaved; %lld records written%s\n",
                activations, rounds, static_cast<long long>(seq),
                o.keep > 0 ? (", retention keeping " + std::to_string(o.keep)).c_str() : "");
    std::printf("%-6s %14s %14s\n", "batch", "CPU us/act", "wall us/act");
    for (std::size_t b = 0; b < batches.size(); ++b) {
        auto med = [&](auto field) {
            std::vector<double> v;
            for (const auto& s : samples[b]) v.push_back(s.*field);
            std::sort(v.begin(), v.end());
            return v[v.size() / 2];
        };
        std::printf("%-6d %14.1f %14.1f\n", batches[b], med(&Sample::cpuUs), med(&Sample::wallUs));
    }
    opened->reset();
    std::filesystem::remove_all(dir);
    return 0;
}
