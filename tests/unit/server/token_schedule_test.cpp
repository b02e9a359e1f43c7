#include "server/token_schedule.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace parley::server {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

// A whole-second expiry, as JWT `exp` carries it, and the default W.
const token::UnixSeconds kExpiry{std::chrono::seconds{1'800'000'000}};
constexpr std::chrono::seconds kWindow{180};

token::TimePoint at(token::UnixSeconds time) {
    return token::TimePoint{time};
}

// ---- scheduleFor ----

TEST(ScheduleFor, OneMillisecondBeforeTheWindowWarnsLater) {
    const TokenSchedule schedule = scheduleFor(kExpiry, at(kExpiry) - kWindow - 1ms, kWindow);
    EXPECT_FALSE(schedule.warn_now);
    EXPECT_EQ(schedule.warn_in, 1ms);
    EXPECT_EQ(schedule.expire_in, milliseconds{kWindow} + 1ms);
}

TEST(ScheduleFor, ExactlyWLeftWarnsNow) {
    const TokenSchedule schedule = scheduleFor(kExpiry, at(kExpiry) - kWindow, kWindow);
    EXPECT_TRUE(schedule.warn_now);
    EXPECT_EQ(schedule.warn_in, 0ms);
    EXPECT_EQ(schedule.expire_in, milliseconds{kWindow});
}

TEST(ScheduleFor, InsideTheWindowWarnsNowAndExpiresAtExp) {
    const TokenSchedule just_inside = scheduleFor(kExpiry, at(kExpiry) - kWindow + 1ms, kWindow);
    EXPECT_TRUE(just_inside.warn_now);
    EXPECT_EQ(just_inside.expire_in, milliseconds{kWindow} - 1ms);

    const TokenSchedule last_moment = scheduleFor(kExpiry, at(kExpiry) - 1ms, kWindow);
    EXPECT_TRUE(last_moment.warn_now);
    EXPECT_EQ(last_moment.expire_in, 1ms);
}

TEST(ScheduleFor, AtExpExpiresAtOnce) {
    const TokenSchedule schedule = scheduleFor(kExpiry, at(kExpiry), kWindow);
    EXPECT_TRUE(schedule.warn_now);
    EXPECT_EQ(schedule.expire_in, 0ms);
}

TEST(ScheduleFor, AfterExpExpiresAtOnceNeverNegative) {
    for (const milliseconds late : {1ms, milliseconds{1s}, milliseconds{24h}}) {
        const TokenSchedule schedule = scheduleFor(kExpiry, at(kExpiry) + late, kWindow);
        EXPECT_TRUE(schedule.warn_now) << late.count();
        EXPECT_EQ(schedule.expire_in, 0ms) << late.count();
    }
}

TEST(ScheduleFor, ALongTokenWarnsAtExpMinusW) {
    const TokenSchedule schedule = scheduleFor(kExpiry, at(kExpiry) - 24h, kWindow);
    EXPECT_FALSE(schedule.warn_now);
    EXPECT_EQ(schedule.warn_in, milliseconds{24h} - milliseconds{kWindow});
    EXPECT_EQ(schedule.expire_in, milliseconds{24h});
}

TEST(ScheduleFor, WithAZeroWindowWarnsOnlyAtExp) {
    const TokenSchedule before = scheduleFor(kExpiry, at(kExpiry) - 1ms, 0s);
    EXPECT_FALSE(before.warn_now);
    EXPECT_EQ(before.warn_in, 1ms);
    EXPECT_EQ(before.expire_in, 1ms);

    const TokenSchedule at_exp = scheduleFor(kExpiry, at(kExpiry), 0s);
    EXPECT_TRUE(at_exp.warn_now);
    EXPECT_EQ(at_exp.expire_in, 0ms);
}

TEST(ScheduleFor, AWindowLongerThanTheTokenWarnsAtOnce) {
    const TokenSchedule schedule = scheduleFor(kExpiry, at(kExpiry) - 60s, kWindow);
    EXPECT_TRUE(schedule.warn_now);
    EXPECT_EQ(schedule.expire_in, milliseconds{60s});
}

TEST(ScheduleFor, AnExpLongInThePastExpiresAtOnce) {
    const token::UnixSeconds epoch{std::chrono::seconds{0}};
    const token::UnixSeconds before_epoch{std::chrono::seconds{-3600}};
    for (const token::UnixSeconds expiry : {epoch, before_epoch}) {
        const TokenSchedule schedule = scheduleFor(expiry, at(kExpiry), kWindow);
        EXPECT_TRUE(schedule.warn_now);
        EXPECT_EQ(schedule.expire_in, 0ms);
    }
}

// ---- RateLimiter ----

const RateLimiter::TimePoint kStart{std::chrono::hours{1000}};

TEST(RateLimiter, AllowsAFullBurstThenRefuses) {
    RateLimiter limiter{4.0, 3.0, kStart};
    EXPECT_TRUE(limiter.allow(kStart));
    EXPECT_TRUE(limiter.allow(kStart));
    EXPECT_TRUE(limiter.allow(kStart));
    EXPECT_FALSE(limiter.allow(kStart));
    EXPECT_FALSE(limiter.allow(kStart));
}

TEST(RateLimiter, RefillsOneTokenPerOneOverRate) {
    // 4 per second: one token every 250 ms, exactly representable.
    RateLimiter early{4.0, 1.0, kStart};
    ASSERT_TRUE(early.allow(kStart));
    EXPECT_FALSE(early.allow(kStart + 249ms));

    RateLimiter on_time{4.0, 1.0, kStart};
    ASSERT_TRUE(on_time.allow(kStart));
    EXPECT_TRUE(on_time.allow(kStart + 250ms));
    EXPECT_FALSE(on_time.allow(kStart + 250ms));
}

TEST(RateLimiter, PartialRefillsAddUp) {
    RateLimiter limiter{4.0, 1.0, kStart};
    ASSERT_TRUE(limiter.allow(kStart));
    EXPECT_FALSE(limiter.allow(kStart + 125ms)); // half a token
    EXPECT_TRUE(limiter.allow(kStart + 250ms));  // the other half
}

TEST(RateLimiter, ASteadyRateAtTheLimitIsAlwaysAllowed) {
    RateLimiter limiter{4.0, 2.0, kStart};
    auto now = kStart;
    ASSERT_TRUE(limiter.allow(now));
    ASSERT_TRUE(limiter.allow(now));
    for (int frame = 0; frame < 1000; ++frame) {
        now += 250ms;
        ASSERT_TRUE(limiter.allow(now)) << "frame " << frame;
    }
    EXPECT_FALSE(limiter.allow(now));
}

TEST(RateLimiter, AnIdlePeriodRefillsOnlyUpToTheBurst) {
    RateLimiter limiter{4.0, 3.0, kStart};
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(limiter.allow(kStart));
    }
    const auto later = kStart + 1h;
    EXPECT_TRUE(limiter.allow(later));
    EXPECT_TRUE(limiter.allow(later));
    EXPECT_TRUE(limiter.allow(later));
    EXPECT_FALSE(limiter.allow(later));
}

TEST(RateLimiter, TimeGoingBackwardsAddsNothing) {
    RateLimiter limiter{4.0, 1.0, kStart};
    ASSERT_TRUE(limiter.allow(kStart));
    EXPECT_FALSE(limiter.allow(kStart - 10s));
    // Measured from the earlier point, 250 ms later is one token again.
    EXPECT_TRUE(limiter.allow(kStart - 10s + 250ms));
}

TEST(RateLimiter, AZeroRateNeverRefills) {
    RateLimiter limiter{0.0, 2.0, kStart};
    EXPECT_TRUE(limiter.allow(kStart));
    EXPECT_TRUE(limiter.allow(kStart + 1s));
    EXPECT_FALSE(limiter.allow(kStart + 24h));
}

} // namespace
} // namespace parley::server
