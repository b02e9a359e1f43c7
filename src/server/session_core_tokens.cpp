// SessionCore's token lifecycle: the token reply, update_token, the about-to-expire and expiry
// timers, and the check of exp on every op (docs/protocol.md, "Token lifecycle").

#include "protocol/lifecycle_frames.hpp"
#include "protocol/replies.hpp"
#include "protocol/requests.hpp"
#include "server/session_core.hpp"

#include <spdlog/spdlog.h>

namespace parley::server {

using protocol::CloseCode;

bool SessionCore::tokenExpired() const {
    return scheduler_.clock().now() >= token::TimePoint{expires_at_};
}

std::string SessionCore::expiredReply(std::optional<std::uint64_t> id) const {
    return protocol::errorReply(id, static_cast<int>(token::TokenError::kExpired),
                                "token expired at " + std::to_string(unixSeconds(expires_at_)));
}

// The expiry timer may run late (a busy io thread, a slow store), so every op checks the clock
// itself: nothing takes effect at or after exp, and the connection ends as at the timer.
void SessionCore::refuseExpired(std::string_view text) {
    const auto refused = protocol::parseRequest(text);
    send(expiredReply(refused ? std::optional{refused->id} : std::nullopt));
    sendExpired();
}

void SessionCore::sendTokenReply(std::uint64_t id, token::UnixSeconds expires_at,
                                 bool with_limits) {
    protocol::TokenReply reply{.identity = identity_,
                               .expires_at = unixSeconds(expires_at),
                               .server_time = unixMillis(scheduler_.clock().now())};
    if (with_limits) { // announced once, so a client can pace itself within them
        reply.limits =
            protocol::ConnectionLimits{.rate_per_second = context_.settings.rate_per_second,
                                       .rate_burst = context_.settings.rate_burst};
    }
    send(protocol::okReply(id, protocol::encodeReply(reply)));
}

void SessionCore::handleUpdateToken(const protocol::Request& request) {
    bool rejected = false;
    // On failure the old token stays in force until its own exp (rule 3).
    const auto claims = verifiedToken(request, rejected);
    if (!claims) {
        return;
    }
    if (claims->identity() != identity_) {
        send(protocol::errorReply(request.id, static_cast<int>(token::TokenError::kInvalidGrants),
                                  "update_token cannot change the identity from \"" + identity_ +
                                      "\" to \"" + claims->identity() + "\""));
        return;
    }
    sendTokenReply(request.id, claims->expires_at);
    revocable_ = RevocableToken::of(*claims);
    // The same token sent again is not a new token: its events were already scheduled or sent,
    // and each fires at most once per token (rule 4).
    const bool same_token = !claims->token_id.empty() && claims->token_id == token_id_ &&
                            claims->expires_at == expires_at_;
    if (!same_token) {
        token_id_ = claims->token_id;
        armTokenTimers(claims->expires_at);
    }
}

// The token init verified is checked too, before init has answered: a revocation that arrives
// while its channels are read must not let it in.
void SessionCore::recheckRevocation() {
    if (closing() || revocable_.identity.empty() || !context_.tokens.revoked(revocable_)) {
        return;
    }
    spdlog::info("connection of identity={} closed: its token was revoked", revocable_.identity);
    close(CloseCode::kTokenRevoked, CloseReason::kTokenRevoked);
}

void SessionCore::armTokenTimers(token::UnixSeconds expires_at) {
    expires_at_ = expires_at;
    const token::TimePoint now = scheduler_.clock().now();
    const TokenSchedule schedule =
        scheduleFor(expires_at, now, context_.settings.about_to_expire_window);
    scheduler_.cancel(warn_timer_);
    scheduler_.cancel(expiry_timer_);
    warn_timer_ = 0;
    if (schedule.warn_now) {
        sendAboutToExpire();
    } else {
        warn_timer_ = scheduler_.scheduleAt(now + schedule.warn_in, [this] {
            warn_timer_ = 0;
            sendAboutToExpire();
        });
    }
    expiry_timer_ = scheduler_.scheduleAt(now + schedule.expire_in, [this] {
        expiry_timer_ = 0;
        sendExpired();
    });
}

void SessionCore::cancelTimers() {
    for (auto* timer : {&init_timer_, &warn_timer_, &expiry_timer_}) {
        scheduler_.cancel(*timer);
        *timer = 0;
    }
}

void SessionCore::sendAboutToExpire() {
    if (closing()) {
        return;
    }
    context_.metrics.lifecycleEventSent(LifecycleEvent::kAboutToExpire);
    send(protocol::tokenAboutToExpireFrame(unixSeconds(expires_at_),
                                           unixMillis(scheduler_.clock().now())));
}

void SessionCore::sendExpired() {
    if (closing()) {
        return;
    }
    context_.metrics.lifecycleEventSent(LifecycleEvent::kExpired);
    send(protocol::tokenExpiredFrame(unixMillis(scheduler_.clock().now())));
    close(CloseCode::kTokenExpired, CloseReason::kTokenExpired);
}

} // namespace parley::server
