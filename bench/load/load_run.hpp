#pragma once

// The phases of one load run against a server that is already listening: connect + init all
// connections, renew every token, then wait for every token_about_to_expire and token_expired.
// The run is bounded by `max_seconds` and by the server's liveness; it never waits longer.
//
// Threading: `run` is called once, from the thread that owns the LoadRun; it starts and joins the
// io threads itself.

#include "load_connection.hpp"
#include "load_report.hpp"
#include "server_child.hpp"

#include <parley/token/api_key.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace parley::load {

struct LoadRunOptions {
    std::size_t connections = 10000;
    token::ApiKey key;
    /// Must equal the server's --about-to-expire-window.
    std::chrono::seconds about_to_expire_window{5};
    /// Long enough that the init token neither warns nor expires before the renewal replaces it.
    std::chrono::seconds init_ttl{300};
    /// From the renewal tokens' issue second to the first exp: room for every renewal to be
    /// answered before exp - W, so every warning is a timer firing, not an immediate one.
    std::chrono::seconds renew_ttl{20};
    /// Connections sharing one exp second; the next batch expires one second later. 0 = all.
    std::size_t expiry_batch = 0;
    /// Connects outstanding at once: well below the listen backlog (somaxconn), so no SYN is
    /// dropped and retried a second later, which would measure the kernel, not the server.
    std::size_t in_flight = 256;
    unsigned client_threads = 1;
    /// Nice value the load generator's threads take just before the warning burst: the server's
    /// threads then get the cores first, as they would with the clients on other machines.
    int lifecycle_nice = 19;
    /// Every k-th connection is served by one more io thread that keeps nice 0 and so reads its
    /// events as they come; 0 for none (the default: its wake-ups cost the server's cores more
    /// than they measure). See README.md, "Arrival".
    std::size_t sample_every = 0;
    /// From each burst's due instant (every exp - W and exp) the io threads leave their sockets
    /// unread this long, so that reading and parsing 10,000 frames does not take the cores the
    /// server is sending on; arrival is the kernel's receive stamp either way. 0: read as they
    /// come. The sampler's thread is never held.
    std::chrono::milliseconds hold_reads{250};
    /// Hard limit on the phases; cleanup follows.
    std::chrono::seconds max_seconds{120};
    /// How long after the last exp missing events and closes are waited for.
    std::chrono::seconds grace{10};
    /// Identity of connection i is this followed by i: several load programs against one cluster
    /// take distinct prefixes, so no identity spans two of them.
    std::string identity_prefix = "load-";
    /// Unix second at which the renewals are sent (and their tokens issued), instead of as soon as
    /// every connection is up: several load programs given the same second renew together, so
    /// their tokens share one exp and their bursts coincide. Late, they renew at once.
    std::optional<std::int64_t> renew_at;
};

/// Set from a signal handler; every wait checks it.
extern std::atomic<bool> g_interrupted;

class LoadRun {
public:
    /// `probe` reads the server's CPU and memory when its pid is known; `server_alive` ends every
    /// wait early once the server is gone.
    LoadRun(LoadRunOptions options, ServerAddress server, std::optional<ProcessProbe> probe,
            std::function<bool()> server_alive);
    ~LoadRun();
    LoadRun(const LoadRun&) = delete;
    LoadRun& operator=(const LoadRun&) = delete;

    /// Runs every phase and fills `report` with what was measured (partial on a deadline).
    void run(LoadReport& report);

private:
    struct CpuMark {
        std::chrono::steady_clock::time_point wall;
        double client_s = 0;
        std::optional<double> server_s;
        std::optional<double> client_wait_s;
        std::optional<double> server_wait_s;
    };
    /// Per io thread: the connections it still has to start, started `in_flight` at a time.
    struct Launcher {
        std::vector<std::size_t> pending;
        std::size_t next = 0;
    };

    void mintInitTokens(LoadReport& report);
    void connectPhase(LoadReport& report);
    void renewPhase(LoadReport& report);
    void expiryPhase(LoadReport& report);
    /// Lateness samples of the lifecycle events, in milliseconds after their due time.
    struct EventSamples {
        std::vector<double> about_ms;
        std::vector<double> about_sampled_ms;
        std::vector<double> about_read_ms;
        std::vector<double> about_server_ms;
        std::vector<double> expired_ms;
        std::vector<double> expired_sampled_ms;
        std::vector<double> expired_read_ms;
        std::vector<double> expired_server_ms;
    };
    void summarize(LoadReport& report) const;
    void addEventSamples(const ConnectionRecord& record, bool sampled, LoadReport& report,
                         EventSamples& samples) const;
    /// Whether a connection is served by the sampler thread, and whether its lateness counts.
    bool onSampler(std::size_t connection) const;
    bool sampled(std::size_t connection) const;
    void stopClients();
    /// Gives the io threads (all but the sampler's) and the calling thread `lifecycle_nice`, and
    /// switches them to ticking.
    void stepAsideForBursts();
    /// An io thread: blocks in the reactor until the lifecycle phase, then polls it every kTick;
    /// the sampler's keeps blocking.
    void runClientThread(boost::asio::io_context& io, bool sampler);
    /// Whether `now` falls within hold_reads of a burst's due instant (first_exp_ is set once
    /// ticking_ is).
    bool readsHeld(std::chrono::system_clock::time_point now) const;
    /// One-second batches of expiries: the first at first_exp_, each a second after the last.
    std::int64_t batches() const;
    static constexpr std::chrono::milliseconds kTick{1};

    void launchNext(std::size_t thread_index);
    CpuMark mark() const;
    CpuSplit split(const CpuMark& from, const CpuMark& to) const;
    /// Polls `done` until it holds, the deadline passes, the server dies or a signal arrives.
    bool waitUntil(const std::function<bool()>& done,
                   std::chrono::steady_clock::time_point until) const;
    void sleepUntil(std::chrono::system_clock::time_point wall) const;
    std::size_t ended() const;

    LoadRunOptions options_;
    ServerAddress server_;
    std::optional<ProcessProbe> probe_;
    std::function<bool()> server_alive_;
    std::chrono::steady_clock::time_point started_;
    std::chrono::steady_clock::time_point deadline_;

    /// The load-generator io threads' contexts; the last one is the sampler's when there is one.
    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
    std::vector<Launcher> launchers_;
    std::vector<std::thread> threads_;
    std::vector<std::string> init_tokens_;
    LoadCounters counters_;
    std::vector<std::unique_ptr<LoadConnection>> connections_;
    std::int64_t first_exp_ = 0;
    /// Set just before the warning burst: io threads poll every kTick instead of sleeping in
    /// epoll_wait (see runClientThread); first_exp_ is written before it is set.
    std::atomic<bool> ticking_{false};
    /// Set when a thread could not take `lifecycle_nice` (a negative value needs CAP_SYS_NICE).
    std::atomic<bool> nice_failed_{false};
};

} // namespace parley::load
