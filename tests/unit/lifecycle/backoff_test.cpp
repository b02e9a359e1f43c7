#include <parley/lifecycle/backoff.hpp>

#include <gtest/gtest.h>

namespace parley::lifecycle {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, DelaysStayUnderACeilingThatDoublesUpToTheCap) {
    Backoff backoff{BackoffPolicy{.initial = 100ms, .max = 1000ms, .multiplier = 2.0}, 42};
    const std::chrono::milliseconds ceilings[] = {100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms};
    for (const auto ceiling : ceilings) {
        const auto delay = backoff.next();
        EXPECT_GE(delay, 0ms);
        EXPECT_LE(delay, ceiling);
    }
    EXPECT_EQ(backoff.attempts(), 6);
}

TEST(Backoff, FullJitterSpreadsClientsThatFailedTogether) {
    // Two clients with different seeds: their delays differ (full jitter, not a fixed schedule).
    Backoff first{BackoffPolicy{.initial = 10'000ms, .max = 10'000ms}, 1};
    Backoff second{BackoffPolicy{.initial = 10'000ms, .max = 10'000ms}, 2};
    int differing = 0;
    for (int i = 0; i < 10; ++i) {
        differing += first.next() != second.next() ? 1 : 0;
    }
    EXPECT_GE(differing, 9);
}

TEST(Backoff, ManyAttemptsNeverOverflowTheCap) {
    Backoff backoff{BackoffPolicy{.initial = 250ms, .max = 30'000ms}, 7};
    for (int i = 0; i < 10'000; ++i) {
        EXPECT_LE(backoff.next(), 30'000ms);
    }
}

TEST(Backoff, ResetStartsFromTheInitialCeilingAgain) {
    Backoff backoff{BackoffPolicy{.initial = 100ms, .max = 100'000ms}, 3};
    for (int i = 0; i < 10; ++i) {
        (void)backoff.next();
    }
    backoff.reset();
    EXPECT_EQ(backoff.attempts(), 0);
    EXPECT_LE(backoff.next(), 100ms);
}

} // namespace
} // namespace parley::lifecycle
