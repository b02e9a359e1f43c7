// The connection half of ChatClient::Impl: connect, init, frames, loss and reconnect, shutdown.

#include "client/chat_client_impl.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <future>
#include <variant>

namespace parley::client {

namespace {

constexpr std::chrono::milliseconds kConnectTimeout{10'000};
// A graceful close gets this long before the socket is dropped, so shutdown never hangs on a
// server that stopped answering.
constexpr std::chrono::milliseconds kCloseGrace{500};

} // namespace

ChatClient::Impl::Impl(ChatClientOptions options)
    : options_(std::move(options)), work_(io_.get_executor()),
      scheduler_(io_, *options_.clock, options_.clock_recheck),
      lifecycle_(
          scheduler_,
          lifecycle::LifecycleOptions{.about_to_expire_window = options_.about_to_expire_window,
                                      .wait_for_server_time = true},
          lifecycle::LifecycleCallbacks{
              .about_to_expire = [this](const auto& token) { onAboutToExpire(token); },
              .expired = [this](const auto& token) { onExpired(token); },
          }),
      events_(EventDispatcher::create(options_.callback_executor)), backoff_(options_.reconnect) {}

ChatClient::Impl::~Impl() {
    shutdown();
}

void ChatClient::Impl::start(std::string token, WsUrl url) {
    url_ = std::move(url); // before the io thread exists, so no other thread sees it change
    io_thread_ = std::thread([this] { io_.run(); });
    post([this, token = std::move(token)]() mutable {
        auto checked = lifecycle_.check(token);
        if (!checked) {
            emitTokenError(
                Error{.code = checked.error().wireCode(), .message = checked.error().message});
            waitForToken(); // the token was refused before connecting
            return;
        }
        {
            const std::lock_guard lock{identity_mutex_};
            identity_ = checked->identity;
        }
        lifecycle_.setToken(*checked);
        connect();
    });
}

void ChatClient::Impl::post(std::function<void()> task) {
    if (shut_down_.load()) {
        return;
    }
    boost::asio::post(io_, [weak = weak_from_this(), task = std::move(task)] {
        const auto self = weak.lock();
        if (self && !self->shut_down_.load()) {
            task();
        }
    });
}

void ChatClient::Impl::shutdown() {
    if (shut_down_.exchange(true)) {
        if (io_thread_.joinable() && io_thread_.get_id() != std::this_thread::get_id()) {
            io_thread_.join();
        }
        return;
    }
    events_->close(); // no callback after this returns
    boost::asio::post(io_, [this] {
        state_ = ConnectionState::kShutDown;
        failInFlight(ClientErrorCode::kShutDown);
        for (auto& outgoing : outbox_) {
            outgoing.on_reply(std::unexpected(Error::client(ClientErrorCode::kShutDown)));
        }
        outbox_.clear();
        if (pending_token_) {
            for (auto& done : pending_token_->done) {
                done(std::unexpected(Error::client(ClientErrorCode::kShutDown)));
            }
            pending_token_.reset();
        }
        lifecycle_.clear();
        scheduler_.cancelAll();
        reconnect_timer_ = 0;
        channels_.clear();
        if (connection_) {
            connection_->close();
            // The grace timer is the io thread's last work; then run() returns and the thread
            // ends. A steady timer, not the scheduler: the wall clock may be a test's, standing.
            close_grace_ = std::make_shared<boost::asio::steady_timer>(io_, kCloseGrace);
            close_grace_->async_wait(
                [grace = close_grace_, connection = connection_](boost::system::error_code error) {
                    if (!error) {
                        connection->abort();
                    }
                });
            connection_.reset();
        }
        work_.reset();
    });
    if (io_thread_.joinable() && io_thread_.get_id() != std::this_thread::get_id()) {
        io_thread_.join();
    }
}

std::string ChatClient::Impl::identity() const {
    const std::lock_guard lock{identity_mutex_};
    return identity_;
}

ChatClientStats ChatClient::Impl::stats() {
    auto compute = [this] {
        return ChatClientStats{
            .state = state_,
            .open_sockets = connection_ ? 1 : 0,
            .armed_timers = static_cast<int>(scheduler_.armedTimers()),
            .connect_attempts = connect_attempts_,
            .queued_requests = outbox_.size(),
        };
    };
    if (shut_down_.load() || std::this_thread::get_id() == io_thread_.get_id()) {
        return ChatClientStats{.state = ConnectionState::kShutDown};
    }
    auto result = std::make_shared<std::promise<ChatClientStats>>();
    auto future = result->get_future();
    post([result, compute] { result->set_value(compute()); });
    if (future.wait_for(std::chrono::seconds{2}) != std::future_status::ready) {
        return ChatClientStats{.state = ConnectionState::kShutDown};
    }
    return future.get();
}

void ChatClient::Impl::setState(ConnectionState state) {
    if (state_ == state || state_ == ConnectionState::kShutDown) {
        return;
    }
    state_ = state;
    events_->emit(
        [state](ChatClientListener& listener) { listener.onConnectionStateChanged(state); });
}

// One socket at most: a new connection only when the previous one has ended.
void ChatClient::Impl::connect() {
    if (connection_ || state_ == ConnectionState::kShutDown) {
        return;
    }
    scheduler_.cancel(reconnect_timer_);
    reconnect_timer_ = 0;
    if (!pending_token_ && (!lifecycle_.current() || lifecycle_.expired())) {
        // DESIGN rule 11: never reconnect with a token known to have expired.
        waitForToken();
        return;
    }
    init_token_ = pending_token_ ? pending_token_->token : *lifecycle_.current();
    setState(ever_connected_ ? ConnectionState::kReconnecting : ConnectionState::kConnecting);
    ++connect_attempts_;
    std::weak_ptr<Impl> weak = weak_from_this();
    connection_ =
        std::make_shared<WsConnection>(io_, url_,
                                       WsConnection::Handlers{
                                           .opened =
                                               [weak] {
                                                   if (auto self = weak.lock()) {
                                                       self->onOpened();
                                                   }
                                               },
                                           .frame =
                                               [weak](const std::string& text) {
                                                   if (auto self = weak.lock()) {
                                                       self->onFrame(text);
                                                   }
                                               },
                                           .ended =
                                               [weak](int code, const std::string& reason) {
                                                   if (auto self = weak.lock()) {
                                                       self->onEnded(code, reason);
                                                   }
                                               },
                                       },
                                       kConnectTimeout);
    connection_->start();
}

void ChatClient::Impl::onOpened() {
    const auto sent = options_.clock->now();
    sendNow("init", Json{{"token", init_token_->jwt}},
            [this, sent](Result<Json> reply) { onInitReply(reply, sent); });
}

void ChatClient::Impl::onInitReply(const Result<Json>& reply, token::TimePoint sent) {
    const lifecycle::CheckedToken token = *init_token_;
    // The callers of updateToken whose token this init carried learn its outcome now.
    std::vector<TokenDone> done;
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
        } else if (!done.empty()) {
            holdForNextInit(token, std::move(done)); // not the token's fault: try it again
        }
        // The server closes the socket after a refused init (4401); onEnded decides what next.
        return;
    }
    acceptToken(token, sent, *reply);
    for (auto& callback : done) {
        callback(info(token));
    }
    initialized_ = true;
    backoff_.reset();
    const bool reconnected = ever_connected_;
    ever_connected_ = true;
    setState(ConnectionState::kConnected);
    const TokenInfo accepted = info(token);
    events_->emit([accepted, reconnected](ChatClientListener& listener) {
        listener.onConnected(accepted, reconnected);
    });
    if (pending_token_) { // a newer token arrived while init was in flight
        auto newer = std::move(*pending_token_);
        pending_token_.reset();
        sendUpdate(newer.token, std::move(newer.done));
    }
    flushOutbox();
    resyncChannels();
}

