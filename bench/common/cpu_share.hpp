#pragma once

// How busy each side was during a measured interval, to say which one was saturated (a load
// figure means something only when the server, not the load generator, is the saturated side).

#include "server_child.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace parley::bench {

/// CPU time of this program and of the server at one instant.
struct CpuSample {
    std::chrono::steady_clock::time_point at;
    std::chrono::duration<double> client{};
    std::chrono::duration<double> server{};
    std::chrono::duration<double> server_run_queue_wait{};
};

CpuSample sampleCpu(const load::ProcessProbe& server);

/// Cores each side kept busy between two samples (CPU seconds per wall second).
struct CpuShare {
    std::chrono::duration<double> wall{};
    double client_cores = 0;
    double server_cores = 0;
    /// Time the server's threads were runnable but waited for a core, per wall second.
    double server_waiting = 0;
};

CpuShare cpuBetween(const CpuSample& from, const CpuSample& to);

/// Which side was the bottleneck, from how close each came to the cores it could use (its
/// threads, or the one core it was pinned to). Saturated means at least 90% of that. A server
/// that stayed that busy was never idle waiting for the load generator, whatever the generator's
/// own load, so then the figures are the server's. Also says
/// when the server waited for a CPU (run queue) 5% of the time or more: other processes on the
/// machine, not the load, set its pace then.
std::string saturationVerdict(const CpuShare& share, unsigned server_cores_usable,
                              unsigned client_cores_usable);

} // namespace parley::bench
