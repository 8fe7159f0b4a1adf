#include "metrics.hpp"

#include <cstdio>

namespace fw::controller {
namespace {

std::string num(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

std::string label(const char* k, const std::string& v) { return std::string(k) + "=\"" + escapeLabel(v) + "\""; }

void header(std::string& out, const char* name, const char* type, const char* help) {
    out += "# HELP ";
    out += name;
    out += " ";
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += " ";
    out += type;
    out += "\n";
}

}  // namespace

std::string escapeLabel(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

void Histogram::observe(double seconds) {
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        if (seconds <= kBuckets[i]) ++counts_[i];
    }
    ++count_;
    sum_ += seconds;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
    std::string sep = labels.empty() ? "" : ",";
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        out += name + "_bucket{" + labels + sep + "le=\"" + num(kBuckets[i]) + "\"} " +
               std::to_string(counts_[i]) + "\n";
    }
    out += name + "_bucket{" + labels + sep + "le=\"+Inf\"} " + std::to_string(count_) + "\n";
    out += name + "_sum{" + labels + "} " + num(sum_) + "\n";
    out += name + "_count{" + labels + "} " + std::to_string(count_) + "\n";
}

void Metrics::record(const std::string& ns, const RecordFacts& f) {
    ++activations_[{ns, f.entityPath, std::string(f.status)}];
    ++starts_[{ns, f.entityPath, std::string(startKindWord(f.startKind))}];
    duration_[ns].observe(static_cast<double>(f.durationMs) / 1000.0);
    wait_[ns].observe(static_cast<double>(f.waitMs) / 1000.0);
    if (f.initMs) init_[ns].observe(static_cast<double>(*f.initMs) / 1000.0);
    gbSeconds_[ns] += f.gbSeconds;
}

std::string Metrics::render(const InvokerStatus& inv) const {
    std::string out;
    header(out, "fw_activations_total", "counter", "Activations recorded, by namespace, action and status.");
    for (const auto& [k, n] : activations_) {
        out += "fw_activations_total{" + label("namespace", std::get<0>(k)) + "," +
               label("action", std::get<1>(k)) + "," + label("status", std::get<2>(k)) + "} " +
               std::to_string(n) + "\n";
    }
    header(out, "fw_activation_starts_total", "counter",
           "Activations by how their instance was obtained (cold, prewarmed, warm).");
    for (const auto& [k, n] : starts_) {
        out += "fw_activation_starts_total{" + label("namespace", std::get<0>(k)) + "," +
               label("action", std::get<1>(k)) + "," + label("start", std::get<2>(k)) + "} " +
               std::to_string(n) + "\n";
    }
    header(out, "fw_cold_starts_total", "counter", "Activations that started a new instance.");
    std::map<std::string, std::uint64_t> cold;
    for (const auto& [k, n] : starts_) {
        if (std::get<2>(k) == "cold") cold[std::get<0>(k)] += n;
    }
    for (const auto& [ns, n] : cold) {
        out += "fw_cold_starts_total{" + label("namespace", ns) + "} " + std::to_string(n) + "\n";
    }
    const std::pair<const char*, const std::map<std::string, Histogram>*> histos[] = {
        {"fw_activation_duration_seconds", &duration_},
        {"fw_activation_wait_seconds", &wait_},
        {"fw_activation_init_seconds", &init_}};
    const char* helps[] = {"Activation duration (init included on cold and prewarmed starts).",
                           "Time from acceptance to the start of the activation.",
                           "Initialisation time of cold and prewarmed starts."};
    for (std::size_t i = 0; i < 3; ++i) {
        header(out, histos[i].first, "histogram", helps[i]);
        for (const auto& [ns, h] : *histos[i].second) h.render(out, histos[i].first, label("namespace", ns));
    }
    header(out, "fw_billed_gigabyte_seconds_total", "counter", "Billed GB-seconds.");
    for (const auto& [ns, v] : gbSeconds_) {
        out += "fw_billed_gigabyte_seconds_total{" + label("namespace", ns) + "} " + num(v) + "\n";
    }
    header(out, "fw_instances", "gauge", "Function instances by state.");
    int starting = 0, idle = 0, busy = 0, prewarmed = 0;
    for (const auto& a : inv.actions) {
        starting += a.starting;
        idle += a.idle;
        busy += a.busy;
    }
    for (const auto& p : inv.prewarmed) prewarmed += p.count;
    for (auto [state, n] : {std::pair{"starting", starting}, {"idle", idle}, {"busy", busy}, {"prewarmed", prewarmed}}) {
        out += std::string("fw_instances{state=\"") + state + "\"} " + std::to_string(n) + "\n";
    }
    header(out, "fw_pool_memory_bytes", "gauge", "Memory the instance pool may reserve.");
    out += "fw_pool_memory_bytes " + std::to_string(inv.poolMb * 1024 * 1024) + "\n";
    header(out, "fw_pool_memory_used_bytes", "gauge", "Memory reserved by instances now.");
    out += "fw_pool_memory_used_bytes " + std::to_string(inv.usedMb * 1024 * 1024) + "\n";
    header(out, "fw_queue_length", "gauge", "Activations waiting for room in the pool.");
    out += "fw_queue_length " + std::to_string(inv.queued) + "\n";
    return out;
}

}  // namespace fw::controller
