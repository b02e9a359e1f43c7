#pragma once

// AccessManager: one token (possibly with several grants) kept fresh for several clients
// (docs/client.md, "What the SDK guarantees").
//
//   auto manager = AccessManager::create(token, {.provider = blockingProvider(fetchToken)});
//   auto chat = ChatClient::create(*manager->token(), {...});
//   manager->attach(chat);   // every renewed token reaches the client by updateToken
//
// With a provider, the manager renews by itself: at a random point early in the about-to-expire
// window (so clients sharing an expiry do not all renew in one instant), with one provider call
// per renewal however many clients are attached, retrying transient failures with capped
// exponential backoff and full jitter until one succeeds (also after expiry). A terminal failure
// stops renewal with one `error`. Each accepted token goes to every attached client; a client that
// refuses it reports through `error`. The identity may not change (20106).
//
// Threading: the manager runs on one thread of its own (or the Scheduler given to `create`); its
// events are called there, one at a time. Every method is thread-safe, and may be called from
// inside an event.

#include <parley/client/error.hpp>
#include <parley/client/subscription.hpp>
#include <parley/client/token_consumer.hpp>
#include <parley/client/types.hpp>
#include <parley/lifecycle/backoff.hpp>
#include <parley/lifecycle/scheduler.hpp>
#include <parley/lifecycle/token_lifecycle.hpp>
#include <parley/token/clock.hpp>

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>

namespace parley::client {

/// Why a provider gave no token.
struct ProviderError {
    /// True when retrying cannot help (the user may no longer have a token): renewal stops.
    bool terminal = false;
    std::string message;
};
using ProviderResult = std::expected<std::string, ProviderError>;

/// Fetches a new token; calls `done` exactly once, from any thread, whenever it is ready.
using TokenProvider = std::function<void(std::function<void(ProviderResult)> done)>;

/// Adapts a blocking fetch (an HTTP call, a subprocess) into a TokenProvider: each call runs on a
/// thread of its own, so a slow provider never holds up the manager.
TokenProvider blockingProvider(std::function<ProviderResult()> fetch);

struct AccessManagerOptions {
    /// W: tokenWillExpire fires this long before `exp`, and renewal starts in this window.
    std::chrono::seconds about_to_expire_window = lifecycle::kDefaultAboutToExpireWindow;
    /// Without a provider the app renews: call updateToken on tokenWillExpire.
    TokenProvider provider;
    /// Retry delays after a transient provider failure (capped exponential, full jitter).
    lifecycle::BackoffPolicy retry{.initial = std::chrono::milliseconds{1000},
                                   .max = std::chrono::milliseconds{60'000},
                                   .multiplier = 2.0};
    /// Renewal starts at a uniformly random point in the first `renewal_spread` of the time left
    /// when the window opens: of W, or of less when the token had less than W left when it was
    /// set. Taken in [0, 0.5], so at least half of the time left remains for the provider and its
    /// retries: a 40 s token with W = 180 s is renewed within its first 10 s, not after `exp`.
    double renewal_spread = 0.25;
    /// Seed for the jitter; random by default, fixed in tests.
    std::optional<std::uint64_t> seed;
    /// The wall clock (when the manager runs its own thread). Must outlive the manager.
    const token::Clock* clock = &token::SystemClock::instance();
};

class AccessManager {
public:
    /// A manager on a thread of its own.
    static std::shared_ptr<AccessManager> create(const std::string& token,
                                                 AccessManagerOptions options = {});
    /// A manager on `scheduler` (which must outlive it): tests drive it with a ManualScheduler.
    static std::shared_ptr<AccessManager>
    create(const std::string& token, AccessManagerOptions options, lifecycle::Scheduler& scheduler);
    ~AccessManager();
    AccessManager(const AccessManager&) = delete;
    AccessManager& operator=(const AccessManager&) = delete;

    /// Every token accepted from now on is pushed to `client` (held weakly).
    void attach(const std::shared_ptr<TokenConsumer>& client);
    void detach(const std::shared_ptr<TokenConsumer>& client);

    /// A token from the app (without a provider, or to override it). Checked like a provider's.
    std::future<std::expected<TokenInfo, Error>> updateToken(std::string token);

    /// The current token, if any.
    std::optional<std::string> token() const;
    /// Provider calls made so far (single flight: one per renewal).
    std::uint64_t providerCalls() const;

    Subscription onTokenWillExpire(std::function<void(const TokenInfo&)> callback);
    Subscription onTokenExpired(std::function<void(const TokenInfo&)> callback);
    Subscription onTokenUpdated(std::function<void(const TokenInfo&)> callback);
    Subscription onError(std::function<void(const Error&)> callback);

    /// Stops renewal, forgets the token, the clients and the listeners. Idempotent.
    void shutdown();

    class Impl;

private:
    explicit AccessManager(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

} // namespace parley::client
