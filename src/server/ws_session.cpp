#include "server/ws_session.hpp"

#include "protocol/names.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace parley::server {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using protocol::CloseCode;

WsSession::WsSession(WsStream&& stream, ServerContext& context)
    : ws_(std::move(stream)), inbox_(DeliveryInbox::of(ws_.get_executor())), context_(context),
      scheduler_(ws_.get_executor(), context.clock), core_(context, scheduler_, *this) {}

WsSession::~WsSession() {
    // end() logs and updates the hub; neither may take the process down from a destructor.
    try {
        end(core_.closing() ? core_.closeReason() : CloseReason::kNetworkError);
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
    outbox().attach(weak_from_this(), *this);
    // Tracked from the start, so shutdown reaches connections still in their handshake too.
    context_.hub.track(shared_from_this());
    ws_.async_accept(request, beast::bind_front_handler(&WsSession::onAccept, shared_from_this()));
}

void WsSession::onAccept(beast::error_code error) {
    if (error) {
        end(CloseReason::kNetworkError);
        return;
    }
    accepted_ = true;
    if (close_requested_) {
        startClose(); // shutdown came during the handshake
        return;
    }
    core_.start(shared_from_this());
}

void WsSession::readNext() {
    if (reading_ || ended_ || !accepted_) {
        return;
    }
    reading_ = true;
    readPart();
}

// A message is read in parts of at most kReadPart bytes: the read that waits on an idle
// connection prepares its buffer up front, and a whole-message read would hold 1.5 KiB there on
// every idle connection.
void WsSession::readPart() {
    ws_.async_read_some(
        buffer_, kReadPart,
        [self = shared_from_this()](beast::error_code error, std::size_t) { self->onRead(error); });
}

void WsSession::onRead(beast::error_code error) {
    if (!error && !ws_.is_message_done()) {
        readPart();
        return;
    }
    reading_ = false;
    if (error) {
        if (error == websocket::error::message_too_big) {
            end(CloseReason::kTooBig);
        } else if (core_.closing()) {
            end(core_.closeReason());
        } else if (error == websocket::error::closed) {
            end(CloseReason::kClientClosed);
        } else {
            end(CloseReason::kNetworkError);
        }
        return;
    }
    const std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (buffer_.capacity() > kReadPart) {
        buffer_.shrink_to_fit(); // a large message's buffer is not kept for the idle time after it
    }
    if (core_.closing()) {
        readNext(); // drained until the peer answers our close
        return;
    }
    core_.onFrame(text);
}

void WsSession::deliver(const Payload& payload) {
    auto self = shared_from_this();
    auto* target = static_cast<DeliveryInbox::Target*>(this); // a private base: alias, not convert
    inbox_.push(std::shared_ptr<DeliveryInbox::Target>(std::move(self), target), payload,
                ws_.get_executor());
}

void WsSession::deliverNow(const Payload& payload) {
    core_.deliver(payload);
}

void WsSession::close(CloseCode code) {
    boost::asio::post(ws_.get_executor(), [self = shared_from_this(), code] {
        if (!self->accepted_) {
            self->close_requested_ = true;
            return;
        }
        self->core_.close(code, code == CloseCode::kGoingAway ? CloseReason::kShutdown
                                                              : CloseReason::kProtocolError);
    });
}

void WsSession::recheckRevocation() {
    boost::asio::post(ws_.get_executor(),
                      [self = shared_from_this()] { self->core_.recheckRevocation(); });
}

void WsSession::send(Payload frame) {
    if (ended_ || close_started_ || close_requested_) { // nothing after the close is asked for
        return;
    }
    if (outbox().queuedBytes() + frame->size() > context_.settings.max_outbox_bytes) {
        dropSlowReader(frame->size());
        return;
    }
    outbox().queueText(std::move(frame));
}

// Whatever is queued is dropped at once, so the memory is free now rather than when (or if) the
// peer reads; the client pages on by index after it reconnects. Only the write in flight stays:
// the socket has part of it. The close frame follows it, and a peer that does not take even that
// within the grace period loses the socket.
void WsSession::dropSlowReader(std::size_t refused_bytes) {
    spdlog::warn("identity={} reads too slowly: {} bytes unsent, {} more refused; closing {}",
                 core_.identity().empty() ? "(none)" : core_.identity(), outbox().queuedBytes(),
                 refused_bytes, static_cast<int>(CloseCode::kTooSlow));
    outbox().dropUnsent();
    if (!outbox().idle()) {
        scheduler_.scheduleAt(scheduler_.clock().now() + context_.settings.slow_close_grace,
                              [this] {
                                  if (!ended_) {
                                      beast::error_code ignored;
                                      outbox().next().socket().close(ignored); // under TLS too
                                  }
                              });
    }
    core_.close(CloseCode::kTooSlow, CloseReason::kTooSlow);
}

void WsSession::closeAfterQueued(CloseCode /*code*/) {
    close_requested_ = true;
    if (outbox().idle()) {
        startClose();
    }
    readNext(); // the peer's close frame completes the handshake
}

void WsSession::onOutboxDrained() {
    if (close_requested_) {
        startClose();
    }
}

void WsSession::onOutboxFailed(beast::error_code /*error*/) {
    end(core_.closing() ? core_.closeReason() : CloseReason::kNetworkError);
}

void WsSession::startClose() {
    if (close_started_ || ended_) {
        return;
    }
    close_started_ = true;
    const CloseCode code = core_.closing() ? core_.pendingClose() : CloseCode::kGoingAway;
    websocket::close_reason reason{static_cast<websocket::close_code>(code)};
    reason.reason = protocol::describe(code);
    ws_.async_close(reason, [self = shared_from_this()](beast::error_code) {
        self->end(self->core_.closing() ? self->core_.closeReason() : CloseReason::kShutdown);
    });
}

void WsSession::end(CloseReason reason) {
    if (ended_) {
        return;
    }
    ended_ = true;
    core_.finish(reason);
    context_.hub.untrack(this);
}

} // namespace parley::server
