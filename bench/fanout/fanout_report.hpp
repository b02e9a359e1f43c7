#pragma once

// What one parley_fanout run measured, and how to print it.

#include "cpu_share.hpp"
#include "latency_summary.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace parley::bench {

struct FanoutOptions {
    std::size_t members = 1000;
    /// The first `senders` members also send.
    std::size_t senders = 4;
    /// message.send requests each sender keeps in flight.
    std::size_t window = 64;
    std::size_t body_bytes = 100;
    std::chrono::seconds warmup{2};
    std::chrono::seconds duration{10};
    unsigned client_threads = 1;
    /// Messages the slowest member may fall behind the newest one before the senders wait:
    /// with small bodies, far under the 4 MiB the server lets wait for a connection before it
    /// closes it as a slow reader (4413), so no member is ever dropped.
    std::size_t max_lag = 1024;
    /// Connections being set up at once.
    std::size_t connect_window = 256;
    /// The channel's unique name: runs against one store (a cluster) each take their own.
    std::string channel_name = "fanout";
};

struct FanoutReport {
    FanoutOptions options;
    std::string server_binary;
    unsigned server_threads = 1;
    /// Servers the members were spread over (1 unless --url was given several times), and the
    /// processes whose CPU is counted as the server's.
    std::size_t nodes = 1;
    std::size_t server_processes = 1;
    bool pinned = false;
    double load_average = 0;
    std::chrono::duration<double> setup_time{};

    /// At least options.warmup, and until every sender's first window was acknowledged.
    std::chrono::duration<double> warmup{};
    std::chrono::duration<double> measured{};
    std::uint64_t sends = 0;
    std::uint64_t deliveries = 0;
    LatencySummary send_to_receipt;
    LatencySummary commit_to_receipt;
    CpuShare cpu;
    std::string verdict;
    /// Time in the measured window the lag guard held the senders back, and how often.
    std::chrono::duration<double> paused{};
    std::size_t pauses = 0;
    /// Most messages the slowest member was behind the newest, in the measured window.
    std::uint64_t max_lag_seen = 0;
    /// Bytes from the server waiting in this program's kernel receive queues (FIONREAD on every
    /// member), sampled every 200 ms of the window, and the size of one event frame. Near zero:
    /// this program kept up with the server, however busy its CPU.
    std::uint64_t backlog_mean_bytes = 0;
    std::uint64_t backlog_max_bytes = 0;
    std::size_t event_bytes = 0;

    std::uint64_t sends_failed = 0;
    std::size_t members_failed = 0;
    /// After the drain: members that received fewer or more messages than were acknowledged.
    std::size_t members_short = 0;
    std::size_t members_over = 0;
    std::uint64_t unexpected_frames = 0;
    bool drained = false;
    std::string first_error;
    std::string server_status;
    std::string server_log_tail;
    std::optional<std::int64_t> server_peak_rss_kib;

    /// Every member connected, no send refused, every message reached every member.
    bool ok() const;
};

void printText(const FanoutReport& report, std::ostream& out);
void printJson(const FanoutReport& report, std::ostream& out);

} // namespace parley::bench
