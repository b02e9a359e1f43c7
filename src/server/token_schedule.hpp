#pragma once

// When the server sends a connection's lifecycle events for its current token (docs/protocol.md,
// "Token lifecycle", rules 1-2): about-to-expire at exp - W, or at once if W or less is left;
// expired at exp. Pure arithmetic, so the rule is tested without sockets or waiting.

#include <parley/token/clock.hpp>

#include <chrono>

namespace parley::server {

struct TokenSchedule {
    /// Send token_about_to_expire now (W or less left when the token was set).
    bool warn_now = false;
    /// Otherwise, how long from now until it is due.
    std::chrono::milliseconds warn_in{0};
    /// How long from now until token_expired is due (zero if already past).
    std::chrono::milliseconds expire_in{0};
};

TokenSchedule scheduleFor(token::UnixSeconds expires_at, token::TimePoint now,
                          std::chrono::seconds window);

/// Token bucket for a connection's frames: `rate` per second, bursts up to `burst`. Time comes
/// from the session's clock; a step back refills nothing.
class RateLimiter {
public:
    using TimePoint = token::TimePoint;

    RateLimiter(double rate_per_second, double burst, TimePoint now);

    /// Takes one token if there is one.
    bool allow(TimePoint now);

private:
    double rate_;
    double burst_;
    double tokens_;
    TimePoint last_;
};

} // namespace parley::server
