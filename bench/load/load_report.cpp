#include "load_report.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <thread>

namespace parley::load {

namespace {

using Json = nlohmann::ordered_json;

std::string fixed(double value, int decimals = 1) {
    std::array<char, 64> text{};
    std::snprintf(text.data(), text.size(), "%.*f", decimals, value);
    return text.data();
}

std::string mib(std::optional<std::int64_t> kib) {
    return kib ? fixed(static_cast<double>(*kib) / 1024.0) + " MiB" : "?";
}

std::string percentOfCore(double cpu_s, double wall_s) {
    return wall_s > 0.001 ? fixed(100.0 * cpu_s / wall_s, 0) + "%" : "-";
}

std::string latencyText(const LatencySummary& summary) {
    if (summary.count == 0) {
        return "no samples";
    }
    return "p50 " + fixed(summary.p50_ms) + " ms, p99 " + fixed(summary.p99_ms) + " ms, max " +
           fixed(summary.max_ms) + " ms (min " + fixed(summary.min_ms) + " ms)";
}

std::string seconds(std::optional<double> value, int decimals) {
    return value ? fixed(*value, decimals) + " s" : std::string{"?"};
}

std::string cpuText(const char* phase, const CpuSplit& cpu) {
    std::string line = std::string{"  "} + phase;
    line.resize(16, ' ');
    line += "wall " + fixed(cpu.wall_s, 3) + " s | load generator cpu " +
            fixed(cpu.client_cpu_s, 3) + " s (" + percentOfCore(cpu.client_cpu_s, cpu.wall_s) +
            "), waited " + seconds(cpu.client_wait_s, 3) + " | server cpu ";
    line += cpu.server_cpu_s ? fixed(*cpu.server_cpu_s, 2) + " s (" +
                                   percentOfCore(*cpu.server_cpu_s, cpu.wall_s) + ")"
                             : "?";
    line += ", waited " + seconds(cpu.server_wait_s, 3);
    return line + "\n";
}

std::string eventText(const char* name, const EventFigures& event) {
    return std::string{name} + ": " + std::to_string(event.received) + "/" +
           std::to_string(event.expected) + " received, " + std::to_string(event.duplicates) +
           " duplicates, " + std::to_string(event.wrong_expires_at) + " wrong expires_at\n" +
           "    arrival, sampled     " + latencyText(event.lateness) + "\n" +
           "    arrival stamp, all   " + latencyText(event.stamped_lateness) + "\n" +
           "    read by client, all  " + latencyText(event.read_lateness) + "\n" +
           "    server_time, all     " + latencyText(event.server_lateness) + "\n";
}

Json latencyJson(const LatencySummary& summary) {
    return Json{{"count", summary.count},
                {"min_ms", summary.min_ms},
                {"p50_ms", summary.p50_ms},
                {"p99_ms", summary.p99_ms},
                {"max_ms", summary.max_ms}};
}

Json cpuJson(const CpuSplit& cpu) {
    const auto optional = [](std::optional<double> value) {
        return value ? Json(*value) : Json(nullptr);
    };
    return Json{{"wall_s", cpu.wall_s},
                {"client_cpu_s", cpu.client_cpu_s},
                {"server_cpu_s", optional(cpu.server_cpu_s)},
                {"client_runqueue_wait_s", optional(cpu.client_wait_s)},
                {"server_runqueue_wait_s", optional(cpu.server_wait_s)}};
}

Json optionalJson(std::optional<std::int64_t> value) {
    return value ? Json(*value) : Json(nullptr);
}

Json eventJson(const EventFigures& event) {
    return Json{{"expected", event.expected},
                {"received", event.received},
                {"duplicates", event.duplicates},
                {"wrong_expires_at", event.wrong_expires_at},
                {"lateness", latencyJson(event.lateness)},
                {"stamped_lateness", latencyJson(event.stamped_lateness)},
                {"read_lateness", latencyJson(event.read_lateness)},
                {"server_lateness", latencyJson(event.server_lateness)},
                {"cpu", cpuJson(event.cpu)}};
}

std::optional<double> rssPerConnectionKib(const LoadReport& report) {
    if (!report.rss_idle_kib || !report.rss_connected_kib || report.init_ok == 0) {
        return std::nullopt;
    }
    return static_cast<double>(*report.rss_connected_kib - *report.rss_idle_kib) /
           static_cast<double>(report.init_ok);
}

} // namespace

LatencySummary summarize(std::vector<double> samples_ms) {
    LatencySummary summary;
    summary.count = samples_ms.size();
    if (samples_ms.empty()) {
        return summary;
    }
    std::sort(samples_ms.begin(), samples_ms.end());
    const auto rank = [&samples_ms](double percentile) {
        const auto n = static_cast<double>(samples_ms.size());
        const auto index =
            static_cast<std::size_t>(std::max(1.0, std::ceil(percentile / 100.0 * n)));
        return samples_ms[index - 1];
    };
    summary.min_ms = samples_ms.front();
    summary.p50_ms = rank(50);
    summary.p99_ms = rank(99);
    summary.max_ms = samples_ms.back();
    return summary;
}

void printText(const LoadReport& report, std::ostream& out) {
    out << "parley_load: " << report.connections << " connections to " << report.server_url;
    if (report.server_pid) {
        out << " (server pid " << *report.server_pid;
        if (report.server_threads > 0) {
            out << ", --threads " << report.server_threads;
        }
        out << ")";
    }
    out << ", W = " << report.window_s << " s, " << report.client_threads
        << " load-generator io thread(s) (nice " << report.lifecycle_nice
        << " from the warning burst on)";
    if (report.sample_every != 0) {
        out << " + 1 sampler thread (nice 0) for every " << report.sample_every << "th connection";
    }
    if (report.hold_reads_ms > 0) {
        out << ", reads held " << report.hold_reads_ms << " ms from each burst's due instant";
    }
    out << ", " << report.in_flight << " connects in flight\n";

    out << "connect+init  " << report.init_ok << " ok, " << report.init_failed << " failed in "
        << fixed(report.connect_seconds, 2) << " s = "
        << fixed(report.connect_seconds > 0
                     ? static_cast<double>(report.init_ok) / report.connect_seconds
                     : 0,
                 0)
        << " connections/s; per connection " << latencyText(report.init_latency) << "\n";
    if (!report.first_error.empty()) {
        out << "  first error: " << report.first_error << "\n";
    }
    const auto per_connection = rssPerConnectionKib(report);
    out << "server RSS    idle " << mib(report.rss_idle_kib) << ", " << report.init_ok
        << " connected " << mib(report.rss_connected_kib) << " = "
        << (per_connection ? fixed(*per_connection, 2) + " KiB" : std::string{"?"})
        << " per connection; after renewal " << mib(report.rss_renewed_kib) << ", after expiry "
        << mib(report.rss_after_expiry_kib) << ", peak " << mib(report.rss_peak_kib)
        << " (load generator " << mib(report.client_rss_kib) << ")\n";
    out << "renew         " << report.renew_ok << " ok, " << report.renew_failed << " failed, "
        << report.renew_wrong_expires_at << " wrong expires_at in "
        << fixed(report.renew_seconds, 2) << " s = "
        << fixed(report.renew_seconds > 0
                     ? static_cast<double>(report.renew_ok) / report.renew_seconds
                     : 0,
                 0)
        << " renewals/s; per request " << latencyText(report.renew_latency) << "\n";
    out << "expiry        exp " << report.first_exp << ".." << report.last_exp << " (batches of "
        << report.expiry_batch << " per second)\n";
    out << eventText("  token_about_to_expire", report.about_to_expire);
    out << eventText("  token_expired        ", report.expired);
    out << "  closes with 4410: " << report.closes_4410 << ", other ends: " << report.ended_other
        << ", unexpected frames: " << report.unexpected_frames
        << ", warnings for the init token: " << report.about_before_renew << "\n";
    out << "CPU (a side is saturated when its cpu share nears its thread count x 100%; \"waited\" "
           "is time runnable without a CPU, i.e. held back by other processes)\n";
    out << cpuText("connect+init", report.connect_cpu);
    out << cpuText("renew", report.renew_cpu);
    out << cpuText("about burst", report.about_to_expire.cpu);
    out << cpuText("expiry burst", report.expired.cpu);
    out << cpuText("whole run", report.total_cpu);
    out << "target p99 lateness (arrival, sampled) < 100 ms: token_about_to_expire "
        << (report.about_to_expire.received == report.about_to_expire.expected &&
                    report.about_to_expire.lateness.count > 0 &&
                    report.about_to_expire.lateness.p99_ms < 100
                ? "met"
                : "NOT met")
        << ", token_expired "
        << (report.expired.received == report.expired.expected &&
                    report.expired.lateness.count > 0 && report.expired.lateness.p99_ms < 100
                ? "met"
                : "NOT met")
        << "\n";
    out << "server " << report.server_status << "; run " << fixed(report.total_seconds, 1) << " s"
        << (report.deadline_hit ? " (stopped by --max-seconds)" : "")
        << (report.interrupted ? " (interrupted)" : "") << "; machine load average "
        << fixed(report.load_before, 2) << " before, " << fixed(report.load_after, 2) << " after ("
        << std::thread::hardware_concurrency() << " cores)\n";
    for (const std::string& note : report.notes) {
        out << "note: " << note << "\n";
    }
    if (!report.server_log_tail.empty()) {
        out << "server log (tail):\n" << report.server_log_tail;
    }
}

void printJson(const LoadReport& report, std::ostream& out) {
    const auto per_connection = rssPerConnectionKib(report);
    Json json{
        {"server_url", report.server_url},
        {"server_pid", optionalJson(report.server_pid)},
        {"server_threads", report.server_threads},
        {"client_threads", report.client_threads},
        {"lifecycle_nice", report.lifecycle_nice},
        {"sample_every", report.sample_every},
        {"hold_reads_ms", report.hold_reads_ms},
        {"connections", report.connections},
        {"window_s", report.window_s},
        {"init_ttl_s", report.init_ttl_s},
        {"renew_ttl_s", report.renew_ttl_s},
        {"expiry_batch", report.expiry_batch},
        {"in_flight", report.in_flight},
        {"max_seconds", report.max_seconds},
        {"mint_seconds", report.mint_seconds},
        {"load_average_before", report.load_before},
        {"load_average_after", report.load_after},
        {"cores", std::thread::hardware_concurrency()},
        {"connect",
         {{"ok", report.init_ok},
          {"failed", report.init_failed},
          {"seconds", report.connect_seconds},
          {"per_second", report.connect_seconds > 0
                             ? static_cast<double>(report.init_ok) / report.connect_seconds
                             : 0.0},
          {"latency", latencyJson(report.init_latency)},
          {"cpu", cpuJson(report.connect_cpu)},
          {"first_error", report.first_error}}},
        {"server_rss_kib",
         {{"idle", optionalJson(report.rss_idle_kib)},
          {"connected", optionalJson(report.rss_connected_kib)},
          {"renewed", optionalJson(report.rss_renewed_kib)},
          {"after_expiry", optionalJson(report.rss_after_expiry_kib)},
          {"peak", optionalJson(report.rss_peak_kib)},
          {"per_connection", per_connection ? Json(*per_connection) : Json(nullptr)}}},
        {"client_rss_kib", optionalJson(report.client_rss_kib)},
        {"renew",
         {{"ok", report.renew_ok},
          {"failed", report.renew_failed},
          {"wrong_expires_at", report.renew_wrong_expires_at},
          {"seconds", report.renew_seconds},
          {"per_second", report.renew_seconds > 0
                             ? static_cast<double>(report.renew_ok) / report.renew_seconds
                             : 0.0},
          {"latency", latencyJson(report.renew_latency)},
          {"cpu", cpuJson(report.renew_cpu)},
          {"overran_window", report.renew_overran_window},
          {"renew_at_late_s",
           report.renew_at_late_s ? Json(*report.renew_at_late_s) : Json(nullptr)}}},
        {"expiry",
         {{"first_exp", report.first_exp},
          {"last_exp", report.last_exp},
          {"token_about_to_expire", eventJson(report.about_to_expire)},
          {"token_expired", eventJson(report.expired)},
          {"about_before_renew", report.about_before_renew},
          {"closes_4410", report.closes_4410},
          {"ended_other", report.ended_other},
          {"unexpected_frames", report.unexpected_frames}}},
        {"total_seconds", report.total_seconds},
        {"total_cpu", cpuJson(report.total_cpu)},
        {"deadline_hit", report.deadline_hit},
        {"interrupted", report.interrupted},
        {"server_status", report.server_status},
        {"notes", report.notes},
    };
    out << json.dump(2) << "\n";
}

} // namespace parley::load
