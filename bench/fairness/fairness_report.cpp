#include "fairness_report.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>

namespace parley::bench {

namespace {

constexpr double kTargetRatio = 2.0;
/// Above this share of the server's core taken by the hypervisor, a run measures the host.
constexpr double kStolenTooMuch = 0.05;

void printPhase(const char* name, const FairnessPhase& phase, std::ostream& out) {
    out << "victim ping RTT, " << name << ": " << describe(phase.rtt) << "\n";
    std::array<char, 256> line{};
    std::snprintf(line.data(), line.size(),
                  "  cpu: server %.2f cores (its threads waiting for a core %.2f, others on core 0 "
                  "%.2f, stolen by the hypervisor %.2f), client %.2f cores",
                  phase.cpu.server_cores, phase.cpu.server_waiting, phase.cpu.others_on_core0,
                  phase.cpu.stolen_from_core0, phase.cpu.client_cores);
    out << line.data();
    const double seconds = phase.cpu.wall.count();
    if (phase.pages > 0 && seconds > 0) {
        std::snprintf(line.data(), line.size(),
                      "; heavy reader %.1f pages/s, %.1f whole-channel reads/s, %.0f MB/s",
                      static_cast<double>(phase.pages) / seconds,
                      static_cast<double>(phase.reads) / seconds,
                      static_cast<double>(phase.page_bytes) / seconds / 1e6);
        out << line.data();
    }
    out << "\n";
}

nlohmann::json phaseJson(const FairnessPhase& phase) {
    return {{"count", phase.rtt.count},
            {"p50_ms", phase.rtt.p50.count()},
            {"p99_ms", phase.rtt.p99.count()},
            {"max_ms", phase.rtt.max.count()},
            {"server_cores", phase.cpu.server_cores},
            {"client_cores", phase.cpu.client_cores},
            {"server_waiting", phase.cpu.server_waiting},
            {"others_on_core0", phase.cpu.others_on_core0},
            {"stolen_from_core0", phase.cpu.stolen_from_core0},
            {"pages", phase.pages},
            {"page_bytes", phase.page_bytes},
            {"reads", phase.reads},
            {"seconds", phase.cpu.wall.count()}};
}

// The loaded phase keeps the core busy, and a busy host then deschedules it for milliseconds at
// a time: those pauses land on the victim's pings, not on the server's work.
void printStealNote(const FairnessReport& report, std::ostream& out) {
    const double stolen =
        std::max(report.quiet.cpu.stolen_from_core0, report.loaded.cpu.stolen_from_core0);
    if (!report.pinned || stolen < kStolenTooMuch) {
        return;
    }
    std::array<char, 256> line{};
    std::snprintf(line.data(), line.size(),
                  "the hypervisor took %.0f%% of the server's core in a phase (steal): the "
                  "host's pauses are in these round trips; this run does not count\n",
                  100 * stolen);
    out << line.data();
}

} // namespace

double FairnessReport::p99Ratio() const {
    return quiet.rtt.p99.count() > 0 ? loaded.rtt.p99 / quiet.rtt.p99 : 0;
}

bool FairnessReport::ok() const {
    return first_error.empty() && quiet.rtt.count > 0 && loaded.rtt.count > 0;
}

void printText(const FairnessReport& report, std::ostream& out) {
    const auto& options = report.options;
    std::array<char, 512> line{};
    std::snprintf(line.data(), line.size(),
                  "parley_fairness: heavy user reads %zu messages x %zu bytes with "
                  "message.history limit=%zu in a loop (its thread here at nice %d); victim pings "
                  "%.0f/s for %lld s a phase\n",
                  options.heavy.messages, options.heavy.body_bytes, options.heavy.page,
                  options.heavy_nice, options.ping_rate,
                  static_cast<long long>(options.phase.count()));
    out << line.data();
    std::snprintf(line.data(), line.size(),
                  "server %s, %u io thread(s); %s; load average %.2f at start; fill %.2f s\n",
                  report.server_binary.c_str(), report.server_threads,
                  report.pinned ? "pinned: server core 0, client core 1" : "not pinned",
                  report.load_average, report.fill_time.count());
    out << line.data();
    printPhase("quiet", report.quiet, out);
    printPhase("loaded", report.loaded, out);
    const double ratio = report.p99Ratio();
    std::snprintf(line.data(), line.size(),
                  "p99 loaded / p99 quiet = %.2fx (target <= %.0fx: %s)\n", ratio, kTargetRatio,
                  ratio <= kTargetRatio ? "met" : "NOT met");
    out << line.data();
    printStealNote(report, out);
    if (!report.first_error.empty()) {
        out << "first error: " << report.first_error << "\n";
    }
    out << "server: " << report.server_status << "\n";
    if (!report.server_log_tail.empty()) {
        out << "server log (last lines):\n" << report.server_log_tail;
    }
    out << (report.ok() ? "result: ok" : "result: FAILED") << "\n";
}

void printJson(const FairnessReport& report, std::ostream& out) {
    const nlohmann::json json = {
        {"messages", report.options.heavy.messages},
        {"body_bytes", report.options.heavy.body_bytes},
        {"page", report.options.heavy.page},
        {"ping_rate", report.options.ping_rate},
        {"phase_s", report.options.phase.count()},
        {"server_threads", report.server_threads},
        {"pinned", report.pinned},
        {"heavy_nice", report.options.heavy_nice},
        {"load_average", report.load_average},
        {"quiet", phaseJson(report.quiet)},
        {"loaded", phaseJson(report.loaded)},
        {"p99_ratio", report.p99Ratio()},
        {"first_error", report.first_error},
        {"ok", report.ok()},
    };
    out << json.dump() << "\n";
}

} // namespace parley::bench
