#include "server/token_schedule.hpp"

#include <algorithm>

namespace parley::server {

using std::chrono::milliseconds;

TokenSchedule scheduleFor(token::UnixSeconds expires_at, token::TimePoint now,
                          std::chrono::seconds window) {
    const token::TimePoint expiry{expires_at};
    const token::TimePoint warn_at = expiry - window;
    TokenSchedule schedule;
    schedule.expire_in = std::max(milliseconds{0}, expiry - now);
    if (now >= warn_at) {
        schedule.warn_now = true;
    } else {
        schedule.warn_in = warn_at - now;
    }
    return schedule;
}

RateLimiter::RateLimiter(double rate_per_second, double burst, TimePoint now)
    : rate_(rate_per_second), burst_(burst), tokens_(burst), last_(now) {}

bool RateLimiter::allow(TimePoint now) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    tokens_ = std::min(burst_, tokens_ + std::max(0.0, elapsed) * rate_);
    if (tokens_ < 1.0) {
        return false;
    }
    tokens_ -= 1.0;
    return true;
}

} // namespace parley::server
