#include "server/ws_session.hpp"

#include "protocol/names.hpp"
#include "server/ws_control_frame.hpp"
#include "server/ws_handshake.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/role.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace parley::server {

namespace asio = boost::asio;
using boost::system::error_code;
using protocol::CloseCode;
using tcp = asio::ip::tcp;

WsSession::WsSession(WsStream&& stream, ServerContext& context)
    : outbox_(std::move(stream)), reader_(protocol::kMaxFrameBytes),
      inbox_(DeliveryInbox::of(outbox_.get_executor())), context_(context),
      scheduler_(outbox_.get_executor(), context.clock), core_(context, scheduler_, *this) {}

WsSession::~WsSession() {
    // end() logs and updates the hub; neither may take the process down from a destructor.
    try {
        end(core_.closing() ? core_.closeReason() : CloseReason::kNetworkError);
    } catch (...) { // NOLINT(bugprone-empty-catch): nothing useful to do this late.
    }
}

void WsSession::run(const UpgradeRequest& request) {
    outbox_.attach(weak_from_this(), *this);
    // Tracked from the start, so shutdown reaches every connection it has to wait for.
    context_.hub.track(shared_from_this());
    WsHandshakeAnswer answer = answerUpgrade(request);
    if (!answer.accepted()) {
        spdlog::debug("WebSocket upgrade refused: {}", answer.error.message());
        close_received_ = true; // nothing will be read: the connection ends once this is written
        close_sent_ = true;
        close_reason_ = CloseReason::kNetworkError;
        outbox_.queueRaw(std::move(answer.response), [self = shared_from_this()](error_code error) {
            self->close_written_ = !error;
            self->finishClose();
        });
        return;
    }
    if (auto* socket = outbox_.next().get<tcp::socket>()) {
        error_code ignored;
        socket->non_blocking(true, ignored); // read_some after a readiness wait must not block
    }
    // The session's frames are queued after the 101 and go out behind it: nothing waits for it.
    outbox_.queueRaw(std::move(answer.response));
    accepted_ = true;
    last_heard_ = scheduler_.clock().now(); // the upgrade request
    armKeepAlive();
    core_.start(shared_from_this());
}

void WsSession::readNext() {
    if (reading_ || ended_ || !accepted_ || close_received_) {
        return;
    }
    reading_ = true;
    if (pumping_) {
        return; // asked from inside onFrame: the pump goes on with the next frame
    }
    if (reader_.idle()) {
        waitForBytes();
        return;
    }
    // Frames already read wait in the reader. Posted: the core asked later (its op answered).
    asio::post(outbox_.get_executor(), [self = shared_from_this()] { self->pump(); });
}

void WsSession::waitForBytes() {
    if (auto* socket = outbox_.next().get<tcp::socket>()) {
        socket->async_wait(tcp::socket::wait_read, [self = shared_from_this()](error_code error) {
            self->onReadable(error);
        });
        return;
    }
    if (!tls_buffer_) {
        tls_buffer_ = std::make_unique<std::array<char, kTlsReadBytes>>();
    }
    outbox_.next().async_read_some(
        asio::buffer(*tls_buffer_), [self = shared_from_this()](error_code error, std::size_t n) {
            self->onBytes(error, std::span<const char>(self->tls_buffer_->data(), n));
        });
}

void WsSession::onReadable(error_code error) {
    if (error) {
        onReadFailed(error);
        return;
    }
    // One buffer per io thread: its connections read one at a time, and the reader copies what
    // it keeps, so no connection holds a read buffer while it waits.
    thread_local std::array<char, std::size_t{64} << 10U> buffer;
    error_code read_error;
    const std::size_t n =
        outbox_.next().get<tcp::socket>()->read_some(asio::buffer(buffer), read_error);
    if (read_error == asio::error::would_block || read_error == asio::error::try_again) {
        waitForBytes();
        return;
    }
    onBytes(read_error, std::span<const char>(buffer.data(), n));
}

void WsSession::onBytes(error_code error, std::span<const char> bytes) {
    if (error) {
        onReadFailed(error);
        return;
    }
    last_heard_ = scheduler_.clock().now();
    ping_sent_ = false; // whatever arrived answers it
    reader_.feed(bytes);
    pump();
}

void WsSession::pump() {
    // Every frame the core takes at once is handed over in this one pass: a sender's pipelined
    // sends reach the store workers together, before the io loop turns to anything else (such as
    // the deliveries of the sends before them), so they make one group commit.
    pumping_ = true;
    pumpFrames();
    pumping_ = false;
}

