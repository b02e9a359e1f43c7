#pragma once

// What one parley_fairness run measured, and how to print it.

#include "cpu_share.hpp"
#include "heavy_reader.hpp"
#include "latency_summary.hpp"

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace parley::bench {

struct FairnessOptions {
    HeavyOptions heavy;
    /// Pings per second from the victim.
    double ping_rate = 20;
    /// Length of each phase.
    std::chrono::seconds phase{10};
    /// Idle time between the fill and the quiet phase, so the fill's work is behind the server.
    std::chrono::seconds settle{1};
    /// Nice value of the heavy user's thread in this program. The victim's thread keeps nice 0:
    /// the heavy user's reading (160 MB/s on the client's one core) must not delay the victim's
    /// reads here, or the figure would be this program's scheduling, not the server's fairness.
    /// A real victim is on another machine. (parley_load's load threads step aside the same way.)
    int heavy_nice = 19;
};

/// One phase as the victim saw it, and what the heavy reader got done meanwhile.
struct FairnessPhase {
    LatencySummary rtt;
    CpuShare cpu;
    std::uint64_t pages = 0;
    std::uint64_t page_bytes = 0;
    /// Reads of the whole channel (one page, or several when the server caps a reply).
    std::uint64_t reads = 0;
};

struct FairnessReport {
    FairnessOptions options;
    std::string server_binary;
    unsigned server_threads = 1;
    bool pinned = false;
    double load_average = 0;
    std::chrono::duration<double> fill_time{};
    FairnessPhase quiet;
    FairnessPhase loaded;
    std::string first_error;
    std::string server_status;
    std::string server_log_tail;

    /// Victim p99 loaded / p99 quiet; the target is at most 2.
    double p99Ratio() const;
    /// Both phases ran to the end with every ping answered.
    bool ok() const;
};

void printText(const FairnessReport& report, std::ostream& out);
void printJson(const FairnessReport& report, std::ostream& out);

} // namespace parley::bench
