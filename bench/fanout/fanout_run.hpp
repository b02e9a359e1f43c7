#pragma once

// The phases of one fan-out run against a server that is already listening: build the channel,
// connect every member, let the senders run through a warm-up and the measured window, then stop
// them and wait until every member has every acknowledged message.
//
// The lag guard: every 10 ms the driver compares the newest message known to be committed (the
// acknowledged ones, or what the fastest member has received) with what the slowest member has
// received, and holds the senders back while that gap is above FanoutOptions::max_lag. A reader
// that falls that far behind would otherwise be closed by the server as a slow consumer, which
// would end the run instead of measuring it. Time spent paused is reported: a run with pauses was
// limited by getting frames out (the server's writes or this program's reads), not by accepting
// messages.
//
// Threading: run() on one driver thread; members live on `client_threads` io threads, each with
// its own io_context.

#include "channel_setup.hpp"
#include "fanout_member.hpp"
#include "fanout_report.hpp"

#include <parley/token/api_key.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace parley::bench {

class FanoutRun {
public:
    /// Member i connects to servers[i % servers.size()], except the senders and the channel's
    /// admin, which use servers[0] (several nodes of one cluster: the fan-out crosses nodes).
    /// The server CPU reported is the sum over `server_probes` (nodes, broker, store).
    FanoutRun(FanoutOptions options, std::vector<Endpoint> servers, token::ApiKey key,
              std::vector<load::ProcessProbe> server_probes, std::function<bool()> server_alive);
    ~FanoutRun();
    FanoutRun(const FanoutRun&) = delete;
    FanoutRun& operator=(const FanoutRun&) = delete;

    /// Runs every phase and fills the report; stops early (with first_error set) on a failure.
    void run(FanoutReport& report);

private:
    /// Counters at one instant of the measured window.
    struct Mark {
        CpuSample cpu;
        std::uint64_t deliveries = 0;
        std::uint64_t acked = 0;
        std::chrono::duration<double> paused{};
    };

    /// One line on stderr with the time since run() began: a run that hangs or is killed
    /// still shows how far it got.
    void progress(const std::string& what) const;
    /// Acknowledged, in flight, received by the slowest and fastest member, failures.
    std::string describeProgress() const;
    /// The first members that lack acknowledged messages, with their server and count.
    std::string describeShortMembers() const;
    void startIo();
    /// Closes every connection, lets the io threads finish what that cancelled, and joins them.
    void stopIo();
    std::expected<void, std::string> setupChannel();
    std::expected<void, std::string> connectMembers();
    void connectNext();
    void measure(FanoutReport& report);
    void drain(FanoutReport& report);
    void collect(FanoutReport& report);
    /// Runs the lag guard for `duration` or until `done`; false as soon as a member failed or
    /// the server died.
    bool runFor(std::chrono::steady_clock::duration duration,
                const std::function<bool()>& done = {});
    void guardLag();
    void sampleBacklog();
    Mark mark() const;
    std::chrono::duration<double> pausedSoFar() const;
    /// Messages received by the slowest and by the fastest member.
    std::pair<std::uint64_t, std::uint64_t> receivedRange() const;
    std::uint64_t totalReceived() const;
    /// Posts `action` to the io thread of each sender.
    void forEachSender(const std::function<void(FanoutMember&)>& action);

    FanoutOptions options_;
    std::vector<Endpoint> servers_;
    token::ApiKey key_;
    std::vector<load::ProcessProbe> probes_;
    std::function<bool()> server_alive_;
    FanoutShared shared_;
    using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
    std::vector<WorkGuard> guards_;
    std::vector<std::thread> threads_;
    /// Declared after the io_contexts, so destroyed before them.
    std::unique_ptr<ChannelSetup> setup_;
    std::vector<std::unique_ptr<FanoutMember>> members_;
    std::atomic<std::size_t> next_to_connect_{0};
    std::chrono::steady_clock::time_point started_{};

    std::chrono::steady_clock::time_point pause_started_{};
    std::chrono::duration<double> paused_total_{};
    std::size_t pauses_ = 0;
    std::uint64_t max_lag_seen_ = 0;
    std::uint64_t backlog_sum_ = 0;
    std::uint64_t backlog_max_ = 0;
    std::size_t backlog_samples_ = 0;
};

} // namespace parley::bench
