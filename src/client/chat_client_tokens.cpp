// The token half of ChatClient::Impl: updateToken in every connection state, the server's verdicts
// and the lifecycle engine's events (DESIGN.md rules 1-5, 8, 9, 13).

#include "client/chat_client_impl.hpp"

namespace parley::client {

TokenInfo ChatClient::Impl::info(const lifecycle::CheckedToken& token) const {
    return TokenInfo{.identity = token.identity, .expires_at = token.expires_at};
}

void ChatClient::Impl::emitTokenError(const Error& error) {
    events_->emit([error](ChatClientListener& listener) { listener.onTokenError(error); });
}

void ChatClient::Impl::observeServerTime(std::optional<std::int64_t> server_time,
                                         token::TimePoint sent) {
    if (server_time) {
        lifecycle_.observeServerTime(token::TimePoint{std::chrono::milliseconds{*server_time}},
                                     sent, options_.clock->now());
    }
}

void ChatClient::Impl::updateToken(std::string token, TokenDone done) {
    if (shut_down_.load()) {
        done(std::unexpected(Error::client(ClientErrorCode::kShutDown)));
        return;
    }
    post([this, token = std::move(token), done = std::move(done)]() mutable {
        applyUpdate(token, std::move(done));
    });
}

void ChatClient::Impl::applyUpdate(const std::string& jwt, TokenDone done) {
    // The engine refuses another identity (20106), also after a refused token was forgotten.
    auto checked = lifecycle_.check(jwt);
    if (!checked) {
        const Error error{.code = checked.error().wireCode(), .message = checked.error().message};
        emitTokenError(error);
        done(std::unexpected(error));
        return;
    }
    {
        // Unset only when the client was created with a token refused before connecting.
        const std::lock_guard lock{identity_mutex_};
        identity_ = checked->identity;
    }
    if (initialized_) {
        // Rule 9: a live connection is kept; the server re-arms its timers on update_token.
        std::vector<TokenDone> waiting;
        waiting.push_back(std::move(done));
        sendUpdate(*checked, std::move(waiting));
        return;
    }
    // Connecting, reconnecting or waiting: the next init carries the new token; a waiting client
    // connects now rather than after its backoff.
    holdForNextInit(*checked, {std::move(done)});
    if (!connection_) {
        connect();
    }
}

void ChatClient::Impl::holdForNextInit(const lifecycle::CheckedToken& token,
                                       std::vector<TokenDone> done) {
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

void ChatClient::Impl::sendUpdate(const lifecycle::CheckedToken& token,
                                  std::vector<TokenDone> done) {
    const auto sent = options_.clock->now();
    sendNow("update_token", Json{{"token", token.jwt}},
            [this, token, sent, done = std::move(done)](Result<Json> reply) mutable {
                if (!reply &&
                    reply.error().code == static_cast<int>(ClientErrorCode::kConnectionLost)) {
                    holdForNextInit(token, std::move(done)); // the next init carries it
                    return;
                }
                if (!reply) {
                    rejectToken(reply.error(), token);
                    for (auto& callback : done) {
                        callback(std::unexpected(reply.error()));
                    }
                    return;
                }
                acceptToken(token, sent, *reply);
                for (auto& callback : done) {
                    callback(info(token));
                }
            });
}

// The server accepted `token` (init or update_token). A late reply for a token older than the
// current one changes nothing (the engine refuses it) and fires no event.
void ChatClient::Impl::acceptToken(const lifecycle::CheckedToken& token, token::TimePoint sent,
                                   const Json& reply) {
    const auto server_time = reply.find("server_time");
    if (server_time != reply.end() && server_time->is_number_integer()) {
        observeServerTime(server_time->get<std::int64_t>(), sent);
    }
    const bool was_current = lifecycle_.current() && lifecycle_.current()->jwt == token.jwt;
    if (lifecycle_.setToken(token) && !was_current) {
        events_->emit([accepted = info(token)](ChatClientListener& listener) {
            listener.onTokenUpdated(accepted);
        });
    }
}

// The server refused `token`. The previous token, if still valid, stays in force (rule 3).
void ChatClient::Impl::rejectToken(const Error& error, const lifecycle::CheckedToken& token) {
    emitTokenError(error);
    if (lifecycle_.current() && lifecycle_.current()->serial == token.serial) {
        // The current token itself was refused (at init): nothing to fall back to.
        lifecycle_.forgetToken();
    }
}

void ChatClient::Impl::onAboutToExpire(const lifecycle::CheckedToken& token) {
    events_->emit([expiring = info(token)](ChatClientListener& listener) {
        listener.onTokenAboutToExpire(expiring);
    });
}

void ChatClient::Impl::onExpired(const lifecycle::CheckedToken& token) {
    events_->emit([expired = info(token)](ChatClientListener& listener) {
        listener.onTokenExpired(expired);
    });
    if (!connection_ && !pending_token_) {
        // Between reconnect attempts: stop them (rule 11); a live socket is closed by the server.
        waitForToken();
    }
}

} // namespace parley::client
