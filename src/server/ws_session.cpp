#include "server/ws_session.hpp"

#include "protocol/lifecycle_frames.hpp"
#include "protocol/names.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace parley::server {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using protocol::CloseCode;
using protocol::ErrorCode;
using protocol::Json;

namespace {

std::int64_t unixMillis(token::TimePoint time) {
    return time.time_since_epoch().count();
}
std::int64_t unixSeconds(token::UnixSeconds time) {
    return time.time_since_epoch().count();
}

} // namespace

WsSession::WsSession(boost::asio::ip::tcp::socket&& socket, ServerContext& context)
    : ws_(std::move(socket)), context_(context), init_timer_(ws_.get_executor()),
      warn_timer_(ws_.get_executor()), expiry_timer_(ws_.get_executor()),
      rate_(context.settings.rate_per_second, context.settings.rate_burst,
            RateLimiter::Clock::now()) {
    context_.metrics.connectionOpened();
}

WsSession::~WsSession() {
    // finish() logs and updates the hub; neither may take the process down from a destructor.
    try {
        finish(close_reason_);
    } catch (...) { // NOLINT(bugprone-empty-catch): nothing useful to do this late.
    }
}

void WsSession::run(const UpgradeRequest& request) {
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    // Pings keep idle but healthy chat connections open; a dead peer is still dropped.
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.read_message_max(protocol::kMaxFrameBytes);
    ws_.text(true);
    // Tracked from the start, so shutdown reaches connections still in their handshake too.
    context_.hub.track(shared_from_this());
    ws_.async_accept(request, beast::bind_front_handler(&WsSession::onAccept, shared_from_this()));
}

void WsSession::onAccept(beast::error_code error) {
    if (error) {
        finish(CloseReason::kNetworkError);
        return;
    }
    accepted_ = true;
    if (pending_close_) {
        startClose();
        return;
    }
    init_timer_.expires_after(context_.settings.init_timeout);
    init_timer_.async_wait([self = shared_from_this()](beast::error_code timer_error) {
        if (!timer_error && !self->initialized_) {
            self->closeWith(CloseCode::kInitTimeout, CloseReason::kInitTimeout);
        }
    });
    readNext();
}

void WsSession::readNext() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code error, std::size_t) {
        self->onRead(error);
    });
}

void WsSession::onRead(beast::error_code error) {
    if (error) {
        if (error == websocket::error::message_too_big) {
            finish(CloseReason::kTooBig);
        } else if (pending_close_) {
            finish(close_reason_);
        } else if (error == websocket::error::closed) {
            finish(CloseReason::kClientClosed);
        } else {
            finish(CloseReason::kNetworkError);
        }
        return;
    }
    const std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (!pending_close_) {
        if (rate_.allow(RateLimiter::Clock::now())) {
            rate_strikes_ = 0;
            handleFrame(text);
        } else {
            // Parsed only for its id, so the client knows which request was refused.
            const auto refused = protocol::parseRequest(text);
            send(protocol::errorReply(refused ? std::optional{refused->id} : std::nullopt,
                                      static_cast<int>(ErrorCode::kRateLimited),
                                      protocol::describe(ErrorCode::kRateLimited)));
            if (++rate_strikes_ >= context_.settings.rate_strikes) {
                closeWith(CloseCode::kRateLimited, CloseReason::kRateLimited);
            }
        }
    }
    readNext();
}

void WsSession::handleFrame(std::string_view text) {
    auto request = protocol::parseRequest(text);
    if (!request) {
        protocolError(request.error().id, request.error().code, request.error().message);
        return;
    }
    const std::string_view op = request->op;
    if (op == protocol::op::kInit) {
        handleInit(*request);
    } else if (!initialized_) {
        protocolError(request->id, ErrorCode::kInitRequired,
                      protocol::describe(ErrorCode::kInitRequired));
    } else if (op == protocol::op::kUpdateToken) {
        handleUpdateToken(*request);
    } else if (op == protocol::op::kPing) {
        send(protocol::okReply(request->id, {{"server_time", unixMillis(context_.clock.now())}}));
    } else if (ChatService::handles(op)) {
        handleChat(*request);
    } else {
        protocolError(request->id, ErrorCode::kUnknownOp, "unknown op \"" + request->op + "\"");
    }
}

