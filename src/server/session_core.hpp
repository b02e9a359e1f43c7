#pragma once

// The protocol logic of one connection, free of sockets and of the real clock: init within the
// init timeout, token checks, the token lifecycle (the lifecycle rules of docs/protocol.md:
// token_about_to_expire at exp - W or at once, token_expired and close 4410 at exp, re-armed by
// every accepted update_token; and, since a timer can run late, exp checked by the clock on every
// op, which then gets 20104 before the same close), rate and protocol-error limits, and handing
// chat ops to the ChatService. The token half lives in session_core_tokens.cpp.
//
// Threading: every method runs on the session's scheduler (one io thread in production, the test
// thread with a ManualScheduler). Results of store work are posted back to it.

#include "protocol/frame.hpp"
#include "server/metrics.hpp"
#include "server/revocation.hpp"
#include "server/server_context.hpp"
#include "server/session_sink.hpp"
#include "server/session_transport.hpp"
#include "server/token_schedule.hpp"

#include <parley/token/claims.hpp>
#include <parley/token/scheduler.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace parley::server {

/// The wire's instants: unix milliseconds (`server_time`, `timestamp`) and unix seconds (`exp`).
inline std::int64_t unixMillis(token::TimePoint time) {
    return time.time_since_epoch().count();
}
inline std::int64_t unixSeconds(token::UnixSeconds time) {
    return time.time_since_epoch().count();
}

class SessionCore {
public:
    /// message.sends read ahead: while sends are in flight the next frame is read, and if it is a
    /// send too it joins them, up to this many; their replies leave in request order. So a
    /// pipelining sender keeps its channel's group commit busy, yet what one connection can
    /// queue on the store workers stays bounded. Any other frame waits for them.
    static constexpr std::size_t kMaxSendsInFlight = 32;

    SessionCore(ServerContext& context, token::Scheduler& scheduler, SessionTransport& transport);
    ~SessionCore();
    SessionCore(const SessionCore&) = delete;
    SessionCore& operator=(const SessionCore&) = delete;

    /// The connection is open: arms the init timeout and asks for the first frame. `self` is
    /// the session the hub delivers to; store work in flight keeps it alive.
    void start(const std::shared_ptr<SessionSink>& self);
    void onFrame(std::string_view text);
    /// A frame from the hub (a channel event).
    void deliver(const Payload& payload);
    /// Closes with 4403 when a revocation in force covers the token in force (or the one init is
    /// verifying). Called when a revocation arrives.
    void recheckRevocation();
    /// Closes with `code` after what is queued; later frames and events are dropped.
    void close(protocol::CloseCode code, CloseReason reason);
    /// The connection is gone (closed by either side, or broken): detaches it from the hub and
    /// counts it. Idempotent.
    void finish(CloseReason reason);

    bool closing() const { return pending_close_.has_value() || finished_; }
    /// Why the connection is closing, and with which code (valid once closing() holds).
    CloseReason closeReason() const { return close_reason_; }
    protocol::CloseCode pendingClose() const {
        return pending_close_.value_or(protocol::CloseCode::kGoingAway);
    }
    const std::string& identity() const { return identity_; }

private:
    void handleFrame(protocol::Request request);
    void refuseOverRate(std::string_view text);
    /// The token in force has reached its exp by the server's clock.
    bool tokenExpired() const;
    std::string expiredReply(std::optional<std::uint64_t> id) const;
    void refuseExpired(std::string_view text);
    void handleInit(protocol::Request request);
    /// The hub's answer on the per-identity connection limit, across nodes.
    void onAdmitted(std::uint64_t id, bool admitted, token::Claims claims);
    void onChannelsRead(std::uint64_t id, const token::Claims& claims, bool ok);
    void handleUpdateToken(const protocol::Request& request);
    /// A frame read while ops are in flight: a message.send joins them, anything else waits.
    void readAhead(std::string_view text);
    void handleChat(protocol::Request request);
    /// The op numbered `sequence` has answered; sends every answer that can go out in request
    /// order, then ends the connection if one of them says so (exp reached, too many errors).
    void onChatDone(std::uint64_t sequence, std::optional<protocol::ErrorCode> error, bool expired,
                    std::string frame);
    enum class Answered { kGoOn, kReachedExp, kTooManyErrors };
    /// Sends the answers at the front of in_flight_ that have come, and says whether one of them
    /// ends the connection (reaching exp comes first).
    Answered sendAnswered();
    /// Asks the transport for a frame, unless one is asked for already.
    void readNext();
    /// The request's `token`, verified. On failure the error reply is sent already; `rejected`
    /// tells a refused token (a 201xx code) from a missing or malformed argument.
    std::optional<token::Claims> verifiedToken(const protocol::Request& request, bool& rejected);
    void sendTokenReply(std::uint64_t id, token::UnixSeconds expires_at, bool with_limits = false);
    void protocolError(std::optional<std::uint64_t> id, protocol::ErrorCode code,
                       std::string_view message);
    void reply(std::string frame);

    void armTokenTimers(token::UnixSeconds expires_at);
    void cancelTimers();
    void sendAboutToExpire();
    void sendExpired();
    void send(std::string frame);

    ServerContext& context_;
    token::Scheduler& scheduler_;
    SessionTransport& transport_;
    std::weak_ptr<SessionSink> self_;
    const SessionSink* self_address_ = nullptr; // for detach, when self_ can no longer be locked
    std::vector<Payload> held_events_;          // events that came before the init reply
    std::size_t held_bytes_ = 0;                // their size

    token::Scheduler::TimerId init_timer_ = 0;
    token::Scheduler::TimerId warn_timer_ = 0;
    token::Scheduler::TimerId expiry_timer_ = 0;
    RateLimiter rate_;
    std::size_t rate_strikes_ = 0;
    std::size_t protocol_errors_ = 0;

    // Token state: set by init, replaced by each accepted update_token.
    bool initialized_ = false;
    std::string identity_;
    std::string token_id_; // jti of the token in force
    // What revocations may name of the token in force, or of the one init verified.
    RevocableToken revocable_;
    token::UnixSeconds expires_at_{};

    // Chat ops handed to the ChatService and not yet answered, in request order: either one op,
    // or message.sends only (read ahead). An answer waits here until those before it are out.
    struct OpInFlight {
        bool answered = false;
        bool expired = false;
        std::optional<protocol::ErrorCode> error;
        std::string frame;
    };
    std::vector<OpInFlight> in_flight_;
    std::uint64_t first_in_flight_ = 0;     // the sequence number of in_flight_.front()
    std::optional<std::string> held_frame_; // read while ops were in flight; waits for them
    bool awaiting_frame_ = false;           // readNext() was asked and no frame came yet

    std::optional<protocol::CloseCode> pending_close_;
    CloseReason close_reason_ = CloseReason::kClientClosed;
    bool attached_ = false;
    bool finished_ = false;
};

} // namespace parley::server
