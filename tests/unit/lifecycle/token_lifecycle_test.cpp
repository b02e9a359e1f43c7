#include "lifecycle_tokens.hpp"

#include <parley/lifecycle/manual_scheduler.hpp>
#include <parley/lifecycle/token_lifecycle.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::lifecycle {
namespace {

using namespace std::chrono_literals;
using testing::kT0;
using testing::tokenFor;
using token::TokenError;

constexpr std::chrono::seconds kWindow{180};

// Records each event with the clock reading when it fired.
class TokenLifecycleTest : public ::testing::Test {
protected:
    struct Fired {
        std::string what;
        TimePoint at;
        UnixSeconds exp;
    };

    TokenLifecycle& engine() { return engine_; }
    CheckedToken accept(const std::string& jwt) {
        auto checked = engine_.check(jwt);
        EXPECT_TRUE(checked) << checked.error().message;
        engine_.setToken(*checked);
        return *checked;
    }
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& event : fired_) {
            out.push_back(event.what);
        }
        return out;
    }

    token::ManualClock clock_{kT0};
    ManualScheduler scheduler_{clock_};
    std::vector<Fired> fired_;
    TokenLifecycle engine_{scheduler_, LifecycleOptions{.about_to_expire_window = kWindow},
                           LifecycleCallbacks{
                               .about_to_expire =
                                   [this](const CheckedToken& t) {
                                       fired_.push_back({"about", clock_.now(), t.expires_at});
                                   },
                               .expired =
                                   [this](const CheckedToken& t) {
                                       fired_.push_back({"expired", clock_.now(), t.expires_at});
                                   },
                           }};
};

TEST_F(TokenLifecycleTest, FiresAboutToExpireAtExpMinusWindowAndExpiredAtExp) {
    accept(tokenFor("alice", kT0, 600s));
    scheduler_.advance(420s - 1ms);
    EXPECT_TRUE(fired_.empty());
    scheduler_.advance(1ms);
    ASSERT_EQ(names(), (std::vector<std::string>{"about"}));
    EXPECT_EQ(fired_[0].at, kT0 + 420s);
    scheduler_.advance(180s - 1ms);
    EXPECT_EQ(fired_.size(), 1U);
    scheduler_.advance(1ms);
    ASSERT_EQ(names(), (std::vector<std::string>{"about", "expired"}));
    EXPECT_EQ(fired_[1].at, kT0 + 600s);
    scheduler_.advance(24h);
    EXPECT_EQ(fired_.size(), 2U) << "each event once per token";
    EXPECT_FALSE(engine().timerArmed());
}

TEST_F(TokenLifecycleTest, FiresAboutToExpireAtOnceWithExactlyTheWindowLeft) {
    accept(tokenFor("alice", kT0, kWindow));
    EXPECT_TRUE(fired_.empty()) << "never inside setToken";
    scheduler_.runReady();
    ASSERT_EQ(names(), (std::vector<std::string>{"about"}));
    EXPECT_EQ(fired_[0].at, kT0);
}

TEST_F(TokenLifecycleTest, FiresAboutToExpireAtOnceWithLessThanTheWindowLeft) {
    accept(tokenFor("alice", kT0, 30s));
    scheduler_.runReady();
    EXPECT_EQ(names(), (std::vector<std::string>{"about"}));
    scheduler_.advance(30s);
    EXPECT_EQ(names(), (std::vector<std::string>{"about", "expired"}));
}

TEST_F(TokenLifecycleTest, WaitsForTheWindowWithOneSecondMoreThanItLeft) {
    accept(tokenFor("alice", kT0, kWindow + 1s));
    scheduler_.runReady();
    EXPECT_TRUE(fired_.empty());
    scheduler_.advance(1s);
    EXPECT_EQ(names(), (std::vector<std::string>{"about"}));
}

