#pragma once

// Capped exponential backoff with full jitter, for reconnects and token-provider retries: the
// n-th delay is uniform in [0, min(max, initial * multiplier^n)], so clients that failed together
// do not retry together.

#include <chrono>
#include <cstdint>
#include <random>

namespace parley::lifecycle {

struct BackoffPolicy {
    /// Ceiling of the first delay; short, so a blip costs little.
    std::chrono::milliseconds initial{250};
    /// Ceiling of every delay, so a long outage is noticed within this long of its end.
    std::chrono::milliseconds max{30'000};
    /// Growth of the ceiling per failed attempt.
    double multiplier = 2.0;
};

/// Not thread-safe.
class Backoff {
public:
    explicit Backoff(BackoffPolicy policy, std::uint64_t seed = std::random_device{}());

    /// The delay before the next attempt; counts the attempt.
    std::chrono::milliseconds next();
    /// After a success: the next delay starts from `initial` again.
    void reset() { attempts_ = 0; }
    int attempts() const { return attempts_; }
    const BackoffPolicy& policy() const { return policy_; }

private:
    BackoffPolicy policy_;
    std::mt19937_64 random_;
    int attempts_ = 0;
};

} // namespace parley::lifecycle
