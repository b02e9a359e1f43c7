// The AccessManager when a client's token is revoked (closed 4403): the client asks through its
// RenewRequest, and the manager fetches a new token at once, one provider call however many
// clients ask, and pushes it to every client. A new token refused as revoked by every client is
// fetched again after one backoff, however many clients report it.

#include "lifecycle/lifecycle_tokens.hpp"

#include <parley/client/access_manager.hpp>
#include <parley/lifecycle/backoff.hpp>
#include <parley/lifecycle/manual_scheduler.hpp>
#include <parley/token/error.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::client {
namespace {

using namespace std::chrono_literals;
using lifecycle::testing::kT0;
using lifecycle::testing::tokenFor;

constexpr std::chrono::seconds kTtl{600};
constexpr lifecycle::BackoffPolicy kRetry{.initial = 1000ms, .max = 8000ms, .multiplier = 2.0};
constexpr std::uint64_t kSeed = 7;

// A client that keeps the manager's RenewRequest, to report a revoked token as a ChatClient does.
class RevokableClient final : public TokenConsumer {
public:
    void acceptToken(std::string token, UpdateDone done) override {
        tokens.push_back(std::move(token));
        if (refuse_next) {
            refuse_next = false;
            done(std::unexpected(Error{.code = static_cast<int>(token::TokenError::kRevoked),
                                       .message = "revoked"}));
            return;
        }
        done({});
    }
    void setRenewRequest(const RenewRequest& renew) override { renew_ = renew; }
    void revoked(const std::string& token) const { renew_(token); }

    std::vector<std::string> tokens;
    bool refuse_next = false;

private:
    RenewRequest renew_;
};

class AccessManagerRevocation : public ::testing::Test {
protected:
    std::shared_ptr<AccessManager> makeManager(std::vector<std::string> answers) {
        answers_ = std::move(answers);
        AccessManagerOptions options{
            .provider =
                [this](std::function<void(ProviderResult)> done) {
                    ++calls_;
                    call_times_.push_back(clock_.now());
                    done(answers_.empty() ? ProviderResult{std::unexpected(ProviderError{})}
                                          : ProviderResult{answers_.at(calls_ - 1)});
                },
            .retry = kRetry,
            .seed = kSeed,
        };
        return AccessManager::create(first_, options, scheduler_);
    }

    token::ManualClock clock_{kT0};
    lifecycle::ManualScheduler scheduler_{clock_};
    const std::string first_ = tokenFor("alice", kT0, kTtl);
    std::vector<std::string> answers_;
    std::size_t calls_ = 0;
    std::vector<token::TimePoint> call_times_;
};

TEST_F(AccessManagerRevocation, ARevokedTokenIsReplacedAtOnceWithOneProviderCall) {
    const std::string renewed = tokenFor("alice", kT0 + 1s, kTtl);
    auto manager = makeManager({renewed});
    auto first = std::make_shared<RevokableClient>();
    auto second = std::make_shared<RevokableClient>();
    manager->attach(first);
    manager->attach(second);
    scheduler_.runReady();
    EXPECT_EQ(calls_, 0U) << "nothing to renew yet: the window is far";

    first->revoked(first_);
    second->revoked(first_);
    scheduler_.runReady();
    EXPECT_EQ(calls_, 1U) << "one call, however many clients report the same token";
    EXPECT_EQ(manager->token(), renewed);
    EXPECT_EQ(first->tokens, std::vector<std::string>{renewed});
    EXPECT_EQ(second->tokens, std::vector<std::string>{renewed});

    first->revoked(first_); // late: a newer token is in hand
    scheduler_.runReady();
    EXPECT_EQ(calls_, 1U);
}

TEST_F(AccessManagerRevocation, ATokenRefusedAsRevokedToIsFetchedAgainAfterABackoff) {
    const std::string same_second = tokenFor("alice", kT0 + 1s, kTtl);
    const std::string later = tokenFor("alice", kT0 + 2s, kTtl);
    auto manager = makeManager({same_second, later});
    auto client = std::make_shared<RevokableClient>();
    manager->attach(client);
    scheduler_.runReady();
    client->refuse_next = true; // minted in the revocation's second: still covered
    client->revoked(first_);
    scheduler_.runReady();
    EXPECT_EQ(calls_, 1U);
    scheduler_.advance(1s); // the first retry waits at most the initial backoff
    EXPECT_EQ(calls_, 2U);
    EXPECT_EQ(client->tokens, (std::vector<std::string>{same_second, later}));
}

TEST_F(AccessManagerRevocation, EveryClientRefusingTheNewTokenAsRevokedCountsOnce) {
    const std::string same_second = tokenFor("alice", kT0 + 1s, kTtl);
    const std::string later = tokenFor("alice", kT0 + 2s, kTtl);
    auto manager = makeManager({same_second, later});
    std::vector<int> errors;
    auto subscription =
        manager->onError([&errors](const Error& error) { errors.push_back(error.code); });
    std::vector<std::shared_ptr<RevokableClient>> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(std::make_shared<RevokableClient>());
        clients.back()->refuse_next = true;
        manager->attach(clients.back());
    }
    scheduler_.runReady();
    for (const auto& client : clients) {
        client->revoked(first_);
    }
    scheduler_.runReady();
    ASSERT_EQ(calls_, 1U);
    EXPECT_EQ(errors, std::vector<int>{static_cast<int>(token::TokenError::kRevoked)})
        << "one error for the token, not one per client";
    scheduler_.advance(kRetry.max);
    ASSERT_EQ(calls_, 2U);
    lifecycle::Backoff one_round{kRetry, kSeed};
    EXPECT_EQ(call_times_.at(1) - call_times_.at(0), one_round.next())
        << "the first backoff, not one advanced by every client's report";
    for (const auto& client : clients) {
        EXPECT_EQ(client->tokens, (std::vector<std::string>{same_second, later}));
    }
}

} // namespace
} // namespace parley::client