void WsSession::pumpFrames() {
    while (!ended_) {
        auto event = reader_.next();
        if (!event) {
            reading_ = false;
            onBadFrames(event.error());
            return;
        }
        switch (event->kind) {
        case WsEventKind::kNone:
            waitForBytes();
            return;
        case WsEventKind::kPing:
            outbox_.queueRaw(pongFrame(event->payload));
            break;
        case WsEventKind::kPong:
            break; // last_heard_ is set: the keep-alive sees the peer is there
        case WsEventKind::kClose:
            reading_ = false;
            onPeerClose(event->close_code);
            return;
        case WsEventKind::kText:
        case WsEventKind::kBinary:
            reading_ = false;
            onMessage(event->payload);
            if (!reading_) {
                return; // the core reads on when its op has answered
            }
            break;
        }
    }
}

void WsSession::onMessage(const std::string& text) {
    if (core_.closing()) {
        readNext(); // drained until the peer answers our close
        return;
    }
    core_.onFrame(text);
}

// The peer's close: the answer to ours, or its own, which is echoed (RFC 6455, 5.5.1) before the
// connection is torn down.
void WsSession::onPeerClose(std::uint16_t code) {
    close_received_ = true;
    if (!close_sent_) {
        // The peer's code back, with no reason; 1000 (normal) for a close that had no code.
        const std::uint16_t echoed =
            code == kCloseNoStatus ? static_cast<std::uint16_t>(CloseCode::kNormal) : code;
        sendClose(echoed, {}, core_.closing() ? core_.closeReason() : CloseReason::kClientClosed);
        return;
    }
    finishClose();
}

void WsSession::onBadFrames(WsReadError error) {
    spdlog::debug("identity={} sent bad WebSocket frames: {}",
                  core_.identity().empty() ? "(none)" : core_.identity(), describe(error));
    close_received_ = true; // nothing after bad frames is read
    if (close_sent_) {
        finishClose();
        return;
    }
    sendClose(closeCodeFor(error), describe(error),
              error == WsReadError::kMessageTooBig ? CloseReason::kTooBig
                                                   : CloseReason::kNetworkError);
}

void WsSession::onReadFailed(error_code /*error*/) {
    reading_ = false;
    // The peer went without a close frame (or the socket was closed under us).
    abort(
        close_reason_.value_or(core_.closing() ? core_.closeReason() : CloseReason::kNetworkError));
}

void WsSession::sendClose(std::uint16_t code, std::string_view reason, CloseReason why) {
    if (close_sent_) {
        return;
    }
    close_sent_ = true;
    close_reason_ = why;
    outbox_.queueRaw(closeFrame(code, reason), [self = shared_from_this()](error_code error) {
        self->close_written_ = !error;
        self->finishClose();
    });
    // Armed after this pass, not now: when thousands of tokens share an exp, every close frame of
    // the burst leaves before any of their timeouts takes its share of the io thread.
    asio::post(outbox_.get_executor(), [self = shared_from_this()] {
        if (self->ended_) {
            return;
        }
        const auto timeout = std::min<std::chrono::milliseconds>(
            kMaxCloseTimeout, self->context_.settings.keep_alive);
        self->scheduler_.scheduleAt(self->scheduler_.clock().now() + timeout, [raw = self.get()] {
            if (!raw->ended_) {
                raw->abort(*raw->close_reason_);
            }
        });
    });
}

// Both close frames are through: the sending side is shut down (TLS: close_notify) and the
// socket closed once the peer has closed its side, as Beast's teardown does.
void WsSession::finishClose() {
    if (!close_written_ || !close_received_ || tearing_down_ || ended_) {
        return;
    }
    tearing_down_ = true;
    async_teardown(boost::beast::role_type::server, outbox_.next(),
                   [self = shared_from_this()](error_code) { self->abort(*self->close_reason_); });
}

void WsSession::startClose() {
    if (close_started_ || ended_) {
        return;
    }
    close_started_ = true;
    const CloseCode code = core_.closing() ? core_.pendingClose() : CloseCode::kGoingAway;
    sendClose(static_cast<std::uint16_t>(code), protocol::describe(code),
              core_.closing() ? core_.closeReason() : CloseReason::kShutdown);
}

void WsSession::abort(CloseReason reason) {
    error_code ignored;
    outbox_.next().socket().close(ignored); // cancels whatever still waits on it, under TLS too
    end(reason);
}

void WsSession::end(CloseReason reason) {
    if (ended_) {
        return;
    }
    ended_ = true;
    core_.finish(reason);
    context_.hub.untrack(this);
}

