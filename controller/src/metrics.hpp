// Prometheus metrics of the controller: counters and histograms fed by every activation record,
// rendered in the text exposition format together with gauges read from the invoker. Not
// thread-safe: owned by the io_context thread like the rest of the controller.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "fw/common/activation.hpp"
#include "activations.hpp"
#include "fw/common/json.hpp"

namespace fw::controller {

class Histogram {
public:
    static constexpr std::array<double, 15> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                                        0.05,  0.1,    0.25,  0.5,  1,
                                                        2.5,   5,      10,    30,   60};
    void observe(double seconds);
    // Appends name_bucket/_sum/_count lines with `labels` (already formatted, may be empty).
    void render(std::string& out, const std::string& name, const std::string& labels) const;

private:
    std::array<std::uint64_t, kBuckets.size()> counts_{};
    std::uint64_t count_ = 0;
    double sum_ = 0;
};

class Metrics {
public:
    // Counts one stored activation record.
    void record(const std::string& ns, const RecordFacts& facts);
    // The whole exposition, with the invoker's current state as gauges.
    std::string render(const InvokerStatus& invoker) const;

private:
    std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> activations_;  // ns, action, status
    std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> starts_;       // ns, action, kind
    std::map<std::string, Histogram> duration_, wait_, init_;  // by namespace
    std::map<std::string, double> gbSeconds_;                  // by namespace
};

// Escapes a label value for the text format (backslash, double quote, newline).
std::string escapeLabel(const std::string& v);

}  // namespace fw::controller
