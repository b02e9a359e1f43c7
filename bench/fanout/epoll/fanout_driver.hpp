#pragma once

// The method, the same for both peers (bench/README.md, "Fan-out against Redis"): connect and
// get every connection ready, then (a) max throughput, each publisher keeping a window of
// publishes in flight, deliveries counted over a window after a warm-up; (b) a fixed rate of
// deliveries, each body stamped with its send time, send → receipt percentiles. After each phase
// the publishers stop and the run waits until every subscriber has every acknowledged message;
// what is missing is counted, and a run with a miss is invalid. Or (idle) only connect and
// measure the server's RSS per connection.
//
// Threading: one thread, the loop's.

#include "epoll_report.hpp"
#include "server_child.hpp"
#include "side.hpp"

#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace parley::bench::epoll {

class FanoutDriver final : public SideEvents {
public:
    /// `separate_publishers`: publishers are connections of their own (Redis); otherwise the
    /// first `publishers` subscribers also publish (Parley members).
    FanoutDriver(const DriverOptions& options, EpollLoop& loop, Side& side,
                 bool separate_publishers);

    RunReport run();

    void onReady(Conn& conn) override;
    void onDelivery(Conn& conn, std::string_view body) override;
    void onAck(Conn& conn, bool ok, std::int64_t receivers, std::string_view why) override;
    void onFailure(Conn& conn, const std::string& why) override;

private:
    enum class Mode { quiet, window, rate };

    struct Snapshot {
        Clock::time_point when;
        std::uint64_t deliveries = 0;
        std::uint64_t acks = 0;
        double client_cpu = 0;
        std::optional<double> server_cpu;
    };

    // fanout_driver.cpp: connections, events, drain and checks.
    void createConns(bool separate_publishers);
    bool connectAll();
    void startConnects(std::size_t& next);
    bool drain();
    void countMisses();
    void measureIdle();
    void publishOne(Conn& conn);
    void noteFailure(std::string why);
    std::uint64_t slowestReceived() const;
    Snapshot snapshot() const;
    void fillPhase(PhaseReport& phase, const Snapshot& from, const Snapshot& to) const;

    // fanout_phases.cpp: the two measures.
    void runMax();
    void runRate();
    /// Polls until `deadline`, applying the lag guard in window mode.
    void pumpUntil(Clock::time_point deadline);
    void checkLag();
    void refillWindows();
    void publishDue(Clock::time_point now);

    DriverOptions options_;
    EpollLoop& loop_;
    Side& side_;
    RunReport report_;
    std::optional<load::ProcessProbe> server_;
    std::vector<Conn*> subscribers_;
    std::vector<Conn*> publishers_;
    std::size_t ready_ = 0;
    std::size_t dead_ = 0;

    Mode mode_ = Mode::quiet;
    bool paused_ = false;
    Clock::time_point paused_since_{};
    double paused_seconds_ = 0;
    Clock::time_point next_lag_check_{};
    std::uint64_t in_flight_ = 0;
    std::uint64_t delivered_ = 0;
    std::uint64_t sequence_ = 0;
    std::string body_;

    // Fixed rate.
    Clock::duration interval_{};
    Clock::time_point next_due_{};
    std::size_t next_publisher_ = 0;
    std::int64_t stamp_from_ = 0;
    std::int64_t stamp_to_ = 0;
    std::vector<std::uint32_t> micros_;
    std::vector<std::uint32_t> read_micros_;
    /// Fixed rate: each measured message's first and last receipt, from send (µs), by its stamp.
    std::unordered_map<std::int64_t, std::pair<std::uint32_t, std::uint32_t>> receipts_;
};

} // namespace parley::bench::epoll
