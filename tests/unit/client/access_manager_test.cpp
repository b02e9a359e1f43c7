#include "lifecycle/lifecycle_tokens.hpp"

#include <parley/client/access_manager.hpp>
#include <parley/lifecycle/manual_scheduler.hpp>
#include <parley/token/error.hpp>

#include <gtest/gtest.h>

#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace parley::client {
namespace {

using namespace std::chrono_literals;
using lifecycle::testing::kT0;
using lifecycle::testing::tokenFor;
using token::TimePoint;

constexpr std::chrono::seconds kWindow{60};
constexpr std::chrono::seconds kTtl{600};

// A client seen from the manager: it records each token and answers as told. (The manager's
// contract with clients is this interface; the end-to-end tests attach real ChatClients.)
class RecordingClient final : public TokenConsumer {
public:
    void acceptToken(std::string token, UpdateDone done) override {
        tokens.push_back(std::move(token));
        if (refuse_with) {
            done(std::unexpected(*refuse_with));
        } else {
            done({});
        }
    }
    std::vector<std::string> tokens;
    std::optional<Error> refuse_with;
};

class AccessManagerTest : public ::testing::Test {
protected:
    // The provider answers from a script: a token, a transient failure or a terminal one.
    void script(std::vector<ProviderResult> answers) {
        answers_.assign(answers.begin(), answers.end());
    }
    std::shared_ptr<AccessManager> makeManager(bool with_provider = true,
                                               double renewal_spread = 0.0) {
        AccessManagerOptions options{
            .about_to_expire_window = kWindow,
            .provider = {},
            .retry = {.initial = 1000ms, .max = 8000ms, .multiplier = 2.0},
            .renewal_spread = renewal_spread,
            .seed = 1234,
        };
        if (with_provider) {
            options.provider = [this](std::function<void(ProviderResult)> done) {
                provider_called_at_.push_back(clock_.now());
                ProviderResult answer = std::unexpected(ProviderError{.message = "no script"});
                if (!answers_.empty()) {
                    answer = answers_.front();
                    answers_.pop_front();
                }
                done(answer);
            };
        }
        auto manager = AccessManager::create(tokenFor("alice", kT0, kTtl), options, scheduler_);
        subscriptions_.push_back(manager->onTokenWillExpire(
            [this](const TokenInfo&) { events_.push_back("willExpire"); }));
        subscriptions_.push_back(
            manager->onTokenExpired([this](const TokenInfo&) { events_.push_back("expired"); }));
        subscriptions_.push_back(
            manager->onTokenUpdated([this](const TokenInfo&) { events_.push_back("updated"); }));
        subscriptions_.push_back(manager->onError([this](const Error& error) {
            events_.push_back("error:" + std::to_string(error.code));
        }));
        scheduler_.runReady();
        return manager;
    }

