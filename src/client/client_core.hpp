#pragma once

// The ChatClient's state machine, with no I/O and no thread of its own: it runs on a serial
// lifecycle::Scheduler (whose clock it reads), opens connections through a Transport, and tells
// the app through an EventDispatcher. ChatClient::Impl wraps it with the io thread, the Asio
// scheduler and WebSocket connections; unit tests drive it with a ManualScheduler, a ManualClock
// and an in-memory transport, event by event.
//
// What it does (the lifecycle rules of docs/client.md): connect and `init`; requests, queued
// (bounded) while there is no connection; reconnect with capped backoff and full jitter, never with
// a token known to have expired; rejoin and catch up by index; updateToken in every state; the
// token lifecycle's events; shutdown.
//
// Threading: every method but identity() must be called on the scheduler's thread; every callback
// (an operation's `done`, the transport's handlers) runs there too.

#include "client/channel_sync.hpp"
#include "client/event_dispatcher.hpp"
#include "client/request_table.hpp"
#include "client/transport.hpp"
#include "client/url_rotation.hpp"

#include <parley/client/chat_client.hpp>
#include <parley/client/token_consumer.hpp>
#include <parley/lifecycle/backoff.hpp>
#include <parley/lifecycle/scheduler.hpp>
#include <parley/lifecycle/token_lifecycle.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace parley::client {

class ClientCore {
public:
    template <typename T> using Done = std::function<void(Result<T>)>;

    /// Takes `options`' about_to_expire_window, reconnect and max_queued_requests; connects to
    /// `urls` (not empty) in turn, as UrlRotation says. `seed` feeds the reconnect jitter. The
    /// scheduler, transport and dispatcher must outlive the core.
    ClientCore(const ChatClientOptions& options, std::vector<ServerUrl> urls,
               lifecycle::Scheduler& scheduler, Transport& transport, EventDispatcher& events,
               std::uint64_t seed);
    ~ClientCore();
    ClientCore(const ClientCore&) = delete;
    ClientCore& operator=(const ClientCore&) = delete;

    /// Pre-checks `token` and connects with it; a refused token fires tokenError and leaves the
    /// client waiting for updateToken.
    void start(std::string_view token);
    /// Rule 9: accepted in every state (see ChatClient::updateToken).
    void updateToken(std::string_view token, Done<TokenInfo> done);
    /// Who to ask for a new token when the server revokes the current one (AccessManager).
    void setRenewRequest(TokenConsumer::RenewRequest renew) { renew_ = std::move(renew); }
    /// Fails whatever waits with kShutDown, forgets timers, channels and the token, and closes
    /// the connection, which it returns (null when there was none) so the owner can bound the
    /// close; `closed` runs when that connection has ended.
    std::shared_ptr<Connection> shutdown(std::function<void()> closed);

    // The chat operations of ChatClient, same meaning.
    void createChannel(std::string unique_name, bool is_private, std::string friendly_name,
                       std::string_view attributes_json, Done<Channel> done);
    void listChannels(Done<std::vector<Channel>> done);
    void join(std::string channel, Done<Channel> done);
    void leave(std::string channel, Done<Channel> done);
    void members(std::string channel, Done<std::vector<Member>> done);
    void addMember(std::string channel, std::string identity, Done<Channel> done);
    void send(std::string channel, std::string body, std::string_view attributes_json,
              Done<Message> done);
    void history(std::string channel, ChatClient::HistoryQuery query,
                 Done<std::vector<Message>> done);
    /// Completes through the dispatcher, behind the events already queued (a barrier).
    void ping(Done<UnixMillis> done);

    /// What the client holds now; `armed_timers` counts the core's own (lifecycle, reconnect).
    ChatClientStats stats() const;
    /// The identity of the client's tokens (empty until one passed the pre-check). Any thread.
    std::string identity() const;

private:
    struct PendingToken {
        lifecycle::CheckedToken token;
        std::vector<Done<TokenInfo>> done;
    };

