#include "server/session_core.hpp"

#include "protocol/lifecycle_frames.hpp"
#include "protocol/names.hpp"
#include "protocol/replies.hpp"
#include "protocol/requests.hpp"

#include <spdlog/spdlog.h>

namespace parley::server {

using protocol::CloseCode;
using protocol::ErrorCode;

namespace {

std::string errorFrame(std::optional<std::uint64_t> id, ErrorCode code,
                       std::string_view message = {}) {
    return protocol::errorReply(id, static_cast<int>(code),
                                message.empty() ? protocol::describe(code) : message);
}

} // namespace

SessionCore::SessionCore(ServerContext& context, token::Scheduler& scheduler,
                         SessionTransport& transport)
    : context_(context), scheduler_(scheduler), transport_(transport),
      rate_(context.settings.rate_per_second, context.settings.rate_burst,
            scheduler.clock().now()) {
    context_.metrics.connectionOpened();
}

SessionCore::~SessionCore() {
    cancelTimers();
}

void SessionCore::start(const std::shared_ptr<SessionSink>& self) {
    self_ = self;
    self_address_ = self.get();
    init_timer_ =
        scheduler_.scheduleAt(scheduler_.clock().now() + context_.settings.init_timeout, [this] {
            init_timer_ = 0;
            if (!initialized_) {
                close(CloseCode::kInitTimeout, CloseReason::kInitTimeout);
            }
        });
    readNext();
}

void SessionCore::readNext() {
    if (!awaiting_frame_) {
        awaiting_frame_ = true;
        transport_.readNext();
    }
}

void SessionCore::onFrame(std::string_view text) {
    awaiting_frame_ = false;
    if (closing()) {
        return;
    }
    if (!in_flight_.empty()) {
        readAhead(text);
        return;
    }
    if (initialized_ && tokenExpired()) {
        refuseExpired(text);
        return;
    }
    if (!rate_.allow(scheduler_.clock().now())) {
        refuseOverRate(text);
        readNext();
        return;
    }
    rate_strikes_ = 0;
    auto request = protocol::parseRequest(text);
    if (!request) {
        protocolError(request.error().id, request.error().code, request.error().message);
        readNext();
        return;
    }
    handleFrame(std::move(*request));
}

void SessionCore::readAhead(std::string_view text) {
    // Only a send that would be handed over as it is joins the sends in flight. A refusal (rate,
    // expiry, a malformed frame) or another op is answered when they have answered, so its reply
    // keeps its place and the ops it may depend on (a join before a send) have taken effect.
    auto request = protocol::parseRequest(text);
    if (request && request->op == protocol::MessageSendRequest::kOp && !tokenExpired() &&
        rate_.allow(scheduler_.clock().now())) {
        rate_strikes_ = 0;
        handleChat(std::move(*request));
        return;
    }
    held_frame_.emplace(text);
}

void SessionCore::refuseOverRate(std::string_view text) {
    // Parsed only for its id, so the client knows which request was refused.
    const auto refused = protocol::parseRequest(text);
    send(errorFrame(refused ? std::optional{refused->id} : std::nullopt, ErrorCode::kRateLimited));
    if (++rate_strikes_ >= context_.settings.rate_strikes) {
        close(CloseCode::kRateLimited, CloseReason::kRateLimited);
    }
}

void SessionCore::handleFrame(protocol::Request request) {
    const std::string_view op = request.op;
    if (op == protocol::InitRequest::kOp) {
        handleInit(std::move(request));
        return; // reads on when init has answered
    }
    if (!initialized_) {
        protocolError(request.id, ErrorCode::kInitRequired, {});
    } else if (op == protocol::UpdateTokenRequest::kOp) {
        handleUpdateToken(request);
    } else if (op == protocol::PingRequest::kOp) {
        send(protocol::okReply(request.id,
                               protocol::pingReply(unixMillis(scheduler_.clock().now()))));
    } else if (ChatService::handles(op)) {
        handleChat(std::move(request));
        return; // reads on when the op has answered
    } else {
        protocolError(request.id, ErrorCode::kUnknownOp, "unknown op \"" + request.op + "\"");
    }
    readNext();
}

void SessionCore::protocolError(std::optional<std::uint64_t> id, ErrorCode code,
                                std::string_view message) {
    send(errorFrame(id, code, message));
    if (++protocol_errors_ >= context_.settings.max_protocol_errors) {
        close(CloseCode::kProtocolError, CloseReason::kProtocolError);
    }
}

void SessionCore::handleInit(protocol::Request request) {
    if (initialized_) {
        protocolError(request.id, ErrorCode::kAlreadyInitialized, {});
        readNext();
        return;
    }
    bool rejected = false;
    auto claims = verifiedToken(request, rejected);
    if (!claims) {
        if (rejected) {
            close(CloseCode::kTokenRejected, CloseReason::kTokenRejected);
        }
        readNext();
        return;
    }
    revocable_ = RevocableToken::of(*claims);
    // Attached before its channels are read, so a membership change made meanwhile reaches it
    // as a broker event; detached by finish() if it closes while the other nodes are asked.
    attached_ = true;
    identity_ = claims->identity();
    context_.hub.admit(identity_, self_.lock(), context_.settings.max_connections_per_identity,
                       [this, keep = self_.lock(), id = request.id,
                        claims = std::move(*claims)](bool admitted) mutable {
                           scheduler_.post([this, keep, id, admitted, claims]() mutable {
                               onAdmitted(id, admitted, std::move(claims));
                           });
                       });
}

void SessionCore::onAdmitted(std::uint64_t id, bool admitted, token::Claims claims) {
    if (closing()) {
        return;
    }
    if (!admitted) {
        attached_ = false; // the hub detached it
        identity_.clear();
        send(errorFrame(id, ErrorCode::kTooManyConnections));
        close(CloseCode::kRateLimited, CloseReason::kRateLimited);
        return;
    }
    context_.chat.channelsOf(
        identity_, [this, keep = self_.lock(), id, claims = std::move(claims)](
                       StoreResult<std::vector<MemberChannel>> channels) mutable {
            if (channels) {
                context_.hub.addChannels(claims.identity(), *channels);
            }
            scheduler_.post([this, keep, id, claims = std::move(claims),
                             ok = channels.has_value()] { onChannelsRead(id, claims, ok); });
        });
}

void SessionCore::onChannelsRead(std::uint64_t id, const token::Claims& claims, bool ok) {
    if (closing()) {
        return;
    }
    if (!ok) {
        send(errorFrame(id, ErrorCode::kInternal));
        context_.hub.detach(identity_, self_address_);
        attached_ = false;
        identity_.clear();
        revocable_ = {};
        held_events_.clear();
        readNext();
        return;
    }
    if (scheduler_.clock().now() >= token::TimePoint{claims.expires_at}) {
        // Expired while its channels were read: refused as at verification.
        expires_at_ = claims.expires_at;
        send(expiredReply(id));
        close(CloseCode::kTokenRejected, CloseReason::kTokenRejected);
        return;
    }
    initialized_ = true;
    token_id_ = claims.token_id;
    scheduler_.cancel(init_timer_);
    init_timer_ = 0;
    spdlog::info("connection start: identity={} expires_at={}", identity_,
                 unixSeconds(claims.expires_at));
    sendTokenReply(id, claims.expires_at, /*with_limits=*/true);
    armTokenTimers(claims.expires_at);
    held_bytes_ = 0;
    for (auto& held : std::exchange(held_events_, {})) {
        transport_.send(std::move(held));
    }
    readNext();
}

std::optional<token::Claims> SessionCore::verifiedToken(const protocol::Request& request,
                                                        bool& rejected) {
    // init and update_token carry the same argument.
    const auto args = protocol::decodeArgs<protocol::InitRequest>(request.frame);
    if (!args) {
        protocolError(request.id, args.error().code, args.error().message);
        return std::nullopt;
    }
    auto claims = context_.tokens.verify(args->token);
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

void SessionCore::handleChat(protocol::Request request) {
    const std::uint64_t id = request.id;
    const bool send = request.op == protocol::MessageSendRequest::kOp;
    const std::uint64_t sequence = first_in_flight_ + in_flight_.size();
    in_flight_.emplace_back();
    context_.chat.handle(
        identity_, std::move(request), token::TimePoint{expires_at_},
        [this, keep = self_.lock(), id, sequence](OpResult result) {
            // Serialized on the worker: a history page can be megabytes.
            std::optional<ErrorCode> error;
            bool expired = false;
            std::string frame;
            if (result) {
                frame = protocol::okReply(id, *result);
            } else if (result.error().token_expired) {
                expired = true;
                frame = protocol::errorReply(id, static_cast<int>(token::TokenError::kExpired),
                                             result.error().message);
            } else {
                error = result.error().code;
                frame = errorFrame(id, *error, result.error().message);
            }
            scheduler_.post(
                [this, keep, sequence, error, expired, frame = std::move(frame)]() mutable {
                    onChatDone(sequence, error, expired, std::move(frame));
                });
        });
    if (send && in_flight_.size() < kMaxSendsInFlight) {
        readNext(); // read ahead: the next frame may be a send that can join this one
    }
}

void SessionCore::onChatDone(std::uint64_t sequence, std::optional<ErrorCode> error, bool expired,
                             std::string frame) {
    if (closing()) {
        return;
    }
    in_flight_[sequence - first_in_flight_] =
        OpInFlight{.answered = true, .expired = expired, .error = error, .frame = std::move(frame)};
    switch (sendAnswered()) {
    case Answered::kReachedExp:
        sendExpired(); // an op reached the store at or after exp, and took no effect
        return;
    case Answered::kTooManyErrors:
        close(CloseCode::kProtocolError, CloseReason::kProtocolError);
        return;
    case Answered::kGoOn:
        break;
    }
    if (in_flight_.empty()) {
        in_flight_.shrink_to_fit(); // an idle connection keeps no slots
        if (held_frame_) {
            const std::string text = std::move(*held_frame_);
            held_frame_.reset();
            onFrame(text);
            return;
        }
    }
    if (!held_frame_ && in_flight_.size() < kMaxSendsInFlight) {
        readNext();
    }
}

// Every answer that can go out does, even past one that ends the connection: a later send
// answered already (to another channel, committed before exp) was stored, and its reply must not
// be lost to the close.
SessionCore::Answered SessionCore::sendAnswered() {
    Answered outcome = Answered::kGoOn;
    while (!in_flight_.empty() && in_flight_.front().answered) {
        OpInFlight done = std::move(in_flight_.front());
        in_flight_.erase(in_flight_.begin());
        ++first_in_flight_;
        send(std::move(done.frame));
        if (done.expired) {
            outcome = Answered::kReachedExp;
        } else if ((done.error == ErrorCode::kInvalidArgument ||
                    done.error == ErrorCode::kUnknownOp) &&
                   ++protocol_errors_ >= context_.settings.max_protocol_errors &&
                   outcome == Answered::kGoOn) {
            outcome = Answered::kTooManyErrors;
        }
    }
    return outcome;
}

void SessionCore::deliver(const Payload& payload) {
    if (closing()) {
        return;
    }
    if (!initialized_) {
        // Events of its channels may arrive while init reads them; they follow the init reply.
        // Held in memory like unsent output, so bounded like it.
        held_bytes_ += payload->size();
        if (held_bytes_ > context_.settings.max_outbox_bytes) {
            close(CloseCode::kTooSlow, CloseReason::kTooSlow);
            return;
        }
        held_events_.push_back(payload);
        return;
    }
    transport_.send(payload);
}

void SessionCore::send(std::string frame) {
    if (!closing()) {
        transport_.send(std::make_shared<const std::string>(std::move(frame)));
    }
}

void SessionCore::close(CloseCode code, CloseReason reason) {
    if (closing()) {
        return;
    }
    pending_close_ = code;
    close_reason_ = reason;
    cancelTimers();
    held_events_.clear();
    transport_.closeAfterQueued(code);
}

void SessionCore::finish(CloseReason reason) {
    if (finished_) {
        return;
    }
    finished_ = true;
    cancelTimers();
    if (attached_) {
        context_.hub.detach(identity_, self_address_);
        attached_ = false;
    }
    context_.metrics.connectionClosed(reason);
    spdlog::info("connection end: identity={} reason={}", identity_.empty() ? "(none)" : identity_,
                 closeReasonName(reason));
}

} // namespace parley::server
