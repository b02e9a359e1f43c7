#include <parley/lifecycle/backoff.hpp>

#include <algorithm>
#include <cmath>

namespace parley::lifecycle {

Backoff::Backoff(BackoffPolicy policy, std::uint64_t seed) : policy_(policy), random_(seed) {}

std::chrono::milliseconds Backoff::next() {
    // Computed in double and capped before converting, so many attempts never overflow.
    const double ceiling =
        std::min(static_cast<double>(policy_.max.count()),
                 static_cast<double>(policy_.initial.count()) *
                     std::pow(std::max(policy_.multiplier, 1.0), std::min(attempts_, 64)));
    ++attempts_;
    std::uniform_real_distribution<double> jitter{0.0, std::max(ceiling, 0.0)};
    return std::chrono::milliseconds{static_cast<std::int64_t>(jitter(random_))};
}

} // namespace parley::lifecycle
