#pragma once

// The token lifecycle engine: the token lifecycle rules (docs/client.md) as a state machine with no
// I/O. The ChatClient and the AccessManager each own one; it is driven by `setToken`, the server's
// clock readings and its own single timer, and tells its owner when a token is about to expire and
// when it has expired.

#include <parley/lifecycle/scheduler.hpp>
#include <parley/token/clock.hpp>
#include <parley/token/error.hpp>

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace parley::lifecycle {

using token::TokenFailure;
using token::UnixSeconds;

/// The default about-to-expire window W (180 s).
inline constexpr std::chrono::seconds kDefaultAboutToExpireWindow{180};

/// A token that passed the local pre-check: well formed, not expired, the engine's identity.
/// Nothing here is verified (the client has no key); the server verifies.
struct CheckedToken {
    std::string jwt;
    std::string identity;
    UnixSeconds expires_at{};
    /// Order of checking: a reply for an older token never replaces a newer one.
    std::uint64_t serial = 0;
};

struct LifecycleOptions {
    /// W: *about to expire* fires this long before `exp` (at once when less is left).
    std::chrono::seconds about_to_expire_window = kDefaultAboutToExpireWindow;
    /// Longest `exp - now` accepted, so an absurd `exp` never reaches a timer (20157 beyond it).
    std::chrono::seconds max_lifetime{86400};
    /// Trust no clock but the server's: until the first `observeServerTime`, no timer is armed and
    /// expiry (20104) is not judged locally, so a device whose clock is minutes off neither refuses
    /// a valid token nor fires events early. A ChatClient sets it (its first `init` reply brings
    /// the server's time); an AccessManager, which has no server, leaves it off.
    bool wait_for_server_time = false;
};

/// What the engine tells its owner. Each fires at most once per token; both run on the
/// scheduler's thread, never inside `setToken` or the other calls below.
struct LifecycleCallbacks {
    std::function<void(const CheckedToken&)> about_to_expire;
    std::function<void(const CheckedToken&)> expired;
};

/// Not thread-safe: call it only from its scheduler's thread.
class TokenLifecycle {
public:
    TokenLifecycle(Scheduler& scheduler, LifecycleOptions options, LifecycleCallbacks callbacks);
    ~TokenLifecycle();
    TokenLifecycle(const TokenLifecycle&) = delete;
    TokenLifecycle& operator=(const TokenLifecycle&) = delete;

    /// The local pre-check of `jwt` against the server's time as best known: well formed (20101),
    /// not expired (20104), `exp` within the maximum lifetime (20157), and the same identity as
    /// tokens set before, if any (20106), even after forgetToken(). The codes are the server's for
    /// the same cause.
    std::expected<CheckedToken, TokenFailure> check(std::string_view jwt);

    /// Makes `token` the current one and re-arms the timer from its `exp`; the events of the new
    /// token start unfired. Returns false, and changes nothing, when a newer token (higher
    /// serial) is already current: a late reply to an earlier update.
    bool setToken(const CheckedToken& token);

    /// A `server_time` reading from a reply or event. `sent` and `received` are the local times
    /// the request went out and the frame came in (equal for events); the offset is taken at
    /// their midpoint. Re-arms the timer, so the events follow the server's clock.
    void observeServerTime(TimePoint server_time, TimePoint sent, TimePoint received);

    /// The server said the token is about to expire / has expired. Fires the event if it has not
    /// fired for the current token (the server's and the local timer race; the first wins).
    void onServerAboutToExpire(UnixSeconds expires_at);
    void onServerExpired();

    /// Forgets the token and its timer but keeps the identity, which later tokens must still
    /// carry (the server refused the current token).
    void forgetToken();
    /// Forgets the token, the timer and the identity (shutdown, or a new user).
    void clear();

    const std::optional<CheckedToken>& current() const { return current_; }
    /// The current token's `exp` has passed by the server's clock as best known (never, while
    /// waiting for the server's time).
    bool expired() const;
    /// Whether a server time has been observed.
    bool synced() const { return synced_; }
    /// The local clock plus the measured offset to the server's.
    TimePoint serverNow() const;
    std::chrono::milliseconds serverOffset() const { return offset_; }
    bool timerArmed() const { return timer_ != 0; }

private:
    void rearm();
    void onTimer();
    void fireAboutToExpire();
    void fireExpired();
    void post(const std::function<void(const CheckedToken&)>& callback);
    TimePoint toLocal(TimePoint server_time) const { return server_time - offset_; }
    bool waitingForServerTime() const { return options_.wait_for_server_time && !synced_; }

    Scheduler* scheduler_;
    LifecycleOptions options_;
    LifecycleCallbacks callbacks_;
    std::optional<CheckedToken> current_;
    // The identity of the first token set; every later token must carry it (20106).
    std::string identity_;
    bool about_fired_ = false;
    bool expired_fired_ = false;
    std::chrono::milliseconds offset_{0};
    bool synced_ = false;
    Scheduler::TimerId timer_ = 0;
    std::uint64_t next_serial_ = 1;
    // Generation of the current token, shared with posted events so they can tell whether they
    // are still meant (and whether the engine still exists).
    std::shared_ptr<std::uint64_t> alive_;
};

} // namespace parley::lifecycle
