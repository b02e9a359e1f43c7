#include "fanout_report.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>

namespace parley::bench {

namespace {

double perSecond(std::uint64_t count, std::chrono::duration<double> elapsed) {
    return elapsed.count() > 0 ? static_cast<double>(count) / elapsed.count() : 0;
}

nlohmann::json latencyJson(const LatencySummary& summary) {
    return {{"count", summary.count},
            {"p50_ms", summary.p50.count()},
            {"p99_ms", summary.p99.count()},
            {"max_ms", summary.max.count()}};
}

void printSetup(const FanoutReport& report, std::ostream& out) {
    const auto& options = report.options;
    std::array<char, 512> line{};
    std::snprintf(line.data(), line.size(),
                  "parley_fanout: %zu members, %zu senders x window %zu, %zu-byte bodies, "
                  "warm-up %.2f s, measured %.2f s\n",
                  options.members, options.senders, options.window, options.body_bytes,
                  report.warmup.count(), report.measured.count());
    out << line.data();
    std::snprintf(line.data(), line.size(),
                  "server %s (%zu node(s), CPU of %zu process(es)), %u io thread(s); client %u io "
                  "thread(s); %s; load average %.2f at start; setup (channel + connections) "
                  "%.2f s\n",
                  report.server_binary.c_str(), report.nodes, report.server_processes,
                  report.server_threads, options.client_threads,
                  report.pinned ? "pinned: server core 0, client core 1" : "not pinned",
                  report.load_average, report.setup_time.count());
    out << line.data();
}

void printThroughput(const FanoutReport& report, std::ostream& out) {
    const double sends_per_second = perSecond(report.sends, report.measured);
    const double deliveries_per_second = perSecond(report.deliveries, report.measured);
    std::array<char, 512> line{};
    std::snprintf(line.data(), line.size(),
                  "deliveries/s %.0f   sends/s %.0f   (deliveries per send %.1f)\n",
                  deliveries_per_second, sends_per_second,
                  sends_per_second > 0 ? deliveries_per_second / sends_per_second : 0.0);
    out << line.data();
    out << "delivery latency, sender's send to receipt: " << describe(report.send_to_receipt)
        << "\n";
    // Little's law: with every sender's window full, each message waits for the ones ahead.
    const std::size_t in_flight = report.options.senders * report.options.window;
    if (sends_per_second > 0) {
        std::snprintf(line.data(), line.size(),
                      "  (%zu messages in flight at %.0f sends/s: %.1f ms from send to reply "
                      "on average, by Little's law)\n",
                      in_flight, sends_per_second,
                      1000.0 * static_cast<double>(in_flight) / sends_per_second);
        out << line.data();
    }
    out << "delivery latency, server date_created (ms) to receipt: "
        << describe(report.commit_to_receipt) << "\n";
}

void printBacklog(const FanoutReport& report, std::ostream& out) {
    if (report.event_bytes == 0) {
        return;
    }
    const auto per_frame = static_cast<double>(report.event_bytes);
    const double deliveries_per_ms = perSecond(report.deliveries, report.measured) / 1000;
    const double mean_frames = static_cast<double>(report.backlog_mean_bytes) / per_frame;
    const double max_frames = static_cast<double>(report.backlog_max_bytes) / per_frame;
    std::array<char, 512> line{};
    std::snprintf(line.data(), line.size(),
                  "load generator's backlog (received by its kernel, not yet read): mean %.0f "
                  "frames, max %.0f (%.1f ms of deliveries at most)\n",
                  mean_frames, max_frames,
                  deliveries_per_ms > 0 ? max_frames / deliveries_per_ms : 0.0);
    out << line.data();
}

void printSaturation(const FanoutReport& report, std::ostream& out) {
    std::array<char, 512> line{};
    std::snprintf(line.data(), line.size(),
                  "cpu: server %.2f cores (its threads waiting for a core %.2f, others on core 0 "
                  "%.2f, stolen by the hypervisor %.2f), client %.2f cores -> %s\n",
                  report.cpu.server_cores, report.cpu.server_waiting, report.cpu.others_on_core0,
                  report.cpu.stolen_from_core0, report.cpu.client_cores, report.verdict.c_str());
    out << line.data();
    std::snprintf(line.data(), line.size(),
                  "lag guard: senders held back %.2f s of the window (%zu pauses); the slowest "
                  "member was at most %llu messages behind the newest\n",
                  report.paused.count(), report.pauses,
                  static_cast<unsigned long long>(report.max_lag_seen));
    out << line.data();
    printBacklog(report, out);
    if (report.server_peak_rss_kib) {
        out << "server peak RSS: " << *report.server_peak_rss_kib / 1024 << " MiB\n";
    }
}

void printProblems(const FanoutReport& report, std::ostream& out) {
    if (!report.first_error.empty()) {
        out << "first error: " << report.first_error << "\n";
    }
    out << "members failed: " << report.members_failed << ", sends refused: " << report.sends_failed
        << ", members missing messages after the drain: " << report.members_short
        << ", with extra: " << report.members_over
        << ", unexpected frames: " << report.unexpected_frames
        << (report.drained ? "" : " (the drain did not finish)") << "\n";
    out << "server: " << report.server_status << "\n";
    if (!report.server_log_tail.empty()) {
        out << "server log (last lines):\n" << report.server_log_tail;
    }
}

} // namespace

bool FanoutReport::ok() const {
    return first_error.empty() && members_failed == 0 && sends_failed == 0 && members_short == 0 &&
           members_over == 0 && drained && measured.count() > 0;
}

void printText(const FanoutReport& report, std::ostream& out) {
    printSetup(report, out);
    printThroughput(report, out);
    printSaturation(report, out);
    printProblems(report, out);
    out << (report.ok() ? "result: ok" : "result: FAILED") << "\n";
}

void printJson(const FanoutReport& report, std::ostream& out) {
    const auto& options = report.options;
    const nlohmann::json json = {
        {"members", options.members},
        {"senders", options.senders},
        {"window", options.window},
        {"body_bytes", options.body_bytes},
        {"warmup_s", report.warmup.count()},
        {"measured_s", report.measured.count()},
        {"server_threads", report.server_threads},
        {"nodes", report.nodes},
        {"server_processes", report.server_processes},
        {"channel", options.channel_name},
        {"client_threads", options.client_threads},
        {"pinned", report.pinned},
        {"load_average", report.load_average},
        {"deliveries_per_s", perSecond(report.deliveries, report.measured)},
        {"sends_per_s", perSecond(report.sends, report.measured)},
        {"send_to_receipt", latencyJson(report.send_to_receipt)},
        {"commit_to_receipt", latencyJson(report.commit_to_receipt)},
        {"server_cores", report.cpu.server_cores},
        {"client_cores", report.cpu.client_cores},
        {"server_waiting", report.cpu.server_waiting},
        {"others_on_core0", report.cpu.others_on_core0},
        {"stolen_from_core0", report.cpu.stolen_from_core0},
        {"verdict", report.verdict},
        {"paused_s", report.paused.count()},
        {"pauses", report.pauses},
        {"max_lag", report.max_lag_seen},
        {"backlog_mean_bytes", report.backlog_mean_bytes},
        {"backlog_max_bytes", report.backlog_max_bytes},
        {"event_bytes", report.event_bytes},
        {"members_failed", report.members_failed},
        {"sends_failed", report.sends_failed},
        {"members_short", report.members_short},
        {"first_error", report.first_error},
        {"ok", report.ok()},
    };
    out << json.dump() << "\n";
}

} // namespace parley::bench
