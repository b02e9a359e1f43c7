#pragma once

// What one run of epoll_fanout measured, and how it is printed (text for people, one JSON object
// for bench/scripts/fanout-vs-redis).

#include "latency_summary.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace parley::bench::epoll {

struct DriverOptions {
    std::size_t subscribers = 100;
    std::size_t publishers = 4;
    /// Max throughput: publishes each publisher keeps in flight.
    std::size_t window = 64;
    std::size_t body_bytes = 100;
    double warmup_seconds = 2;
    double seconds = 10;
    /// Fixed rate: deliveries per second in total (messages/s = this / subscribers).
    double rate_deliveries = 10'000;
    bool run_max = true;
    bool run_rate = true;
    /// Connect, sign in or subscribe, measure the server's RSS, and stop.
    bool idle = false;
    /// Messages the slowest subscriber may be behind the acknowledged ones before the publishers
    /// wait (keeps a client that falls behind from growing the server's queues without bound).
    std::size_t max_lag = 1024;
    /// Connections being set up at once.
    std::size_t connect_window = 256;
    double setup_timeout_seconds = 120;
    std::uint16_t port = 0;
    /// The server's pid, for its CPU time and RSS (0: not measured).
    int server_pid = 0;
};

struct PhaseReport {
    bool ran = false;
    double seconds = 0;
    std::uint64_t deliveries = 0;
    std::uint64_t acks = 0;
    double deliveries_per_second = 0;
    double publishes_per_second = 0;
    /// Max throughput: time the lag guard held the publishers back.
    double paused_seconds = 0;
    /// Fixed rate: publishes that were due while their publisher had 10,000 in flight.
    std::uint64_t skipped = 0;
    double target_deliveries_per_second = 0;
    /// CPU time over wall time of the window, each side.
    double client_cores = 0;
    std::optional<double> server_cores;
    /// Fixed rate: send (the stamp in the body) to the kernel's receive stamp of the read that
    /// brought it (SO_TIMESTAMPNS): the client's own time to come round to the socket left out.
    LatencySummary latency;
    /// The same to the moment this client read it: what a one-thread client sees.
    LatencySummary read_latency;
    /// Fixed rate, per message: send to its first subscriber's receipt (the server's path to
    /// the fan-out), and from its first to its last subscriber's receipt (the fan-out itself).
    LatencySummary first_receipt;
    LatencySummary receipt_spread;
};

struct RunReport {
    std::string peer;
    DriverOptions options;
    double load_average = 0;
    double connect_seconds = 0;
    std::size_t connections = 0;
    PhaseReport max;
    PhaseReport rate;
    /// Idle: server RSS before the connections and with them.
    std::optional<std::int64_t> rss_before_kib;
    std::optional<std::int64_t> rss_after_kib;
    std::uint64_t max_lag_seen = 0;
    std::uint64_t published = 0;
    std::uint64_t acked = 0;
    std::uint64_t refused = 0;
    /// Redis: PUBLISH replies that counted fewer subscribers than there are.
    std::uint64_t short_acks = 0;
    std::uint64_t misses = 0;
    std::uint64_t extra = 0;
    std::uint64_t malformed = 0;
    /// Deliveries whose read had no kernel receive stamp (their read time stood in).
    std::uint64_t unstamped = 0;
    std::size_t failures = 0;
    std::string first_failure;
    bool drained = true;

    bool ok() const {
        return failures == 0 && refused == 0 && short_acks == 0 && misses == 0 && extra == 0 &&
               malformed == 0 && drained;
    }
    std::optional<double> bytesPerConnection() const;
};

void printText(const RunReport& report, std::ostream& out);
void printJson(const RunReport& report, std::ostream& out);

} // namespace parley::bench::epoll
