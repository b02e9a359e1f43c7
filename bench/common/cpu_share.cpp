#include "cpu_share.hpp"

#include <array>
#include <cstdio>

namespace parley::bench {

CpuSample sampleCpu(const load::ProcessProbe& server) {
    return CpuSample{
        .at = std::chrono::steady_clock::now(),
        .client = load::selfCpuTime(),
        .server = server.cpuTime().value_or(std::chrono::duration<double>{}),
        .server_run_queue_wait = server.runQueueWait().value_or(std::chrono::duration<double>{}),
    };
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
    return share;
}

std::string saturationVerdict(const CpuShare& share, unsigned server_cores_usable,
                              unsigned client_cores_usable) {
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
    if (share.server_waiting >= kBusyMachine) {
        std::snprintf(text.data(), text.size(),
                      "; the server's threads waited for a CPU %.0f%% of the time: other "
                      "processes held it back, so these figures understate it",
                      100 * share.server_waiting);
        out += text.data();
    }
    return out;
}

} // namespace parley::bench
