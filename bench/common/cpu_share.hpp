#pragma once

// How busy each side was during a measured interval, to say which one was saturated (a load
// figure means something only when the server, not the load generator, is the saturated side).

#include "server_child.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace parley::bench {

/// CPU time of this program and of the server at one instant.
struct CpuSample {
    std::chrono::steady_clock::time_point at;
    std::chrono::duration<double> client{};
    std::chrono::duration<double> server{};
    std::chrono::duration<double> server_run_queue_wait{};
    /// Busy time of core 0, where --pin puts the server (/proc/stat), all processes together.
    std::chrono::duration<double> core0_busy{};
    /// Time the hypervisor ran something else while core 0 (a virtual CPU) had work: steal in
    /// /proc/stat.
    std::chrono::duration<double> core0_stolen{};
};

CpuSample sampleCpu(const load::ProcessProbe& server);
/// The same with the server's CPU summed over several processes (nodes, broker, store); one that
/// is gone counts nothing.
CpuSample sampleCpu(const std::vector<load::ProcessProbe>& servers);

/// Cores each side kept busy between two samples (CPU seconds per wall second).
struct CpuShare {
    std::chrono::duration<double> wall{};
    double client_cores = 0;
    double server_cores = 0;
    /// Time the server's threads were runnable but waited for a core, per wall second, summed
    /// over its threads: with all of them pinned to one core this counts their waits behind each
    /// other (an io thread behind a store worker) as well as behind other processes.
    double server_waiting = 0;
    /// What everything but the server kept core 0 busy, per wall second: with --pin, the share of
    /// the server's core other processes (and interrupts) took.
    double others_on_core0 = 0;
    /// What the hypervisor took of core 0, per wall second: on a virtual machine whose host is
    /// busy, the server's core is simply not there that share of the time, and every latency
    /// measured on it carries the host's pauses.
    double stolen_from_core0 = 0;
};

CpuShare cpuBetween(const CpuSample& from, const CpuSample& to);

/// Which side was the bottleneck, from how close each came to the cores it could use (its
/// threads, or the one core it was pinned to). Saturated means at least 90% of that. A server
/// that stayed that busy was never idle waiting for the load generator, whatever the generator's
/// own load, so then the figures are the server's. Also says
/// when other processes on the machine or the hypervisor took 5% or more of the server's core
/// (`pinned`; unpinned, when its threads waited for a CPU that long): they, not the load, set its
/// pace then.
std::string saturationVerdict(const CpuShare& share, unsigned server_cores_usable,
                              unsigned client_cores_usable, bool pinned);

} // namespace parley::bench