TEST_F(TokenLifecycleTest, RefusesAnExpiredTokenAtEachSideOfExp) {
    const std::string jwt = tokenFor("alice", kT0 - 600s, 300s); // exp = kT0 - 300 s
    clock_.set(kT0 - 301s);
    EXPECT_TRUE(engine().check(jwt)) << "exp - 1 s is still valid";
    clock_.set(kT0 - 300s);
    auto at_exp = engine().check(jwt);
    ASSERT_FALSE(at_exp);
    EXPECT_EQ(at_exp.error().code, TokenError::kExpired);
    clock_.set(kT0 - 299s);
    auto after = engine().check(jwt);
    ASSERT_FALSE(after);
    EXPECT_EQ(after.error().code, TokenError::kExpired);
    EXPECT_EQ(after.error().message, "the token expired 1 s ago");
}

TEST_F(TokenLifecycleTest, RefusesMalformedTokensWithTheServersCode) {
    for (const char* bad : {"", "a.b", "not-a-token", "a.b.c"}) {
        auto checked = engine().check(bad);
        ASSERT_FALSE(checked) << bad;
        EXPECT_EQ(checked.error().code, TokenError::kInvalidToken) << bad;
    }
}

TEST_F(TokenLifecycleTest, AbsurdExpNeverReachesATimer) {
    for (const std::string exp : {"99999999999999", "-5", "1e300", "18446744073709551616"}) {
        auto checked = engine().check(testing::craftedToken(exp));
        EXPECT_FALSE(checked) << exp;
        EXPECT_FALSE(engine().timerArmed());
    }
    const auto day_and_more =
        std::chrono::duration_cast<std::chrono::seconds>((kT0 + 24h + 1s).time_since_epoch())
            .count();
    auto too_long = engine().check(testing::craftedToken(std::to_string(day_and_more)));
    ASSERT_FALSE(too_long);
    EXPECT_EQ(too_long.error().code, TokenError::kLifetimeTooLong);
}

TEST_F(TokenLifecycleTest, ServerEventAndLocalTimerFireOnceBetweenThem) {
    const CheckedToken token = accept(tokenFor("alice", kT0, 600s));
    engine().onServerAboutToExpire(token.expires_at); // the server's warning came first
    scheduler_.advance(500s);                         // the local timer's time passes
    EXPECT_EQ(names(), (std::vector<std::string>{"about"}));
    scheduler_.advance(100s); // local expiry
    engine().onServerExpired();
    scheduler_.runReady();
    EXPECT_EQ(names(), (std::vector<std::string>{"about", "expired"}));
}

TEST_F(TokenLifecycleTest, IgnoresAServerWarningForAnotherExp) {
    const CheckedToken token = accept(tokenFor("alice", kT0, 600s));
    engine().onServerAboutToExpire(token.expires_at - 60s);
    scheduler_.runReady();
    EXPECT_TRUE(fired_.empty());
}

TEST_F(TokenLifecycleTest, UpdateExactlyAtExpMinusWindowReplacesTheDueWarning) {
    accept(tokenFor("alice", kT0, 600s));
    clock_.set(kT0 + 420s); // the warning is due, and has not run yet
    accept(tokenFor("alice", kT0 + 420s, 600s));
    scheduler_.runReady();
    EXPECT_TRUE(fired_.empty()) << "the old token's warning is void once a newer token is set";
    scheduler_.advance(420s);
    ASSERT_EQ(names(), (std::vector<std::string>{"about"}));
    EXPECT_EQ(fired_[0].at, kT0 + 840s);
}

TEST_F(TokenLifecycleTest, UpdateAfterExpiryStartsTheNewTokensEvents) {
    accept(tokenFor("alice", kT0, 600s));
    scheduler_.advance(601s);
    ASSERT_EQ(names(), (std::vector<std::string>{"about", "expired"}));
    EXPECT_TRUE(engine().expired());
    accept(tokenFor("alice", clock_.now(), 600s));
    EXPECT_FALSE(engine().expired());
    scheduler_.advance(600s);
    EXPECT_EQ(names(), (std::vector<std::string>{"about", "expired", "about", "expired"}));
}

