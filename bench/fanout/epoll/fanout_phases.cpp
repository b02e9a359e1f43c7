// FanoutDriver's two measures: max throughput with a window in flight, and a fixed rate.

#include "fanout_driver.hpp"

#include <algorithm>

namespace parley::bench::epoll {

namespace {

constexpr auto kPollStep = std::chrono::milliseconds{5};
constexpr auto kLagCheckEvery = std::chrono::milliseconds{10};
/// Fixed rate: a publisher this far behind its schedule is not sent more (the skip is reported).
constexpr std::uint64_t kRateMaxInFlight = 10'000;

Clock::duration toDuration(double seconds) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

std::int64_t nanos(Clock::duration duration) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
}

} // namespace

void FanoutDriver::runMax() {
    mode_ = Mode::window;
    refillWindows();
    // Warm-up, and at least until the first windows (sent as one burst) are answered.
    pumpUntil(Clock::now() + toDuration(options_.warmup_seconds));
    const auto first_windows = static_cast<std::uint64_t>(publishers_.size() * options_.window);
    const auto give_up = Clock::now() + toDuration(options_.setup_timeout_seconds);
    while (report_.acked < first_windows && dead_ == 0 && Clock::now() < give_up) {
        pumpUntil(Clock::now() + std::chrono::milliseconds{50});
    }
    const Snapshot from = snapshot();
    const double paused_before = paused_seconds_;
    pumpUntil(from.when + toDuration(options_.seconds));
    const Snapshot to = snapshot();
    if (paused_) {
        paused_seconds_ +=
            std::chrono::duration<double>(to.when - std::max(paused_since_, from.when)).count();
        paused_ = false;
    }
    fillPhase(report_.max, from, to);
    report_.max.paused_seconds = paused_seconds_ - paused_before;
    drain();
}

void FanoutDriver::refillWindows() {
    for (Conn* conn : publishers_) {
        while (conn->in_flight < options_.window && !conn->closed) {
            publishOne(*conn);
        }
    }
}

void FanoutDriver::pumpUntil(Clock::time_point deadline) {
    while (dead_ == 0) {
        const auto now = Clock::now();
        if (now >= deadline) {
            return;
        }
        if (mode_ == Mode::rate) {
            publishDue(now);
        } else if (now >= next_lag_check_) {
            checkLag();
            next_lag_check_ = now + kLagCheckEvery;
        }
        auto wait = std::min<Clock::duration>(kPollStep, deadline - now);
        if (mode_ == Mode::rate) {
            wait = std::clamp<Clock::duration>(next_due_ - now, Clock::duration::zero(), wait);
        }
        loop_.poll(wait);
    }
}

void FanoutDriver::checkLag() {
    const std::uint64_t slowest = std::min(slowestReceived(), report_.acked);
    const std::uint64_t lag = report_.acked - slowest;
    report_.max_lag_seen = std::max(report_.max_lag_seen, lag);
    if (mode_ != Mode::window) {
        return;
    }
    if (!paused_ && lag > options_.max_lag) {
        paused_ = true;
        paused_since_ = Clock::now();
    } else if (paused_ && lag <= options_.max_lag / 2) {
        paused_ = false;
        paused_seconds_ += std::chrono::duration<double>(Clock::now() - paused_since_).count();
        refillWindows();
    }
}

void FanoutDriver::runRate() {
    mode_ = Mode::rate;
    const double messages_per_second =
        options_.rate_deliveries / static_cast<double>(options_.subscribers);
    interval_ = toDuration(1.0 / messages_per_second);
    next_due_ = Clock::now();
    const auto window_start = Clock::now() + toDuration(options_.warmup_seconds);
    const auto window_end = window_start + toDuration(options_.seconds);
    stamp_from_ = nowNanos() + nanos(window_start - Clock::now());
    stamp_to_ = stamp_from_ + nanos(window_end - window_start);
    loop_.stampReceipts(true);
    pumpUntil(window_start);
    const Snapshot from = snapshot();
    pumpUntil(window_end);
    const Snapshot to = snapshot();
    fillPhase(report_.rate, from, to);
    report_.rate.target_deliveries_per_second = options_.rate_deliveries;
    drain(); // the window's late deliveries still count in the percentiles
    report_.rate.latency = summarizeMicros(micros_);
    report_.rate.read_latency = summarizeMicros(read_micros_);
    std::vector<std::uint32_t> first;
    std::vector<std::uint32_t> spread;
    for (const auto& [stamp, receipt] : receipts_) {
        first.push_back(receipt.first);
        spread.push_back(receipt.second - receipt.first);
    }
    report_.rate.first_receipt = summarizeMicros(first);
    report_.rate.receipt_spread = summarizeMicros(spread);
    stamp_to_ = 0;
    loop_.stampReceipts(false);
}

void FanoutDriver::publishDue(Clock::time_point now) {
    // Open loop: every publish that is due goes out, however the earlier ones fared, so a slow
    // reply cannot delay the next send and hide its own cost.
    while (next_due_ <= now && !publishers_.empty()) {
        Conn& conn = *publishers_[next_publisher_++ % publishers_.size()];
        if (conn.in_flight >= kRateMaxInFlight) {
            ++report_.rate.skipped;
        } else {
            publishOne(conn);
        }
        next_due_ += interval_;
    }
}

} // namespace parley::bench::epoll