void ChatClient::Impl::onFrame(const std::string& text) {
    auto frame = parseServerFrame(text);
    if (!frame) {
        return; // a frame we cannot read is dropped; its request times out as connection loss
    }
    if (auto* event = std::get_if<Event>(&*frame)) {
        observeServerTime(event->server_time, options_.clock->now());
        onEvent(*event);
        return;
    }
    auto& reply = std::get<Reply>(*frame);
    const auto found = in_flight_.find(reply.reply_to);
    if (found == in_flight_.end()) {
        return;
    }
    auto handler = std::move(found->second.on_reply);
    in_flight_.erase(found);
    if (reply.error) {
        handler(std::unexpected(*reply.error));
    } else {
        handler(std::move(reply.body));
    }
}

void ChatClient::Impl::onEnded(int close_code, const std::string& reason) {
    connection_.reset();
    const bool was_connected = initialized_;
    initialized_ = false;
    failInFlight(ClientErrorCode::kConnectionLost);
    if (state_ == ConnectionState::kShutDown) {
        if (close_grace_) {
            close_grace_->cancel(); // the close handshake finished: nothing left to wait for
        }
        return;
    }
    if (close_code == 4410) {
        lifecycle_.onServerExpired();
    }
    const bool usable_token = pending_token_ || (lifecycle_.current() && !lifecycle_.expired());
    const bool will_reconnect = usable_token && close_code != 4410;
    if (was_connected || !will_reconnect) {
        events_->emit([disconnect = Disconnect{.close_code = close_code,
                                               .reason = reason,
                                               .will_reconnect = will_reconnect}](
                          ChatClientListener& listener) { listener.onDisconnected(disconnect); });
    }
    if (will_reconnect) {
        scheduleReconnect();
    } else {
        waitForToken();
    }
}