TEST_F(TokenLifecycleTest, AReplyForAnOlderUpdateDoesNotReplaceANewerOne) {
    accept(tokenFor("alice", kT0, 600s));
    auto first = engine().check(tokenFor("alice", kT0 + 1s, 600s));
    auto second = engine().check(tokenFor("alice", kT0 + 2s, 900s));
    ASSERT_TRUE(first && second);
    EXPECT_TRUE(engine().setToken(*second)); // replies out of order: the second first
    EXPECT_FALSE(engine().setToken(*first));
    EXPECT_EQ(engine().current()->jwt, second->jwt);
    scheduler_.advance(900s + 2s - kWindow - 1ms);
    EXPECT_TRUE(fired_.empty()) << "timers follow the newer token";
}

TEST_F(TokenLifecycleTest, RefusesAnotherIdentityWith20106) {
    accept(tokenFor("alice", kT0, 600s));
    auto bob = engine().check(tokenFor("bob", kT0, 600s));
    ASSERT_FALSE(bob);
    EXPECT_EQ(bob.error().code, TokenError::kInvalidGrants);
    EXPECT_EQ(engine().current()->identity, "alice");
}

TEST_F(TokenLifecycleTest, KeepsTheIdentityWhenARefusedTokenIsForgotten) {
    accept(tokenFor("alice", kT0, 600s));
    engine().forgetToken(); // the server refused it at init
    EXPECT_FALSE(engine().current());
    EXPECT_FALSE(engine().timerArmed());
    auto bob = engine().check(tokenFor("bob", kT0, 600s));
    ASSERT_FALSE(bob);
    EXPECT_EQ(bob.error().code, TokenError::kInvalidGrants);
    EXPECT_TRUE(engine().check(tokenFor("alice", kT0, 600s)));
}

TEST_F(TokenLifecycleTest, AClockJumpPastBothEventsFiresEachOnceInOrder) {
    accept(tokenFor("alice", kT0, 600s));
    scheduler_.jumpTo(kT0 + 10h); // a laptop lid closed for ten hours
    EXPECT_EQ(names(), (std::vector<std::string>{"about", "expired"}));
    scheduler_.advance(1h);
    EXPECT_EQ(fired_.size(), 2U);
}

TEST_F(TokenLifecycleTest, AClockJumpPastTheWarningOnlyFiresTheWarning) {
    accept(tokenFor("alice", kT0, 600s));
    scheduler_.jumpTo(kT0 + 500s);
    EXPECT_EQ(names(), (std::vector<std::string>{"about"}));
    scheduler_.advance(100s);
    EXPECT_EQ(names(), (std::vector<std::string>{"about", "expired"}));
}

// The device's clock is five minutes behind the server's (or ahead): events follow the server.
class ClockSkewTest : public TokenLifecycleTest, public ::testing::WithParamInterface<int> {};

TEST_P(ClockSkewTest, EventsFireAtTheServersTimes) {
    const auto skew = std::chrono::minutes{GetParam()}; // server = device + skew
    const TimePoint server_t0 = kT0 + skew;
    engine().observeServerTime(server_t0, kT0, kT0);
    EXPECT_EQ(engine().serverOffset(), skew);
    // A token the server issued now, by its clock.
    accept(tokenFor("alice", server_t0, 600s));
    scheduler_.advance(420s - 1ms);
    EXPECT_TRUE(fired_.empty());
    scheduler_.advance(1ms);
    ASSERT_EQ(names(), (std::vector<std::string>{"about"}));
    EXPECT_EQ(fired_[0].at, kT0 + 420s) << "device time exp - W - skew";
    scheduler_.advance(180s);
    EXPECT_EQ(names(), (std::vector<std::string>{"about", "expired"}));
}

TEST_P(ClockSkewTest, TheExpiryCheckUsesTheServersClock) {
    const auto skew = std::chrono::minutes{GetParam()};
    engine().observeServerTime(kT0 + skew, kT0, kT0);
    // Four minutes left by the server's clock: valid whatever the device thinks.
    EXPECT_TRUE(engine().check(tokenFor("alice", kT0 + skew - 20s, 260s)));
    auto gone = engine().check(tokenFor("alice", kT0 + skew - 300s, 260s));
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().code, TokenError::kExpired);
}

INSTANTIATE_TEST_SUITE_P(PlusAndMinusFiveMinutes, ClockSkewTest, ::testing::Values(5, -5));