void WsSession::protocolError(std::optional<std::uint64_t> id, ErrorCode code,
                              std::string_view message) {
    send(protocol::errorReply(id, static_cast<int>(code), message));
    if (++protocol_errors_ >= context_.settings.max_protocol_errors) {
        closeWith(CloseCode::kProtocolError, CloseReason::kProtocolError);
    }
}

void WsSession::handleInit(const protocol::Request& request) {
    if (initialized_) {
        protocolError(request.id, ErrorCode::kAlreadyInitialized,
                      protocol::describe(ErrorCode::kAlreadyInitialized));
        return;
    }
    bool rejected = false;
    const auto claims = verifiedToken(request, rejected);
    if (!claims) {
        if (rejected) {
            closeWith(CloseCode::kTokenRejected, CloseReason::kTokenRejected);
        }
        return;
    }
    // Attached before its channels are read, so a membership added by another connection in
    // between still reaches this one through Hub::memberAdded.
    if (!context_.hub.attach(claims->identity(), shared_from_this(), {},
                             context_.settings.max_connections_per_identity)) {
        send(protocol::errorReply(request.id, static_cast<int>(ErrorCode::kTooManyConnections),
                                  protocol::describe(ErrorCode::kTooManyConnections)));
        closeWith(CloseCode::kRateLimited, CloseReason::kRateLimited);
        return;
    }
    attached_ = true;
    const auto channels = context_.chat.channelsOf(claims->identity());
    if (!channels) {
        send(protocol::errorReply(request.id, static_cast<int>(ErrorCode::kInternal),
                                  protocol::describe(ErrorCode::kInternal)));
        context_.hub.detach(claims->identity(), this);
        attached_ = false;
        return;
    }
    for (const std::string& channel : *channels) {
        context_.hub.memberAdded(channel, claims->identity());
    }
    initialized_ = true;
    identity_ = claims->identity();
    token_id_ = claims->token_id;
    init_timer_.cancel();
    spdlog::info("connection start: identity={} expires_at={}", identity_,
                 unixSeconds(claims->expires_at));
    sendTokenReply(request.id, claims->expires_at);
    armTokenTimers(claims->expires_at);
}

std::optional<token::Claims> WsSession::verifiedToken(const protocol::Request& request,
                                                      bool& rejected) {
    const auto token = protocol::stringArg(request, "token");
    if (!token) {
        protocolError(request.id, token.error().code, token.error().message);
        return std::nullopt;
    }
    auto claims = context_.tokens.verify(*token);
    if (!claims) {
        rejected = true;
        send(protocol::errorReply(request.id, claims.error().wireCode(), claims.error().message));
        spdlog::info("{} rejected for identity={}: {} {}", request.op,
                     identity_.empty() ? "(none)" : identity_, claims.error().wireCode(),
                     claims.error().message);
        return std::nullopt;
    }
    return std::move(*claims);
}

void WsSession::sendTokenReply(std::uint64_t id, token::UnixSeconds expires_at) {
    send(protocol::okReply(id, {{"identity", identity_},
                                {"expires_at", unixSeconds(expires_at)},
                                {"server_time", unixMillis(context_.clock.now())}}));
}

void WsSession::handleUpdateToken(const protocol::Request& request) {
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
    // The same token sent again is not a new token: its events were already scheduled or sent,
    // and each fires at most once per token (rule 4).
    const bool same_token = !claims->token_id.empty() && claims->token_id == token_id_ &&
                            claims->expires_at == expires_at_;
    if (!same_token) {
        token_id_ = claims->token_id;
        armTokenTimers(claims->expires_at);
    }
}

void WsSession::handleChat(const protocol::Request& request) {
    auto result = context_.chat.handle(identity_, request);
    if (result) {
        send(protocol::okReply(request.id, *result));
        return;
    }
    const ErrorCode code = result.error().code;
    if (code == ErrorCode::kInvalidArgument || code == ErrorCode::kUnknownOp) {
        protocolError(request.id, code, result.error().message);
    } else {
        send(protocol::errorReply(request.id, static_cast<int>(code), result.error().message));
    }
}