void ChatClient::Impl::scheduleReconnect() {
    setState(ever_connected_ ? ConnectionState::kReconnecting : ConnectionState::kConnecting);
    scheduler_.cancel(reconnect_timer_);
    reconnect_timer_ = scheduler_.scheduleAt(options_.clock->now() + backoff_.next(), [this] {
        reconnect_timer_ = 0;
        connect();
    });
}

void ChatClient::Impl::waitForToken() {
    scheduler_.cancel(reconnect_timer_);
    reconnect_timer_ = 0;
    setState(ConnectionState::kWaitingForToken);
}

void ChatClient::Impl::request(std::string op, Json args, ReplyHandler on_reply) {
    if (shut_down_.load()) {
        on_reply(std::unexpected(Error::client(ClientErrorCode::kShutDown)));
        return;
    }
    post([this, op = std::move(op), args = std::move(args),
          on_reply = std::move(on_reply)]() mutable {
        if (initialized_) {
            sendNow(std::move(op), std::move(args), std::move(on_reply));
            return;
        }
        if (outbox_.size() >= options_.max_queued_requests) {
            on_reply(std::unexpected(Error::client(ClientErrorCode::kQueueFull)));
            return;
        }
        outbox_.push_back(Outgoing{std::move(op), std::move(args), std::move(on_reply)});
    });
}

void ChatClient::Impl::sendNow(std::string op, Json args, ReplyHandler on_reply) {
    if (!connection_) {
        on_reply(std::unexpected(Error::client(ClientErrorCode::kConnectionLost)));
        return;
    }
    const std::uint64_t id = next_id_++;
    Json frame = std::move(args);
    frame["id"] = id;
    frame["op"] = op;
    in_flight_.emplace(id, InFlight{std::move(op), std::move(on_reply)});
    connection_->send(frame.dump());
}

void ChatClient::Impl::flushOutbox() {
    while (initialized_ && !outbox_.empty()) {
        Outgoing next = std::move(outbox_.front());
        outbox_.pop_front();
        sendNow(std::move(next.op), std::move(next.args), std::move(next.on_reply));
    }
}

void ChatClient::Impl::failInFlight(ClientErrorCode code) {
    auto failed = std::move(in_flight_);
    in_flight_.clear();
    for (auto& [id, request] : failed) {
        request.on_reply(std::unexpected(Error::client(code)));
    }
}

} // namespace parley::client
