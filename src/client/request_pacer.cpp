#include "client/request_pacer.hpp"

#include <algorithm>
#include <cmath>

namespace parley::client {

namespace {

// Below the server's rate, so clocks that tick at slightly different speeds never add up to a
// refusal.
constexpr double kRateMargin = 0.9;

std::chrono::milliseconds secondsToMillis(double seconds) {
    return std::chrono::milliseconds{static_cast<std::int64_t>(std::ceil(seconds * 1000.0))};
}

} // namespace

void RequestPacer::reset() {
    *this = RequestPacer{};
}

void RequestPacer::setLimits(double rate_per_second, double burst, std::size_t sent_so_far,
                             TimePoint now) {
    rate_ = rate_per_second * kRateMargin;
    const auto whole_burst = static_cast<std::size_t>(std::max(1.0, std::floor(burst)));
    one_at_a_time_ = whole_burst < 2;
    window_ = one_at_a_time_ ? 1 : std::max<std::size_t>(1, whole_burst / 2);
    burst_ = one_at_a_time_ ? 1.0 : static_cast<double>(whole_burst - window_);
    tokens_ = std::max(0.0, burst_ - static_cast<double>(sent_so_far));
    refilled_at_ = now;
    last_reply_.reset();
}

void RequestPacer::refill(TimePoint now) {
    const double elapsed = std::chrono::duration<double>(now - refilled_at_).count();
    tokens_ = std::min(burst_, tokens_ + std::max(0.0, elapsed) * rate_);
    refilled_at_ = std::max(refilled_at_, now);
}

std::optional<RequestPacer::TimePoint> RequestPacer::nextSendAt(std::size_t in_flight,
                                                                TimePoint now) {
    if (!limited()) {
        return now;
    }
    if (in_flight >= window_) {
        return std::nullopt;
    }
    refill(now);
    TimePoint at = now;
    if (tokens_ < 1.0) {
        at = now + secondsToMillis((1.0 - tokens_) / rate_);
    }
    if (one_at_a_time_ && last_reply_) {
        at = std::max(at, *last_reply_ + secondsToMillis(1.0 / rate_));
    }
    return at;
}

void RequestPacer::onSent(TimePoint now) {
    if (limited()) {
        refill(now);
        tokens_ = std::max(0.0, tokens_ - 1.0);
    }
}

void RequestPacer::onReply(TimePoint now) {
    last_reply_ = now;
}

} // namespace parley::client