void WsSession::armTokenTimers(token::UnixSeconds expires_at) {
    expires_at_ = expires_at;
    const std::uint64_t generation = ++token_generation_;
    const TokenSchedule schedule =
        scheduleFor(expires_at, context_.clock.now(), context_.settings.about_to_expire_window);
    warn_timer_.cancel();
    if (schedule.warn_now) {
        sendAboutToExpire();
    } else {
        warn_timer_.expires_after(schedule.warn_in);
        warn_timer_.async_wait([self = shared_from_this(), generation](beast::error_code error) {
            if (!error && generation == self->token_generation_) {
                self->sendAboutToExpire();
            }
        });
    }
    expiry_timer_.expires_after(schedule.expire_in);
    expiry_timer_.async_wait([self = shared_from_this(), generation](beast::error_code error) {
        if (!error && generation == self->token_generation_) {
            self->sendExpired();
        }
    });
}

void WsSession::sendAboutToExpire() {
    if (pending_close_) {
        return;
    }
    context_.metrics.lifecycleEventSent(LifecycleEvent::kAboutToExpire);
    send(protocol::tokenAboutToExpireFrame(unixSeconds(expires_at_),
                                           unixMillis(context_.clock.now())));
}

void WsSession::sendExpired() {
    if (pending_close_) {
        return;
    }
    context_.metrics.lifecycleEventSent(LifecycleEvent::kExpired);
    send(protocol::tokenExpiredFrame(unixMillis(context_.clock.now())));
    closeWith(CloseCode::kTokenExpired, CloseReason::kTokenExpired);
}

void WsSession::deliver(const Payload& payload) {
    boost::asio::post(ws_.get_executor(),
                      [self = shared_from_this(), payload] { self->send(payload); });
}

void WsSession::close(CloseCode code) {
    boost::asio::post(ws_.get_executor(), [self = shared_from_this(), code] {
        self->closeWith(code, code == CloseCode::kGoingAway ? CloseReason::kShutdown
                                                            : CloseReason::kProtocolError);
    });
}

void WsSession::send(std::string frame) {
    send(std::make_shared<const std::string>(std::move(frame)));
}

void WsSession::send(Payload payload) {
    if (pending_close_ || finished_) {
        return;
    }
    if (queue_.size() >= context_.settings.max_queued_frames) {
        spdlog::warn("identity={} reads too slowly; dropping the connection", identity_);
        closeWith(CloseCode::kRateLimited, CloseReason::kRateLimited);
        return;
    }
    queue_.push_back(std::move(payload));
    if (!writing_) {
        writeNext();
    }
}

void WsSession::writeNext() {
    if (queue_.empty()) {
        writing_ = false;
        if (pending_close_) {
            startClose();
        }
        return;
    }
    writing_ = true;
    ws_.async_write(boost::asio::buffer(*queue_.front()),
                    [self = shared_from_this()](beast::error_code error, std::size_t) {
                        self->onWrite(error);
                    });
}

void WsSession::onWrite(beast::error_code error) {
    if (error) {
        writing_ = false;
        queue_.clear();
        finish(CloseReason::kNetworkError);
        return;
    }
    queue_.pop_front();
    writeNext();
}

void WsSession::closeWith(CloseCode code, CloseReason reason) {
    if (pending_close_ || finished_) {
        return;
    }
    pending_close_ = code;
    close_reason_ = reason;
    init_timer_.cancel();
    warn_timer_.cancel();
    expiry_timer_.cancel();
    // Before the handshake completes there is nothing to close yet; onAccept closes instead.
    if (accepted_ && !writing_) {
        startClose();
    }
}

void WsSession::startClose() {
    websocket::close_reason reason{static_cast<websocket::close_code>(*pending_close_)};
    reason.reason = protocol::describe(*pending_close_);
    ws_.async_close(reason, [self = shared_from_this()](beast::error_code) {
        self->finish(self->close_reason_);
    });
}

void WsSession::finish(CloseReason reason) {
    if (finished_) {
        return;
    }
    finished_ = true;
    init_timer_.cancel();
    warn_timer_.cancel();
    expiry_timer_.cancel();
    if (attached_) {
        context_.hub.detach(identity_, this);
        attached_ = false;
    }
    context_.hub.untrack(this);
    context_.metrics.connectionClosed(reason);
    spdlog::info("connection end: identity={} reason={}", identity_.empty() ? "(none)" : identity_,
                 closeReasonName(reason));
}

} // namespace parley::server