    // Connection (client_core.cpp).
    void connect();
    ConnectionHandlers handlersFor(std::uint64_t serial);
    void onOpened();
    void onInitReply(const Result<Json>& reply, token::TimePoint sent);
    void onConnected();
    void onFrame(const std::string& text);
    void onEnded(int close_code, const std::string& reason);
    /// Moves to the next URL and returns the delay before the attempt there: the backoff after
    /// a lost connection (`was_connected`) or a full round of failed attempts, else none.
    std::chrono::milliseconds scheduleReconnect(bool was_connected);
    void reportFailure(ConnectionError error, bool will_retry, std::chrono::milliseconds retry_in);
    void cancelTimers();
    void pump();
    void waitForToken();
    void setState(ConnectionState state);
    bool hasUsableToken() const;
    void sendNow(std::string_view op, Json args, ReplyHandler on_reply);
    /// listChannels from the page `page_token` names, with `so_far` the channels before it.
    void listChannelsFrom(std::optional<std::string> page_token, std::vector<Channel> so_far,
                          Done<std::vector<Channel>> done);
    template <typename R> void sendNow(const R& request, ReplyHandler on_reply) {
        sendNow(R::kOp, protocol::encodeArgs(request), std::move(on_reply));
    }

    // Tokens (client_core_tokens.cpp).
    void setIdentity(const std::string& identity);
    void applyUpdate(const lifecycle::CheckedToken& token, Done<TokenInfo> done);
    void sendUpdate(const lifecycle::CheckedToken& token, std::vector<Done<TokenInfo>> done);
    void holdForNextInit(const lifecycle::CheckedToken& token, std::vector<Done<TokenInfo>> done);
    void acceptToken(const lifecycle::CheckedToken& token, token::TimePoint sent,
                     const Json& reply);
    void rejectToken(const Error& error, const lifecycle::CheckedToken& token);
    void onAboutToExpire(const lifecycle::CheckedToken& token);
    void onExpired(const lifecycle::CheckedToken& token);
    /// The server closed with 4403: the connection's token was revoked. `was_connected` says
    /// whether its init had been accepted.
    void onRevoked(bool was_connected);
    /// Asks the AccessManager (if one is attached) for a token to replace `revoked`.
    void askForNewToken(const std::string& revoked);
    void observeServerTime(std::optional<std::int64_t> server_time, token::TimePoint sent);
    void emitTokenError(const Error& error);

    // Events and requests (client_core_requests.cpp).
    void onEvent(const protocol::Event& event);
    void onMemberEvent(protocol::EventKind kind, const Json& event);
    void submit(std::string_view op, Json args, ReplyHandler on_reply);
    // Forwarded, so a message body (up to 32 KiB) is moved into the frame, not copied.
    template <typename R> void submit(R&& request, ReplyHandler on_reply) {
        submit(std::remove_cvref_t<R>::kOp, protocol::encodeArgs(std::forward<R>(request)),
               std::move(on_reply));
    }

    UrlRotation urls_;
    lifecycle::Scheduler* scheduler_;
    Transport* transport_;
    EventDispatcher* events_;
    lifecycle::TokenLifecycle lifecycle_;
    lifecycle::Backoff backoff_;
    RequestTable requests_;
    ChannelSync channels_;

    ConnectionState state_ = ConnectionState::kConnecting;
    bool state_announced_ = false;
    bool opened_ = false; // the current connection opened (its WebSocket handshake succeeded)
    std::optional<ConnectionError> failure_; // why the current connection failed to open
    std::shared_ptr<Connection> connection_;
    // Which connection the transport's handlers speak of: those of an older one are ignored.
    std::uint64_t connection_serial_ = 0;
    bool initialized_ = false;
    bool ever_connected_ = false;
    std::uint64_t connect_attempts_ = 0;
    lifecycle::Scheduler::TimerId reconnect_timer_ = 0;
    lifecycle::Scheduler::TimerId pace_timer_ = 0; // the next request the server's rate allows
    std::optional<PendingToken> pending_token_;
    std::optional<lifecycle::CheckedToken> init_token_; // what the current connection's init sent
    std::function<void()> closed_;                      // after shutdown: the close completed
    // Init refused for a reason other than the token: told by the disconnected event that follows.
    std::optional<Error> init_refusal_;
    TokenConsumer::RenewRequest renew_;

    mutable std::mutex identity_mutex_;
    std::string identity_;
};

} // namespace parley::client