TEST_F(TokenLifecycleTest, TakesTheOffsetAtTheMidpointOfTheRoundTrip) {
    engine().observeServerTime(kT0 + 10s, kT0, kT0 + 2s);
    EXPECT_EQ(engine().serverOffset(), 9s);
}

TEST_F(TokenLifecycleTest, ClearForgetsTheTokenAndItsTimer) {
    accept(tokenFor("alice", kT0, 30s));
    engine().clear(); // before the immediate warning ran
    scheduler_.advance(1h);
    EXPECT_TRUE(fired_.empty());
    EXPECT_EQ(scheduler_.pendingTimers(), 0U);
    EXPECT_TRUE(engine().check(tokenFor("bob", clock_.now(), 600s))) << "a new user may follow";
}

TEST_F(TokenLifecycleTest, KeepsOneTimerWhateverHappens) {
    for (int i = 0; i < 50; ++i) {
        accept(tokenFor("alice", clock_.now(), 600s));
        engine().observeServerTime(clock_.now(), clock_.now(), clock_.now());
        scheduler_.advance(10s);
    }
    EXPECT_EQ(scheduler_.pendingTimers(), 1U);
}

TEST_F(TokenLifecycleTest, SettingTheSameTokenAgainDoesNotRefireItsEvents) {
    const CheckedToken token = accept(tokenFor("alice", kT0, 100s));
    scheduler_.runReady();
    ASSERT_EQ(names(), (std::vector<std::string>{"about"}));
    engine().setToken(token); // a reconnect's init with the same token
    scheduler_.runReady();
    EXPECT_EQ(names(), (std::vector<std::string>{"about"}));
}

// A client trusts no clock but the server's: before the first server time, nothing is judged or
// armed by the device's clock.
TEST(TokenLifecycleWaitingForServerTime, LeavesExpiryToTheServerAndArmsNothingUntilSynced) {
    token::ManualClock clock{kT0 + 10min}; // the device is ten minutes fast
    ManualScheduler scheduler{clock};
    int events = 0;
    TokenLifecycle engine{
        scheduler,
        LifecycleOptions{.about_to_expire_window = kWindow, .wait_for_server_time = true},
        LifecycleCallbacks{.about_to_expire = [&](const auto&) { ++events; },
                           .expired = [&](const auto&) { ++events; }}};
    // Five minutes left by the server's clock, "expired" by the device's.
    auto checked = engine.check(tokenFor("alice", kT0 - 1min, 6min));
    ASSERT_TRUE(checked) << "the device's clock does not refuse it";
    engine.setToken(*checked);
    EXPECT_FALSE(engine.expired());
    EXPECT_FALSE(engine.timerArmed());
    scheduler.runReady();
    EXPECT_EQ(events, 0) << "no event from the device's clock";
    engine.observeServerTime(kT0, clock.now(), clock.now()); // the init reply
    EXPECT_TRUE(engine.synced());
    EXPECT_TRUE(engine.timerArmed());
    scheduler.advance(5min - kWindow - 1ms);
    EXPECT_EQ(events, 0);
    scheduler.advance(1ms);
    EXPECT_EQ(events, 1) << "about to expire at the server's exp - W";
    scheduler.advance(kWindow);
    EXPECT_EQ(events, 2);
    EXPECT_TRUE(engine.expired());
    auto late = engine.check(tokenFor("alice", kT0 - 1min, 6min));
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error().code, TokenError::kExpired) << "judged locally once synced";
}

TEST(TokenLifecycleWaitingForServerTime, StillRefusesMalformedAndAbsurdTokensBeforeSyncing) {
    token::ManualClock clock{kT0};
    ManualScheduler scheduler{clock};
    TokenLifecycle engine{scheduler, LifecycleOptions{.wait_for_server_time = true}, {}};
    EXPECT_EQ(engine.check("a.b.c").error().code, TokenError::kInvalidToken);
    EXPECT_EQ(engine.check(testing::craftedToken("99999999999")).error().code,
              TokenError::kLifetimeTooLong);
}

} // namespace
} // namespace parley::lifecycle
