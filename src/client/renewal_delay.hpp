// When the AccessManager asks its provider for the next token (rule 10), apart from the manager
// so the rule can be read (and changed) on its own.

#pragma once

#include <parley/lifecycle/token_lifecycle.hpp>

#include <algorithm>
#include <chrono>
#include <random>

namespace parley::client {

// The largest renewal_spread taken: at least half of the time left stays for the renewal.
inline constexpr double kMaxRenewalSpread = 0.5;

// A random point early in what is left of the window spreads the renewals of shared expiries.
// Drawn within a fraction of the time actually left (not of W, which a short token may not have:
// W = 180 s and a 40 s token once put the first call after exp), and at most half of it, so the
// provider and its retries keep at least half of what was left.
inline std::chrono::milliseconds renewalDelay(const lifecycle::CheckedToken& token,
                                              token::TimePoint now,
                                              std::chrono::milliseconds window, double spread,
                                              std::mt19937_64& random) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        token::TimePoint{token.expires_at} - now);
    const auto span = std::clamp(left, std::chrono::milliseconds{0}, window);
    const double fraction = std::clamp(spread, 0.0, kMaxRenewalSpread);
    std::uniform_real_distribution<double> draw{0.0, fraction * static_cast<double>(span.count())};
    return std::chrono::milliseconds{static_cast<std::int64_t>(draw(random))};
}

} // namespace parley::client
