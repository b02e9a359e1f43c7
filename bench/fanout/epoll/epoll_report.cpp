#include "epoll_report.hpp"

#include <nlohmann/json.hpp>

#include <iomanip>

namespace parley::bench::epoll {

namespace {

nlohmann::json latencyJson(const LatencySummary& latency) {
    return {{"count", latency.count},
            {"p50", latency.p50.count()},
            {"p99", latency.p99.count()},
            {"max", latency.max.count()}};
}

nlohmann::json phaseJson(const PhaseReport& phase) {
    nlohmann::json json = {
        {"seconds", phase.seconds},
        {"deliveries", phase.deliveries},
        {"acks", phase.acks},
        {"deliveries_per_second", phase.deliveries_per_second},
        {"publishes_per_second", phase.publishes_per_second},
        {"paused_seconds", phase.paused_seconds},
        {"skipped", phase.skipped},
        {"client_cores", phase.client_cores},
        {"server_cores", phase.server_cores ? nlohmann::json(*phase.server_cores) : nullptr},
    };
    if (phase.target_deliveries_per_second > 0) {
        json["target_deliveries_per_second"] = phase.target_deliveries_per_second;
        json["latency_ms"] = latencyJson(phase.latency);
        json["read_latency_ms"] = latencyJson(phase.read_latency);
        json["first_receipt_ms"] = latencyJson(phase.first_receipt);
        json["receipt_spread_ms"] = latencyJson(phase.receipt_spread);
    }
    return json;
}

template <class T> nlohmann::json orNull(const std::optional<T>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

void printPhase(const char* title, const PhaseReport& phase, std::ostream& out) {
    out << title << ": " << std::fixed << std::setprecision(0) << phase.deliveries_per_second
        << " deliveries/s, " << phase.publishes_per_second << " publishes/s over "
        << std::setprecision(2) << phase.seconds << " s; cores: client " << phase.client_cores;
    if (phase.server_cores) {
        out << ", server " << *phase.server_cores;
    }
    out << "\n";
    if (phase.paused_seconds > 0) {
        out << "  publishers held back by the lag guard for " << phase.paused_seconds << " s\n";
    }
    if (phase.target_deliveries_per_second > 0) {
        out << "  send -> kernel receipt " << describe(phase.latency) << "\n  send -> read "
            << describe(phase.read_latency) << " at a target of " << std::setprecision(0)
            << phase.target_deliveries_per_second << " deliveries/s";
        out << (phase.skipped > 0 ? ", " + std::to_string(phase.skipped) + " sends skipped" : "")
            << "\n  per message: send -> first receipt " << describe(phase.first_receipt)
            << "\n               first -> last receipt " << describe(phase.receipt_spread) << "\n";
    }
}

} // namespace

std::optional<double> RunReport::bytesPerConnection() const {
    if (!rss_before_kib || !rss_after_kib || connections == 0) {
        return std::nullopt;
    }
    return static_cast<double>(*rss_after_kib - *rss_before_kib) * 1024.0 /
           static_cast<double>(connections);
}

void printJson(const RunReport& report, std::ostream& out) {
    const DriverOptions& options = report.options;
    nlohmann::json json = {
        {"peer", report.peer},
        {"ok", report.ok()},
        {"subscribers", options.subscribers},
        {"publishers", options.idle ? 0 : options.publishers},
        {"window", options.window},
        {"body_bytes", options.body_bytes},
        {"load_average", report.load_average},
        {"connections", report.connections},
        {"connect_seconds", report.connect_seconds},
        {"published", report.published},
        {"acked", report.acked},
        {"refused", report.refused},
        {"short_acks", report.short_acks},
        {"misses", report.misses},
        {"extra", report.extra},
        {"malformed", report.malformed},
        {"unstamped", report.unstamped},
        {"drained", report.drained},
        {"max_lag_seen", report.max_lag_seen},
        {"failures", report.failures},
        {"first_failure", report.first_failure},
        {"rss_before_kib", orNull(report.rss_before_kib)},
        {"rss_after_kib", orNull(report.rss_after_kib)},
        {"rss_bytes_per_connection", orNull(report.bytesPerConnection())},
    };
    json["max"] = report.max.ran ? phaseJson(report.max) : nullptr;
    json["rate"] = report.rate.ran ? phaseJson(report.rate) : nullptr;
    out << json.dump() << "\n";
}

void printText(const RunReport& report, std::ostream& out) {
    out << report.peer << ": " << report.connections << " connections ready in " << std::fixed
        << std::setprecision(2) << report.connect_seconds << " s (load average "
        << report.load_average << ")\n";
    if (report.max.ran) {
        printPhase("max throughput", report.max, out);
    }
    if (report.rate.ran) {
        printPhase("fixed rate", report.rate, out);
    }
    if (const auto per = report.bytesPerConnection()) {
        out << "idle server RSS: " << *report.rss_before_kib << " KiB before, "
            << *report.rss_after_kib << " KiB with the connections: " << std::setprecision(0)
            << *per << " bytes per connection\n";
    }
    out << "published " << report.published << ", acknowledged " << report.acked << ", refused "
        << report.refused << "; misses " << report.misses << ", extra " << report.extra
        << ", short PUBLISH counts " << report.short_acks << ", malformed " << report.malformed
        << "; slowest subscriber at most " << report.max_lag_seen << " behind\n";
    if (report.failures > 0) {
        out << report.failures << " failure(s), first: " << report.first_failure << "\n";
    }
    out << (report.ok() ? "COMPLETE" : "INVALID (see the counts above)") << "\n";
}

} // namespace parley::bench::epoll
