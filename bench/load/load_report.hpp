#pragma once

// What one load run measured, and its two renderings: a short text report for people and one
// JSON object (`--json`) for scripts.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace parley::load {

/// Order statistics of a set of samples in milliseconds (nearest-rank percentiles).
struct LatencySummary {
    std::size_t count = 0;
    double min_ms = 0;
    double p50_ms = 0;
    double p99_ms = 0;
    double max_ms = 0;
};

LatencySummary summarize(std::vector<double> samples_ms);

/// Wall time of a phase and the CPU time each side spent in it.
struct CpuSplit {
    double wall_s = 0;
    double client_cpu_s = 0;
    /// Empty when the server's /proc entry could not be read (external server without
    /// --server-pid).
    std::optional<double> server_cpu_s;
    /// Time each side was runnable but had no CPU: other processes on the machine holding it back.
    std::optional<double> client_wait_s;
    std::optional<double> server_wait_s;
};

struct EventFigures {
    std::size_t expected = 0;
    std::size_t received = 0;
    std::size_t duplicates = 0;
    /// Events whose `expires_at` is not the renewed token's.
    std::size_t wrong_expires_at = 0;
    /// Arrival at the client minus the due time, for the sampled connections (every
    /// `sample_every`-th, read by a thread that keeps its priority): the kernel's receive stamp on
    /// the client socket. The target is judged on this.
    LatencySummary lateness;
    /// The same stamp for every connection. For a frame the client had not read yet when the next
    /// one came (token_expired, then the close frame), the kernel merges the two segments and the
    /// stamp is the later one's, so this can only be late.
    LatencySummary stamped_lateness;
    /// When the load generator's thread read the frame (its system_clock) minus the due time:
    /// arrival plus the generator's own backlog.
    LatencySummary read_lateness;
    /// The event's `server_time` minus the due time: the server's own timer lateness.
    LatencySummary server_lateness;
    CpuSplit cpu;
};

struct LoadReport {
    // Set-up.
    std::string server_url;
    std::optional<std::int64_t> server_pid;
    unsigned server_threads = 0;
    unsigned client_threads = 0;
    /// Nice value of the load generator's threads from just before the warning burst on.
    int lifecycle_nice = 0;
    std::size_t sample_every = 0;
    std::int64_t hold_reads_ms = 0;
    std::size_t connections = 0;
    std::int64_t window_s = 0;
    std::int64_t init_ttl_s = 0;
    std::int64_t renew_ttl_s = 0;
    std::size_t expiry_batch = 0;
    std::size_t in_flight = 0;
    std::int64_t max_seconds = 0;
    double mint_seconds = 0;
    /// The machine's 1-minute load average before and after the run: it is shared.
    double load_before = 0;
    double load_after = 0;

    // Connect + init.
    std::size_t init_ok = 0;
    std::size_t init_failed = 0;
    double connect_seconds = 0;
    LatencySummary init_latency;
    CpuSplit connect_cpu;
    std::string first_error;

    // Server memory (VmRSS, KiB).
    std::optional<std::int64_t> rss_idle_kib;
    std::optional<std::int64_t> rss_connected_kib;
    std::optional<std::int64_t> rss_renewed_kib;
    std::optional<std::int64_t> rss_after_expiry_kib;
    std::optional<std::int64_t> rss_peak_kib;
    std::optional<std::int64_t> client_rss_kib;

    // Renewal.
    std::size_t renew_ok = 0;
    std::size_t renew_failed = 0;
    std::size_t renew_wrong_expires_at = 0;
    double renew_seconds = 0;
    LatencySummary renew_latency;
    CpuSplit renew_cpu;
    /// True when the last renewal reply came after the first exp - W: those warnings fired at once.
    bool renew_overran_window = false;
    /// With --renew-at: how far past that second the renewal tokens were ready (negative: early,
    /// then waited for); above 0, the connections were not all up in time.
    std::optional<double> renew_at_late_s;

    // Expiry.
    std::int64_t first_exp = 0;
    std::int64_t last_exp = 0;
    EventFigures about_to_expire;
    EventFigures expired;
    std::size_t about_before_renew = 0;
    std::size_t closes_4410 = 0;
    std::size_t ended_other = 0;
    std::size_t unexpected_frames = 0;

    // Whole run.
    double total_seconds = 0;
    CpuSplit total_cpu;
    bool deadline_hit = false;
    bool interrupted = false;
    std::string server_status;
    std::string server_log_tail;
    std::vector<std::string> notes;
};

void printText(const LoadReport& report, std::ostream& out);
void printJson(const LoadReport& report, std::ostream& out);

} // namespace parley::load