    token::ManualClock clock_{kT0};
    lifecycle::ManualScheduler scheduler_{clock_};
    std::deque<ProviderResult> answers_;
    std::vector<TimePoint> provider_called_at_;
    std::vector<std::string> events_;
    std::vector<Subscription> subscriptions_;
};

std::string code(token::TokenError error) {
    return std::to_string(static_cast<int>(error));
}

ProviderResult transient() {
    return std::unexpected(ProviderError{.terminal = false, .message = "timeout"});
}

TEST_F(AccessManagerTest, RenewsThroughFailuresAndPushesTheTokenToEveryClient) {
    const std::string renewed = tokenFor("alice", kT0 + 540s, kTtl);
    script({transient(), transient(), renewed});
    auto manager = makeManager();
    auto first = std::make_shared<RecordingClient>();
    auto second = std::make_shared<RecordingClient>();
    manager->attach(first);
    manager->attach(second);
    scheduler_.advance(kTtl - kWindow); // the window opens: renewal starts (spread 0)
    scheduler_.advance(30s);            // two retries at most 1 s and 2 s later
    EXPECT_EQ(manager->providerCalls(), 3U) << "one call per attempt, not per client";
    EXPECT_EQ(first->tokens, (std::vector<std::string>{renewed}));
    EXPECT_EQ(second->tokens, (std::vector<std::string>{renewed}));
    EXPECT_EQ(manager->token(), renewed);
    scheduler_.advance(60s); // past the old token's exp
    EXPECT_EQ(events_, (std::vector<std::string>{"willExpire", "updated"}))
        << "no tokenExpired when renewal succeeds before exp";
}

TEST_F(AccessManagerTest, OneProviderCallPerRenewalHoweverManyClients) {
    script({tokenFor("alice", kT0 + 540s, kTtl)});
    auto manager = makeManager();
    std::vector<std::shared_ptr<RecordingClient>> clients;
    for (int i = 0; i < 20; ++i) {
        clients.push_back(std::make_shared<RecordingClient>());
        manager->attach(clients.back());
    }
    scheduler_.advance(kTtl - kWindow + 1s);
    EXPECT_EQ(manager->providerCalls(), 1U);
    for (const auto& client : clients) {
        EXPECT_EQ(client->tokens.size(), 1U);
    }
}

TEST_F(AccessManagerTest, ExpiresThenRecoversWhenTheProviderFailsPastExp) {
    std::vector<ProviderResult> answers(12, transient());
    script(answers);
    auto manager = makeManager();
    auto client = std::make_shared<RecordingClient>();
    manager->attach(client);
    scheduler_.advance(kTtl); // the whole window of failures, up to exp
    EXPECT_EQ(events_, (std::vector<std::string>{"willExpire", "expired"}));
    EXPECT_TRUE(client->tokens.empty());
    const auto calls_at_exp = manager->providerCalls();
    EXPECT_GE(calls_at_exp, 4U);
    // Renewal keeps going after expiry, capped at 8 s apart; then the provider recovers.
    const std::string renewed = tokenFor("alice", kT0 + kTtl + 60s, kTtl);
    answers_.clear();
    answers_.push_back(transient());
    answers_.push_back(renewed);
    scheduler_.advance(60s);
    EXPECT_EQ(client->tokens, (std::vector<std::string>{renewed}));
    EXPECT_EQ(events_, (std::vector<std::string>{"willExpire", "expired", "updated"}));
}

TEST_F(AccessManagerTest, ATerminalFailureStopsRenewalWithOneError) {
    script(
        {transient(), std::unexpected(ProviderError{.terminal = true, .message = "user removed"})});
    auto manager = makeManager();
    scheduler_.advance(kTtl - kWindow + 10s);
    EXPECT_EQ(manager->providerCalls(), 2U);
    scheduler_.advance(24h);
    EXPECT_EQ(manager->providerCalls(), 2U) << "no retry after a terminal failure";
    EXPECT_EQ(events_, (std::vector<std::string>{"willExpire",
                                                 "error:" + std::to_string(static_cast<int>(
                                                                ClientErrorCode::kProviderFailed)),
                                                 "expired"}));
}

TEST_F(AccessManagerTest, RefusesAProviderTokenForAnotherIdentity) {
    const std::string good = tokenFor("alice", kT0 + 545s, kTtl);
    script({tokenFor("mallory", kT0 + 540s, kTtl), good});
    auto manager = makeManager();
    auto client = std::make_shared<RecordingClient>();
    manager->attach(client);
    scheduler_.advance(kTtl - kWindow + 10s);
    EXPECT_EQ(client->tokens, (std::vector<std::string>{good}))
        << "mallory's never reaches a client";
    EXPECT_EQ(events_,
              (std::vector<std::string>{
                  "willExpire", "error:" + code(token::TokenError::kInvalidGrants), "updated"}));
}

TEST_F(AccessManagerTest, RechecksAFetchedTokenAgainstTheStateNow) {
    // A slow provider hands back a token that expired while it was being fetched.
    script({tokenFor("alice", kT0, 500s), tokenFor("alice", kT0 + 545s, kTtl)});
    auto manager = makeManager();
    auto client = std::make_shared<RecordingClient>();
    manager->attach(client);
    scheduler_.advance(kTtl - kWindow + 10s);
    EXPECT_EQ(client->tokens.size(), 1U);
    EXPECT_EQ(events_, (std::vector<std::string>{
                           "willExpire", "error:" + code(token::TokenError::kExpired), "updated"}));
}

TEST_F(AccessManagerTest, AClientThatRefusesTheTokenReportsThroughTheManager) {
    script({tokenFor("alice", kT0 + 540s, kTtl)});
    auto manager = makeManager();
    auto client = std::make_shared<RecordingClient>();
    client->refuse_with = Error{.code = static_cast<int>(token::TokenError::kInvalidSignature),
                                .message = "signature"};
    manager->attach(client);
    scheduler_.advance(kTtl - kWindow + 1s);
    EXPECT_EQ(events_,
              (std::vector<std::string>{"willExpire", "updated",
                                        "error:" + code(token::TokenError::kInvalidSignature)}));
}

// When each of `renewals` renewals of one manager started, measured from the opening of its
// window (exp - W), with the renewal spread `spread` and the jitter seeded with `seed`.
std::vector<std::chrono::milliseconds> renewalOffsets(std::uint64_t seed, double spread,
                                                      int renewals) {
    token::ManualClock clock{kT0};
    lifecycle::ManualScheduler scheduler{clock};
    TimePoint exp = kT0 + kTtl;
    std::vector<std::chrono::milliseconds> offsets;
    AccessManagerOptions options{
        .about_to_expire_window = kWindow, .provider = {}, .renewal_spread = spread, .seed = seed};
    options.provider = [&](std::function<void(ProviderResult)> done) {
        offsets.push_back(clock.now() - (exp - kWindow));
        EXPECT_LT(clock.now(), exp) << "renewal never starts at or after exp";
        // The renewed token's exp (a token carries whole seconds).
        exp = TimePoint{std::chrono::floor<std::chrono::seconds>(clock.now()) + kTtl};
        done(tokenFor("alice", clock.now(), kTtl));
    };
    auto manager = AccessManager::create(tokenFor("alice", kT0, kTtl), options, scheduler);
    while (static_cast<int>(offsets.size()) < renewals && clock.now() < kT0 + 24h) {
        scheduler.advance(1s);
    }
    manager->shutdown();
    return offsets;
}

TEST(AccessManagerRenewal, StartsAtARandomPointInTheFirstPartOfTheWindowNeverAfterExp) {
    // A property over many seeds and several renewals each: every renewal starts inside the first
    // `renewal_spread` of W (the default, a quarter, as docs/client.md says; a larger spread is
    // half the window at most), and the instants differ from draw to draw.
    for (const double spread : {AccessManagerOptions{}.renewal_spread, 1.0, 3.0}) {
        const auto ceiling =
            std::chrono::duration_cast<std::chrono::milliseconds>(kWindow * std::min(spread, 0.5));
        std::set<std::chrono::milliseconds> instants;
        for (std::uint64_t seed = 1; seed <= 100; ++seed) {
            const auto offsets = renewalOffsets(seed, spread, 3);
            ASSERT_EQ(offsets.size(), 3U) << "seed " << seed;
            for (const auto offset : offsets) {
                EXPECT_GE(offset, 0ms) << "seed " << seed;
                EXPECT_LE(offset, ceiling) << "seed " << seed << ", spread " << spread;
                instants.insert(offset);
            }
        }
        // 300 draws over at least 15 s, to the millisecond: hardly two alike.
        EXPECT_GE(instants.size(), 250U) << "spread " << spread << ": not always the same instant";
    }
}

// When the first renewal of a token living `ttl` started, measured from the moment it was set, with
// the default W (180 s) and renewal spread: a token shorter than W is about to expire at once.
std::optional<std::chrono::milliseconds> firstRenewalOf(std::chrono::seconds ttl, double spread,
                                                        std::uint64_t seed) {
    token::ManualClock clock{kT0};
    lifecycle::ManualScheduler scheduler{clock};
    std::optional<std::chrono::milliseconds> called_after;
    AccessManagerOptions options{.provider = {}, .renewal_spread = spread, .seed = seed};
    options.provider = [&](std::function<void(ProviderResult)> done) {
        if (!called_after) {
            called_after = clock.now() - kT0;
        }
        done(tokenFor("alice", clock.now(), 600s));
    };
    auto manager = AccessManager::create(tokenFor("alice", kT0, ttl), options, scheduler);
    scheduler.advance(ttl - 1ms); // timer by timer, up to the last instant before exp
    manager->shutdown();
    return called_after;
}

TEST(AccessManagerRenewal, ATokenShorterThanTheWindowIsRenewedWellBeforeItsExp) {
    // W = 180 s and a 40 s token: the random delay is drawn within what is left, not within W,
    // so the provider is called within the first `renewal_spread` (at most half) of the 40 s.
    for (const auto ttl : {40s, 10s, 2s}) {
        for (const double spread : {AccessManagerOptions{}.renewal_spread, 1.0}) {
            const auto latest =
                std::chrono::duration_cast<std::chrono::milliseconds>(ttl * std::min(spread, 0.5));
            for (std::uint64_t seed = 1; seed <= 40; ++seed) {
                const auto called_after = firstRenewalOf(ttl, spread, seed);
                ASSERT_TRUE(called_after) << "ttl " << ttl.count() << " s, seed " << seed
                                          << ": no provider call before exp";
                EXPECT_LE(*called_after, latest)
                    << "ttl " << ttl.count() << " s, spread " << spread << ", seed " << seed;
            }
        }
    }
}

TEST(AccessManagerRenewal, WithNoSpreadRenewalStartsAsTheWindowOpens) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        for (const auto offset : renewalOffsets(seed, 0.0, 2)) {
            EXPECT_EQ(offset, 0ms);
        }
    }
}

