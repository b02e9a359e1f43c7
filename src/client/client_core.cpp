// The connection half of ClientCore: connect, init, frames, loss and reconnect, shutdown.

#include "client/client_core.hpp"

#include "protocol/codes.hpp"

#include <utility>
#include <variant>

namespace parley::client {

namespace {

constexpr int kTokenExpiredClose = static_cast<int>(protocol::CloseCode::kTokenExpired);
constexpr int kTokenRevokedClose = static_cast<int>(protocol::CloseCode::kTokenRevoked);

std::string refusalText(const Error& refusal) {
    return "init refused: " + std::to_string(refusal.code) + " " + refusal.message;
}

} // namespace

ClientCore::ClientCore(const ChatClientOptions& options, std::vector<ServerUrl> urls,
                       lifecycle::Scheduler& scheduler, Transport& transport,
                       EventDispatcher& events, std::uint64_t seed)
    : urls_(std::move(urls)), scheduler_(&scheduler), transport_(&transport), events_(&events),
      lifecycle_(
          scheduler,
          lifecycle::LifecycleOptions{.about_to_expire_window = options.about_to_expire_window,
                                      .wait_for_server_time = true},
          lifecycle::LifecycleCallbacks{
              .about_to_expire = [this](const auto& token) { onAboutToExpire(token); },
              .expired = [this](const auto& token) { onExpired(token); },
          }),
      backoff_(options.reconnect, seed), requests_(options.max_queued_requests),
      channels_(
          [this](std::string_view op, Json args, ReplyHandler on_reply) {
              if (!initialized_) { // catch-up waits for the next init
                  on_reply(std::unexpected(Error::client(ClientErrorCode::kConnectionLost)));
                  return;
              }
              sendNow(op, std::move(args), std::move(on_reply));
          },
          [this](Message&& message) {
              events_->emit([message = std::move(message)](ChatClientListener& listener) {
                  listener.onMessageAdded(message);
              });
          }) {}

ClientCore::~ClientCore() {
    cancelTimers();
    if (connection_) {
        connection_->abort(); // none of its handlers may reach a destroyed core
    }
}

void ClientCore::start(std::string_view token) {
    auto checked = lifecycle_.check(token);
    if (!checked) {
        emitTokenError(
            Error{.code = checked.error().wireCode(), .message = checked.error().message});
        waitForToken(); // refused before connecting
        return;
    }
    setIdentity(checked->identity);
    lifecycle_.setToken(*checked);
    connect();
}

std::shared_ptr<Connection> ClientCore::shutdown(std::function<void()> closed) {
    state_ = ConnectionState::kShutDown;
    requests_.fail(ClientErrorCode::kShutDown, /*queued_too=*/true);
    if (pending_token_) {
        auto waiting = std::exchange(pending_token_, std::nullopt);
        for (auto& done : waiting->done) {
            done(std::unexpected(Error::client(ClientErrorCode::kShutDown)));
        }
    }
    lifecycle_.clear();
    cancelTimers();
    channels_.clear();
    if (connection_ && !opened_) {
        // Still connecting (a slow or unreachable host): nothing to close gracefully, and
        // shutdown must not wait for a connect timeout.
        std::exchange(connection_, nullptr)->abort();
    }
    if (connection_) {
        closed_ = std::move(closed);
        connection_->close();
    }
    return connection_;
}

void ClientCore::cancelTimers() {
    scheduler_->cancel(reconnect_timer_);
    reconnect_timer_ = 0;
    scheduler_->cancel(pace_timer_);
    pace_timer_ = 0;
}

ChatClientStats ClientCore::stats() const {
    return ChatClientStats{
        .state = state_,
        .open_sockets = connection_ && state_ != ConnectionState::kShutDown ? 1 : 0,
        .armed_timers = (lifecycle_.timerArmed() ? 1 : 0) + (reconnect_timer_ != 0 ? 1 : 0) +
                        (pace_timer_ != 0 ? 1 : 0),
        .connect_attempts = connect_attempts_,
        .url = urls_.current().text,
        .queued_requests = requests_.queued(),
    };
}

std::string ClientCore::identity() const {
    const std::lock_guard lock{identity_mutex_};
    return identity_;
}

void ClientCore::setState(ConnectionState state) {
    // The first state is told too: `connecting` is the state a client starts in.
    if ((state_ == state && state_announced_) || state_ == ConnectionState::kShutDown) {
        return;
    }
    state_announced_ = true;
    state_ = state;
    events_->emit(
        [state](ChatClientListener& listener) { listener.onConnectionStateChanged(state); });
}

bool ClientCore::hasUsableToken() const {
    return pending_token_ || (lifecycle_.current() && !lifecycle_.expired());
}

// One socket at most: a new connection only when the previous one has ended.
void ClientCore::connect() {
    if (connection_ || state_ == ConnectionState::kShutDown) {
        return;
    }
    scheduler_->cancel(reconnect_timer_);
    reconnect_timer_ = 0;
    if (!hasUsableToken()) {
        waitForToken(); // rule 11: never reconnect with a token known to have expired
        return;
    }
    setState(ever_connected_ ? ConnectionState::kReconnecting : ConnectionState::kConnecting);
    ++connect_attempts_;
    connection_ = transport_->open(urls_.current().url, handlersFor(++connection_serial_));
}

// Handlers that reach the core only while their connection is the current one.
ConnectionHandlers ClientCore::handlersFor(std::uint64_t serial) {
    return ConnectionHandlers{
        .opened =
            [this, serial] {
                if (serial == connection_serial_) {
                    onOpened();
                }
            },
        .frame =
            [this, serial](const std::string& text) {
                if (serial == connection_serial_) {
                    onFrame(text);
                }
            },
        .failed =
            [this, serial, url = urls_.current().text](ConnectionError error) {
                if (serial == connection_serial_) {
                    error.url = url; // the URL of this attempt: the next one goes elsewhere
                    failure_ = std::move(error);
                }
            },
        .ended =
            [this, serial](int close_code, const std::string& reason) {
                if (serial == connection_serial_) {
                    onEnded(close_code, reason);
                }
            },
    };
}

void ClientCore::onOpened() {
    opened_ = true;
    if (!hasUsableToken()) {
        connection_->close(); // rule 11: the token expired while the connection was opening
        return;
    }
    // The newest token: also one that updateToken gave while the connection was opening.
    init_token_ = pending_token_ ? pending_token_->token : *lifecycle_.current();
    const auto sent = scheduler_->clock().now();
    sendNow(protocol::InitRequest{.token = init_token_->jwt},
            [this, sent](const Result<Json>& reply) { onInitReply(reply, sent); });
}

void ClientCore::onInitReply(const Result<Json>& reply, token::TimePoint sent) {
    const lifecycle::CheckedToken token = *init_token_;
    // The callers of updateToken whose token this init carried learn its outcome now.
    std::vector<Done<TokenInfo>> done;
    if (pending_token_ && pending_token_->token.serial == token.serial) {
        done = std::move(pending_token_->done);
        pending_token_.reset();
    }
    if (!reply) {
        if (reply.error().isTokenError()) {
            rejectToken(reply.error(), token);
            for (auto& callback : done) {
                callback(std::unexpected(reply.error()));
            }
        } else {
            // Not the token's fault (too many connections for this identity, say): the server
            // closes the socket next, and that disconnected event says why.
            init_refusal_ = reply.error();
            if (!done.empty()) {
                holdForNextInit(token, std::move(done)); // try it again
            }
        }
        // The server closes the socket after a refused init; onEnded decides what next.
        return;
    }
    acceptToken(token, sent, *reply);
    if (const auto parsed = tokenFromReply(*reply); parsed && parsed->limits) {
        requests_.pacer().setLimits(parsed->limits->rate_per_second, parsed->limits->rate_burst,
                                    requests_.sentOnConnection(), scheduler_->clock().now());
    }
    for (auto& callback : done) {
        callback(TokenInfo{.identity = token.identity, .expires_at = token.expires_at});
    }
    onConnected();
}

void ClientCore::onConnected() {
    initialized_ = true;
    backoff_.reset();
    urls_.connected();
    const bool reconnected = ever_connected_;
    ever_connected_ = true;
    setState(ConnectionState::kConnected);
    const TokenInfo accepted{.identity = init_token_->identity,
                             .expires_at = init_token_->expires_at};
    events_->emit([accepted, reconnected](ChatClientListener& listener) {
        listener.onConnected(accepted, reconnected);
    });
    if (pending_token_) { // a newer token arrived while init was in flight
        auto newer = std::exchange(pending_token_, std::nullopt);
        sendUpdate(newer->token, std::move(newer->done));
    }
    pump();
    channels_.resync();
}

void ClientCore::onFrame(const std::string& text) {
    auto frame = protocol::parseServerFrame(text);
    if (!frame) {
        return; // a frame we cannot read is dropped; its request fails when the connection ends
    }
    if (auto* event = std::get_if<protocol::Event>(&*frame)) {
        observeServerTime(event->server_time, scheduler_->clock().now());
        onEvent(*event);
        return;
    }
    requests_.complete(std::get<protocol::Reply>(std::move(*frame)), scheduler_->clock().now());
    pump(); // a reply frees a place in the window
}

void ClientCore::onEnded(int close_code, const std::string& reason) {
    connection_.reset();
    opened_ = false;
    scheduler_->cancel(pace_timer_);
    pace_timer_ = 0;
    auto failure = std::exchange(failure_, std::nullopt);
    const bool was_connected = std::exchange(initialized_, false);
    requests_.fail(ClientErrorCode::kConnectionLost, /*queued_too=*/false);
    if (state_ == ConnectionState::kShutDown) {
        if (auto closed = std::exchange(closed_, {})) {
            closed(); // the close handshake finished: nothing left to wait for
        }
        return;
    }
    if (close_code == kTokenExpiredClose) {
        lifecycle_.onServerExpired();
    }
    if (close_code == kTokenRevokedClose) {
        onRevoked(was_connected); // terminal for the token: never reconnect with it
    }
    const bool will_reconnect = hasUsableToken() && close_code != kTokenExpiredClose;
    const auto refusal = std::exchange(init_refusal_, std::nullopt);
    if (was_connected || !will_reconnect || refusal) {
        events_->emit([disconnect = Disconnect{.close_code = close_code,
                                               .reason = refusal ? refusalText(*refusal) : reason,
                                               .will_reconnect = will_reconnect}](
                          ChatClientListener& listener) { listener.onDisconnected(disconnect); });
    }
    const auto retry_in =
        will_reconnect ? scheduleReconnect(was_connected) : std::chrono::milliseconds{0};
    if (!will_reconnect) {
        waitForToken();
    }
    if (failure) {
        reportFailure(std::move(*failure), will_reconnect, retry_in);
    }
}

void ClientCore::reportFailure(ConnectionError error, bool will_retry,
                               std::chrono::milliseconds retry_in) {
    error.attempt = connect_attempts_;
    error.will_retry = will_retry;
    error.retry_in = will_retry ? retry_in : std::chrono::milliseconds{0};
    events_->emit([error = std::move(error)](ChatClientListener& listener) {
        listener.onConnectionError(error);
    });
}

std::chrono::milliseconds ClientCore::scheduleReconnect(bool was_connected) {
    setState(ever_connected_ ? ConnectionState::kReconnecting : ConnectionState::kConnecting);
    scheduler_->cancel(reconnect_timer_);
    bool wait = true;
    if (was_connected) {
        urls_.lostConnection();
    } else {
        wait = urls_.failedAttempt();
    }
    const auto delay = wait ? backoff_.next() : std::chrono::milliseconds{0};
    reconnect_timer_ = scheduler_->scheduleAt(scheduler_->clock().now() + delay, [this] {
        reconnect_timer_ = 0;
        connect();
    });
    return delay;
}

void ClientCore::waitForToken() {
    scheduler_->cancel(reconnect_timer_);
    reconnect_timer_ = 0;
    setState(ConnectionState::kWaitingForToken);
}

void ClientCore::sendNow(std::string_view op, Json args, ReplyHandler on_reply) {
    if (!connection_) {
        on_reply(std::unexpected(Error::client(ClientErrorCode::kConnectionLost)));
        return;
    }
    requests_.enqueue(op, std::move(args), std::move(on_reply), RequestTable::Lane::kConnection);
    pump();
}

// Sends what the server's rate lets go now; a timer brings the rest when it may go.
void ClientCore::pump() {
    if (!connection_ || state_ == ConnectionState::kShutDown) {
        return;
    }
    const auto again = requests_.pump(*connection_, scheduler_->clock().now(), initialized_);
    scheduler_->cancel(pace_timer_);
    pace_timer_ = 0;
    if (again) {
        pace_timer_ = scheduler_->scheduleAt(*again, [this] {
            pace_timer_ = 0;
            pump();
        });
    }
}

} // namespace parley::client
