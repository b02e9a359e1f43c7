// The token half of ClientCore: updateToken in every connection state, the server's verdicts and
// the lifecycle engine's events (docs/client.md, "What the SDK guarantees").

#include "client/client_core.hpp"

#include <parley/token/error.hpp>

namespace parley::client {

namespace {

TokenInfo infoOf(const lifecycle::CheckedToken& token) {
    return TokenInfo{.identity = token.identity, .expires_at = token.expires_at};
}

} // namespace

void ClientCore::setIdentity(const std::string& identity) {
    const std::lock_guard lock{identity_mutex_};
    identity_ = identity;
}

void ClientCore::emitTokenError(const Error& error) {
    events_->emit([error](ChatClientListener& listener) { listener.onTokenError(error); });
}

void ClientCore::observeServerTime(std::optional<std::int64_t> server_time, token::TimePoint sent) {
    if (server_time) {
        lifecycle_.observeServerTime(token::TimePoint{std::chrono::milliseconds{*server_time}},
                                     sent, scheduler_->clock().now());
    }
}

void ClientCore::updateToken(std::string_view token, Done<TokenInfo> done) {
    if (state_ == ConnectionState::kShutDown) {
        done(std::unexpected(Error::client(ClientErrorCode::kShutDown)));
        return;
    }
    // The engine refuses another identity (invalid grants), also after a refused token was
    // forgotten.
    auto checked = lifecycle_.check(token);
    if (!checked) {
        const Error error{.code = checked.error().wireCode(), .message = checked.error().message};
        emitTokenError(error);
        done(std::unexpected(error));
        return;
    }
    // Unset before only when the client was created with a token refused before connecting.
    setIdentity(checked->identity);
    applyUpdate(*checked, std::move(done));
}

void ClientCore::applyUpdate(const lifecycle::CheckedToken& token, Done<TokenInfo> done) {
    std::vector<Done<TokenInfo>> waiting;
    waiting.push_back(std::move(done));
    if (initialized_) {
        // Rule 9: a live connection is kept; the server re-arms its timers on update_token.
        sendUpdate(token, std::move(waiting));
        return;
    }
    // Connecting, reconnecting or waiting: the next init carries the new token; a client between
    // attempts or waiting for a token connects now rather than after its backoff.
    holdForNextInit(token, std::move(waiting));
    if (!connection_) {
        connect();
    }
}

void ClientCore::holdForNextInit(const lifecycle::CheckedToken& token,
                                 std::vector<Done<TokenInfo>> done) {
    if (pending_token_ && pending_token_->token.serial > token.serial) {
        // A newer token is already waiting; these callers learn its outcome.
        for (auto& callback : done) {
            pending_token_->done.push_back(std::move(callback));
        }
        return;
    }
    if (pending_token_) {
        for (auto& callback : pending_token_->done) {
            done.push_back(std::move(callback));
        }
    }
    pending_token_ = PendingToken{.token = token, .done = std::move(done)};
}

void ClientCore::sendUpdate(const lifecycle::CheckedToken& token,
                            std::vector<Done<TokenInfo>> done) {
    const auto sent = scheduler_->clock().now();
    sendNow(protocol::UpdateTokenRequest{.token = token.jwt},
            [this, token, sent, done = std::move(done)](const Result<Json>& reply) mutable {
                if (!reply &&
                    reply.error().code == static_cast<int>(ClientErrorCode::kConnectionLost)) {
                    holdForNextInit(token, std::move(done)); // the next init carries it
                    return;
                }
                if (!reply) {
                    if (reply.error().isTokenError()) {
                        rejectToken(reply.error(), token);
                    } // else not a verdict on the token (rate limited, shut down): no tokenError
                    for (auto& callback : done) {
                        callback(std::unexpected(reply.error()));
                    }
                    return;
                }
                acceptToken(token, sent, *reply);
                for (auto& callback : done) {
                    callback(infoOf(token));
                }
            });
}

// The server accepted `token` (init or update_token). A late reply for a token older than the
// current one changes nothing (the engine refuses it) and fires no event.
void ClientCore::acceptToken(const lifecycle::CheckedToken& token, token::TimePoint sent,
                             const Json& reply) {
    if (auto verdict = tokenFromReply(reply)) {
        observeServerTime(verdict->server_time, sent);
    }
    const bool was_current = lifecycle_.current() && lifecycle_.current()->jwt == token.jwt;
    if (lifecycle_.setToken(token) && !was_current) {
        events_->emit([accepted = infoOf(token)](ChatClientListener& listener) {
            listener.onTokenUpdated(accepted);
        });
    }
}

// The server refused `token`. The previous token, if still valid, stays in force (rule 3).
void ClientCore::rejectToken(const Error& error, const lifecycle::CheckedToken& token) {
    emitTokenError(error);
    if (lifecycle_.current() && lifecycle_.current()->serial == token.serial) {
        // The current token itself was refused (at init): nothing to fall back to.
        lifecycle_.forgetToken();
        if (error.code == static_cast<int>(token::TokenError::kRevoked)) {
            // Revoked while the client was reconnecting: the same cause as a 4403 close, so the
            // same request for a new token (else the client waits for the manager's own renewal).
            // A newer token refused as revoked needs none here: its caller (the AccessManager)
            // learns the verdict and asks again after a backoff.
            askForNewToken(token.jwt);
        }
    }
}

void ClientCore::askForNewToken(const std::string& revoked) {
    if (renew_ && !revoked.empty()) {
        renew_(revoked);
    }
}

// The token in force (or, before init answered, the one init carried) is forgotten, and so is a
// pending one that is the same token: the next connection waits for a new token, from
// updateToken or the AccessManager asked here.
void ClientCore::onRevoked(bool was_connected) {
    std::string revoked;
    if (was_connected && lifecycle_.current()) {
        revoked = lifecycle_.current()->jwt;
    } else if (init_token_) {
        revoked = init_token_->jwt;
    }
    const Error error{.code = static_cast<int>(token::TokenError::kRevoked),
                      .message = std::string{token::describe(token::TokenError::kRevoked)}};
    emitTokenError(error);
    if (lifecycle_.current() && lifecycle_.current()->jwt == revoked) {
        lifecycle_.forgetToken();
    }
    if (pending_token_ && pending_token_->token.jwt == revoked) {
        auto waiting = std::exchange(pending_token_, std::nullopt);
        for (auto& done : waiting->done) {
            done(std::unexpected(error));
        }
    }
    askForNewToken(revoked);
}

void ClientCore::onAboutToExpire(const lifecycle::CheckedToken& token) {
    events_->emit([expiring = infoOf(token)](ChatClientListener& listener) {
        listener.onTokenAboutToExpire(expiring);
    });
}

void ClientCore::onExpired(const lifecycle::CheckedToken& token) {
    events_->emit([expired = infoOf(token)](ChatClientListener& listener) {
        listener.onTokenExpired(expired);
    });
    if (!connection_ && !pending_token_) {
        // Between reconnect attempts: stop them (rule 11); a live socket is closed by the server.
        waitForToken();
    }
}

} // namespace parley::client
