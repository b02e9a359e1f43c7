#include <parley/lifecycle/token_lifecycle.hpp>
#include <parley/token/inspect.hpp>

#include <memory>
#include <string>
#include <utility>

namespace parley::lifecycle {

using token::TokenError;
using namespace std::chrono;

namespace {

TokenFailure failure(TokenError code, std::string message) {
    return TokenFailure{.code = code, .message = std::move(message)};
}

TimePoint at(UnixSeconds seconds) {
    return time_point_cast<milliseconds>(seconds);
}

} // namespace

TokenLifecycle::TokenLifecycle(Scheduler& scheduler, LifecycleOptions options,
                               LifecycleCallbacks callbacks)
    : scheduler_(&scheduler), options_(options), callbacks_(std::move(callbacks)),
      alive_(std::make_shared<std::uint64_t>(0)) {}

TokenLifecycle::~TokenLifecycle() {
    scheduler_->cancel(timer_);
}

std::expected<CheckedToken, TokenFailure> TokenLifecycle::check(std::string_view jwt) {
    const auto inspection = token::inspect(jwt);
    if (!inspection) {
        return std::unexpected(inspection.error());
    }
    if (!inspection->claims) {
        return std::unexpected(inspection->claims_problem.value_or(
            failure(TokenError::kInvalidToken, "the token has no access-token claims")));
    }
    const token::Claims& claims = *inspection->claims;
    if (claims.identity().empty()) {
        return std::unexpected(failure(TokenError::kInvalidGrants, "the token has no identity"));
    }
    const TimePoint now = serverNow();
    const TimePoint exp = at(claims.expires_at);
    if (exp <= now && !waitingForServerTime()) {
        return std::unexpected(
            failure(TokenError::kExpired,
                    "the token expired " +
                        std::to_string(duration_cast<seconds>(now - exp).count()) + " s ago"));
    }
    if (exp - now > options_.max_lifetime) {
        return std::unexpected(failure(
            TokenError::kLifetimeTooLong,
            "the token expires in " + std::to_string(duration_cast<seconds>(exp - now).count()) +
                " s, more than the " + std::to_string(options_.max_lifetime.count()) +
                " s a token may live"));
    }
    if (!identity_.empty() && claims.identity() != identity_) {
        return std::unexpected(
            failure(TokenError::kInvalidGrants, "the token is for \"" + claims.identity() +
                                                    "\", not for \"" + identity_ +
                                                    "\"; an identity cannot change on a client"));
    }
    return CheckedToken{.jwt = std::string{jwt},
                        .identity = claims.identity(),
                        .expires_at = claims.expires_at,
                        .serial = next_serial_++};
}

bool TokenLifecycle::setToken(const CheckedToken& token) {
    if (current_ && token.serial < current_->serial) {
        return false;
    }
    const bool same_token = current_ && current_->jwt == token.jwt;
    current_ = token;
    identity_ = token.identity;
    if (!same_token) {
        about_fired_ = false;
        expired_fired_ = false;
        ++*alive_; // events posted for the previous token are void
    }
    rearm();
    return true;
}

void TokenLifecycle::observeServerTime(TimePoint server_time, TimePoint sent, TimePoint received) {
    const TimePoint midpoint = sent + (received - sent) / 2;
    offset_ = duration_cast<milliseconds>(server_time - midpoint);
    synced_ = true;
    rearm();
}

void TokenLifecycle::onServerAboutToExpire(UnixSeconds expires_at) {
    if (current_ && current_->expires_at == expires_at) {
        fireAboutToExpire();
    }
}

void TokenLifecycle::onServerExpired() {
    if (current_) {
        fireAboutToExpire(); // an expired token was also about to expire; keep the order
        fireExpired();
    }
}

void TokenLifecycle::forgetToken() {
    scheduler_->cancel(timer_);
    timer_ = 0;
    current_.reset();
    about_fired_ = false;
    expired_fired_ = false;
    ++*alive_;
}

void TokenLifecycle::clear() {
    forgetToken();
    identity_.clear();
}

bool TokenLifecycle::expired() const {
    return current_ && !waitingForServerTime() && at(current_->expires_at) <= serverNow();
}

TimePoint TokenLifecycle::serverNow() const {
    return scheduler_->clock().now() + offset_;
}

// One timer per engine, always at the next due event: about-to-expire, then expiry. Absurd `exp`
// values never get here: check() bounds them.
void TokenLifecycle::rearm() {
    scheduler_->cancel(timer_);
    timer_ = 0;
    if (!current_ || expired_fired_ || waitingForServerTime()) {
        return;
    }
    const TimePoint exp = at(current_->expires_at);
    const TimePoint due = about_fired_ ? exp : exp - options_.about_to_expire_window;
    timer_ = scheduler_->scheduleAt(toLocal(due), [this] {
        timer_ = 0;
        onTimer();
    });
}

void TokenLifecycle::onTimer() {
    if (!current_) {
        return;
    }
    const TimePoint now = serverNow();
    const TimePoint exp = at(current_->expires_at);
    if (now >= exp - options_.about_to_expire_window) {
        fireAboutToExpire();
    }
    if (now >= exp) {
        fireExpired();
    }
    rearm();
}

void TokenLifecycle::fireAboutToExpire() {
    if (about_fired_) {
        return;
    }
    about_fired_ = true;
    post(callbacks_.about_to_expire);
    rearm();
}

void TokenLifecycle::fireExpired() {
    if (expired_fired_) {
        return;
    }
    expired_fired_ = true;
    post(callbacks_.expired);
    rearm();
}

void TokenLifecycle::post(const std::function<void(const CheckedToken&)>& callback) {
    if (!callback) {
        return;
    }
    // Never inside the caller's call: the owner may be mid-update. A later token or clear()
    // bumps the generation, so a stale event is dropped rather than delivered for the wrong token.
    scheduler_->post(
        [weak = std::weak_ptr{alive_}, generation = *alive_, token = *current_, callback] {
            const auto alive = weak.lock();
            if (alive && *alive == generation) {
                callback(token);
            }
        });
}

} // namespace parley::lifecycle