// Due when the silence reaches keep_alive, or twice it while a ping waits, counted from the last
// bytes heard. A check every keep_alive instead (as Beast's timer did) lets the silence run to
// nearly twice keep_alive before the ping, past the idle timeout of a proxy that keep_alive was
// set under.
void WsSession::armKeepAlive() {
    const auto silence_allowed = (ping_sent_ ? 2 : 1) * context_.settings.keep_alive;
    scheduler_.scheduleAt(last_heard_ + silence_allowed, [this] { checkAlive(); });
}

void WsSession::checkAlive() {
    if (ended_ || close_sent_) {
        return; // the close timeout watches a closing connection
    }
    const auto silence = scheduler_.clock().now() - last_heard_;
    if (ping_sent_ && silence >= 2 * context_.settings.keep_alive) {
        spdlog::info("identity={} answered nothing for {} s: dropping the connection",
                     core_.identity().empty() ? "(none)" : core_.identity(),
                     2 * context_.settings.keep_alive.count());
        abort(CloseReason::kNetworkError);
        return;
    }
    if (!ping_sent_ && silence >= context_.settings.keep_alive) {
        ping_sent_ = true;
        outbox_.queueRaw(pingFrame({}));
    }
    armKeepAlive(); // the next step, from the last bytes heard
}

void WsSession::deliver(const Payload& payload) {
    auto self = shared_from_this();
    auto* target = static_cast<DeliveryInbox::Target*>(this); // a private base: alias, not convert
    inbox_.push(std::shared_ptr<DeliveryInbox::Target>(std::move(self), target), payload,
                outbox_.get_executor());
}

SessionSink::InboxRoute WsSession::inboxRoute() {
    auto* target = static_cast<DeliveryInbox::Target*>(this);
    return InboxRoute{.inbox = &inbox_,
                      .executor = outbox_.get_executor(),
                      .target = std::shared_ptr<DeliveryInbox::Target>(shared_from_this(), target)};
}

void WsSession::deliverNow(const Payload& payload) {
    core_.deliver(payload);
}

void WsSession::close(CloseCode code) {
    asio::post(outbox_.get_executor(), [self = shared_from_this(), code] {
        if (!self->accepted_) {
            return; // a refused upgrade: it ends once its answer is written
        }
        self->core_.close(code, code == CloseCode::kGoingAway ? CloseReason::kShutdown
                                                              : CloseReason::kProtocolError);
    });
}

void WsSession::recheckRevocation() {
    asio::post(outbox_.get_executor(),
               [self = shared_from_this()] { self->core_.recheckRevocation(); });
}

void WsSession::send(Payload frame) {
    if (ended_ || close_started_ || close_requested_) { // nothing after the close is asked for
        return;
    }
    if (outbox_.queuedBytes() + frame->size() > context_.settings.max_outbox_bytes) {
        dropSlowReader(frame->size());
        return;
    }
    outbox_.queueText(std::move(frame));
}

// Whatever is queued is dropped at once, so the memory is free now rather than when (or if) the
// peer reads; the client pages on by index after it reconnects. Only the write in flight stays:
// the socket has part of it. The close frame follows it, and a peer that does not take even that
// within the grace period loses the socket.
void WsSession::dropSlowReader(std::size_t refused_bytes) {
    spdlog::warn("identity={} reads too slowly: {} bytes unsent, {} more refused; closing {}",
                 core_.identity().empty() ? "(none)" : core_.identity(), outbox_.queuedBytes(),
                 refused_bytes, static_cast<int>(CloseCode::kTooSlow));
    outbox_.dropUnsent();
    if (!outbox_.idle()) {
        scheduler_.scheduleAt(scheduler_.clock().now() + context_.settings.slow_close_grace,
                              [this] {
                                  if (!ended_) {
                                      abort(CloseReason::kTooSlow);
                                  }
                              });
    }
    core_.close(CloseCode::kTooSlow, CloseReason::kTooSlow);
}

void WsSession::closeAfterQueued(CloseCode /*code*/) {
    close_requested_ = true;
    // Behind a little output (token_expired, the last replies) the close frame is queued at once
    // and goes out in the same write; behind a backlog it waits until that is written, so that
    // its timeout does not count the backlog's time.
    if (outbox_.queuedBytes() <= kCloseBehindBytes) {
        startClose();
    }
    readNext(); // the peer's close frame completes the handshake
}

void WsSession::onOutboxDrained() {
    if (close_requested_) {
        startClose();
    }
}

void WsSession::onOutboxFailed(error_code /*error*/) {
    abort(
        close_reason_.value_or(core_.closing() ? core_.closeReason() : CloseReason::kNetworkError));
}

} // namespace parley::server
