#include "cpu_share.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace parley::bench {

namespace {

struct Core0Times {
    std::chrono::duration<double> busy{};
    std::chrono::duration<double> stolen{};
};

/// Core 0's times from /proc/stat: busy is every column but idle, iowait and steal (guest time is
/// already counted in user and nice); steal is apart, as it is no process's.
Core0Times core0Times() {
    std::ifstream stat{"/proc/stat"};
    std::string line;
    while (std::getline(stat, line)) {
        if (line.rfind("cpu0 ", 0) != 0) {
            continue;
        }
        std::istringstream fields{line.substr(5)};
        std::array<double, 8> ticks{}; // user nice system idle iowait irq softirq steal
        for (double& tick : ticks) {
            fields >> tick;
        }
        const double busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6];
        const auto hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
        return Core0Times{.busy = std::chrono::duration<double>{busy / hz},
                          .stolen = std::chrono::duration<double>{ticks[7] / hz}};
    }
    return {};
}

} // namespace

CpuSample sampleCpu(const load::ProcessProbe& server) {
    const Core0Times core0 = core0Times();
    return CpuSample{
        .at = std::chrono::steady_clock::now(),
        .client = load::selfCpuTime(),
        .server = server.cpuTime().value_or(std::chrono::duration<double>{}),
        .server_run_queue_wait = server.runQueueWait().value_or(std::chrono::duration<double>{}),
        .core0_busy = core0.busy,
        .core0_stolen = core0.stolen,
    };
}

CpuSample sampleCpu(const std::vector<load::ProcessProbe>& servers) {
    const Core0Times core0 = core0Times();
    CpuSample sample{.at = std::chrono::steady_clock::now(),
                     .client = load::selfCpuTime(),
                     .core0_busy = core0.busy,
                     .core0_stolen = core0.stolen};
    for (const auto& server : servers) {
        sample.server += server.cpuTime().value_or(std::chrono::duration<double>{});
        sample.server_run_queue_wait +=
            server.runQueueWait().value_or(std::chrono::duration<double>{});
    }
    return sample;
}

CpuShare cpuBetween(const CpuSample& from, const CpuSample& to) {
    CpuShare share{.wall = to.at - from.at};
    const double wall = share.wall.count();
    if (wall <= 0) {
        return share;
    }
    share.client_cores = (to.client - from.client).count() / wall;
    share.server_cores = (to.server - from.server).count() / wall;
    share.server_waiting = (to.server_run_queue_wait - from.server_run_queue_wait).count() / wall;
    const double core0 = (to.core0_busy - from.core0_busy).count() / wall;
    share.others_on_core0 = std::max(0.0, core0 - share.server_cores);
    share.stolen_from_core0 = (to.core0_stolen - from.core0_stolen).count() / wall;
    return share;
}

std::string saturationVerdict(const CpuShare& share, unsigned server_cores_usable,
                              unsigned client_cores_usable, bool pinned) {
    constexpr double kSaturated = 0.9;
    constexpr double kBusyMachine = 0.05;
    const double server_load = share.server_cores / static_cast<double>(server_cores_usable);
    const double client_load = share.client_cores / static_cast<double>(client_cores_usable);
    std::array<char, 320> text{};
    const char* verdict =
        server_load >= kSaturated && client_load < kSaturated
            ? "the server was saturated, the load generator was not"
        : client_load >= kSaturated && server_load < kSaturated
            ? "THE LOAD GENERATOR was saturated: the figures understate the server"
        : server_load >= kSaturated
            ? "both sides were busy; the server never waited for work, so the figures are the "
              "server's, but the load generator had no headroom for a faster one"
            : "neither side was saturated (bound by round trips, or by the other processes on "
              "the machine)";
    std::snprintf(text.data(), text.size(), "%s (server %.0f%% of %u core(s), client %.0f%% of %u)",
                  verdict, 100 * server_load, server_cores_usable, 100 * client_load,
                  client_cores_usable);
    std::string out = text.data();
    if (pinned && share.others_on_core0 >= kBusyMachine) {
        std::snprintf(text.data(), text.size(),
                      "; other processes took %.0f%% of the server's core: they held it back, so "
                      "these figures understate it",
                      100 * share.others_on_core0);
        out += text.data();
    }
    if (pinned && share.stolen_from_core0 >= kBusyMachine) {
        std::snprintf(text.data(), text.size(),
                      "; the hypervisor took %.0f%% of the server's core (steal): the host's "
                      "pauses, not the server, set these figures",
                      100 * share.stolen_from_core0);
        out += text.data();
    }
    if (!pinned && share.server_waiting >= kBusyMachine) {
        std::snprintf(text.data(), text.size(),
                      "; the server's threads waited for a CPU %.0f%% of the time (behind each "
                      "other or other processes): these figures may understate it",
                      100 * share.server_waiting);
        out += text.data();
    }
    return out;
}

} // namespace parley::bench