TEST_F(AccessManagerTest, WithoutAProviderTheAppRenewsByUpdateToken) {
    auto manager = makeManager(/*with_provider=*/false);
    auto client = std::make_shared<RecordingClient>();
    manager->attach(client);
    scheduler_.advance(kTtl - kWindow);
    EXPECT_EQ(events_, (std::vector<std::string>{"willExpire"}));
    const std::string renewed = tokenFor("alice", clock_.now(), kTtl);
    auto accepted = manager->updateToken(renewed);
    scheduler_.runReady();
    ASSERT_EQ(accepted.wait_for(0s), std::future_status::ready);
    EXPECT_TRUE(accepted.get());
    EXPECT_EQ(client->tokens, (std::vector<std::string>{renewed}));
}

TEST_F(AccessManagerTest, ADetachedClientGetsNothingMore) {
    script({tokenFor("alice", kT0 + 540s, kTtl)});
    auto manager = makeManager();
    auto client = std::make_shared<RecordingClient>();
    manager->attach(client);
    manager->detach(client);
    scheduler_.advance(kTtl - kWindow + 1s);
    EXPECT_TRUE(client->tokens.empty());
}

TEST_F(AccessManagerTest, ShutdownStopsTimersAndForgetsTheToken) {
    script({tokenFor("alice", kT0 + 540s, kTtl)});
    auto manager = makeManager();
    manager->shutdown();
    scheduler_.advance(24h);
    EXPECT_EQ(manager->providerCalls(), 0U);
    EXPECT_FALSE(manager->token());
    EXPECT_TRUE(events_.empty());
    EXPECT_EQ(scheduler_.pendingTimers(), 0U);
}

} // namespace
} // namespace parley::client
