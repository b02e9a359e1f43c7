#pragma once

// ChatClient: one user's connection to `parley serve`, with the token lifecycle of docs/client.md
// (rules 1-13) built in.
//
//   auto client = ChatClient::create(token, {.url = "ws://127.0.0.1:8080/v1/ws"});
//   auto sub = client->onTokenAboutToExpire([&](const TokenInfo&) {
//       client->updateToken(fetchNewToken());
//   });
//
// Threading. Each client runs its network and timers on one internal thread and delivers events
// on a second one (or through `ChatClientOptions::callback_executor`), one at a time, in order.
// Every method is thread-safe and non-blocking, including from inside a callback; the futures are
// fulfilled on the network thread, so waiting on one inside a callback is safe too.
//
// Lifetime. `create` returns a shared_ptr; `shutdown()` (or the last reference going away) closes
// the connection, cancels every timer, drops every listener and forgets the token: no callback
// runs after `shutdown()` returns, and a client for another identity can be created next.

#include <parley/client/chat_client_listener.hpp>
#include <parley/client/error.hpp>
#include <parley/client/subscription.hpp>
#include <parley/client/token_consumer.hpp>
#include <parley/client/types.hpp>
#include <parley/lifecycle/backoff.hpp>
#include <parley/lifecycle/token_lifecycle.hpp>
#include <parley/token/clock.hpp>

#include <chrono>
#include <cstddef>
#include <expected>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace parley::client {

template <typename T> using Result = std::expected<T, Error>;

struct ChatClientOptions {
    /// The server's WebSocket endpoint, `ws://host:port/v1/ws`, or `wss://host:port/v1/ws` for
    /// TLS (the server's certificate must be valid for `host` and signed by a trusted CA).
    std::string url = "ws://127.0.0.1:8080/v1/ws";
    /// Several endpoints of one service (the nodes of a cluster), same form as `url`; when not
    /// empty it is used and `url` is ignored. The client connects to the first; when an attempt
    /// fails (refused, timed out, an HTTP status, TLS) or an open connection is lost, the next
    /// attempt goes to the next URL, round robin. Moving on after a failed attempt is immediate;
    /// the `reconnect` backoff applies once every URL has failed in a row (a full round), and
    /// after a lost connection as with one URL. After moving, the client resumes as after any
    /// reconnect (rejoin, catch-up by index). At most 64.
    std::vector<std::string> urls;
    /// For wss://: a PEM file of the CA certificates to trust instead of the system's store (a
    /// private CA, tests). Empty: the system's trusted CAs.
    std::string ca_file;
    /// W: tokenAboutToExpire fires this long before `exp` (default 180 s).
    std::chrono::seconds about_to_expire_window = lifecycle::kDefaultAboutToExpireWindow;
    /// Reconnect delays after a lost connection (capped exponential, full jitter).
    lifecycle::BackoffPolicy reconnect{};
    /// Requests waiting to be sent (for a connection, or for the rate the server announced)
    /// beyond this many fail with kQueueFull, so a long outage or a flood of sends cannot grow
    /// memory without bound.
    std::size_t max_queued_requests = 1024;
    /// Runs each event callback; by default a thread of the client's own. Given an executor, the
    /// client posts one callback at a time, in order.
    std::function<void(std::function<void()>)> callback_executor;
    /// A listener registered before the client starts, so it sees every event from the first
    /// (one added after `create` may miss the earliest ones).
    std::shared_ptr<ChatClientListener> listener;
    /// The wall clock the lifecycle timers read; tests pass a ManualClock. Must outlive the client.
    const token::Clock* clock = &token::SystemClock::instance();
    /// How often a pending lifecycle timer re-reads the wall clock, so a clock jump or a wake
    /// from sleep is noticed within this long.
    std::chrono::milliseconds clock_recheck{1000};
};

/// Counters for tests and diagnostics: what the client holds right now.
struct ChatClientStats {
    ConnectionState state = ConnectionState::kConnecting;
    /// Sockets open or opening (at most one, whatever happens).
    int open_sockets = 0;
    /// Timers armed: the lifecycle timer and the reconnect timer, at most.
    int armed_timers = 0;
    /// TCP connects attempted since creation.
    std::uint64_t connect_attempts = 0;
    /// The URL the client is connected or connecting to, or will try next.
    std::string url;
    std::size_t queued_requests = 0;
};

class ChatClient : public TokenConsumer {
public:
    /// Starts connecting with `token`. A token that fails the local pre-check (malformed, expired,
    /// lifetime over 24 h) fires tokenError and leaves the client waiting for `updateToken`.
    /// Throws std::invalid_argument, naming the URL, when `options.url` (or one of `options.urls`)
    /// is not `ws[s]://host[:port][/path]` or `urls` holds more than 64, or when the trusted CAs
    /// for a wss:// URL cannot be loaded (`options.ca_file`). A certificate
    /// that fails verification is a failed connection (disconnected, retried), not an exception.
    static std::shared_ptr<ChatClient> create(std::string token, ChatClientOptions options = {});

    ~ChatClient() override;
    ChatClient(const ChatClient&) = delete;
    ChatClient& operator=(const ChatClient&) = delete;

    /// Replaces the token in any state (connecting, connected, reconnecting, waiting after
    /// expiry). Checked locally, then by the server (`update_token` when connected; `init` of the
    /// next connection otherwise, which starts at once when the client was waiting for a token).
    /// Never reconnects or rejoins a live connection. Completes with the token as accepted, or
    /// the error (also fired as tokenError); on error the previous token stays in force.
    std::future<Result<TokenInfo>> updateToken(std::string token);

    /// TokenConsumer: the same as updateToken, with a callback.
    void acceptToken(std::string token, UpdateDone done) override;
    /// TokenConsumer: when the server closes the connection with 4403 (the token was revoked),
    /// the client fires tokenError 20120, forgets the token (it never reconnects with it) and
    /// calls `renew`; the new token arrives through acceptToken.
    void setRenewRequest(const RenewRequest& renew) override;

    /// Closes the connection and clears timers, listeners and the token. Blocks until the
    /// network thread has stopped (unless called from it). Idempotent.
    void shutdown();

    // Chat operations mirror the protocol's ops. Issued while disconnected they wait (bounded) for
    // the next connection; one whose connection is lost after sending fails with kConnectionLost.
    // They go out in order, paced within the rate the server announced at init, so operations
    // issued back to back wait (bounded) instead of being refused for the rate (50429).
    /// `attributes_json` is a JSON object as text (empty for none); anything else fails with the
    /// server's code for it (50104) before it is sent.
    std::future<Result<Channel>> createChannel(std::string unique_name, bool is_private = false,
                                               std::string friendly_name = {},
                                               std::string attributes_json = {});
    /// Every channel this identity can see (public ones and its private ones), oldest first.
    /// The server sends the list in pages; this asks for page after page until the last, so the
    /// result is the whole list. A failure on any page fails the whole call, with that error.
    std::future<Result<std::vector<Channel>>> listChannels();
    /// Joins and starts delivering the channel's new messages (messageAdded), including after
    /// reconnects, where what was missed is fetched from history first.
    std::future<Result<Channel>> join(std::string channel);
    std::future<Result<Channel>> leave(std::string channel);
    std::future<Result<std::vector<Member>>> members(std::string channel);
    std::future<Result<Channel>> addMember(std::string channel, std::string identity);
    /// `attributes_json` as for createChannel. A body over 32 KiB fails at once with 50103
    /// ("message too long"), the server's code for it, and is not sent.
    std::future<Result<Message>> send(std::string channel, std::string body,
                                      const std::string& attributes_json = {});
    /// A page of history, oldest first: the newest `limit`, or those before/after an index.
    struct HistoryQuery {
        std::optional<std::int64_t> before;
        std::optional<std::int64_t> after;
        std::size_t limit = 50;
    };
    std::future<Result<std::vector<Message>>> history(std::string channel, HistoryQuery query);

    /// A round trip to the server; the server's time. It completes only after every event that
    /// arrived before its reply has been delivered to the listeners: a barrier for events.
    std::future<Result<UnixMillis>> ping();

    // Events, as lambdas. Each returns a Subscription that unregisters when dropped.
    Subscription onConnected(std::function<void(const TokenInfo&, bool reconnected)> callback);
    Subscription onConnectionStateChanged(std::function<void(ConnectionState)> callback);
    /// Each failed attempt to connect, with its cause (see ConnectionError).
    Subscription onConnectionError(std::function<void(const ConnectionError&)> callback);
    Subscription onTokenAboutToExpire(std::function<void(const TokenInfo&)> callback);
    Subscription onTokenExpired(std::function<void(const TokenInfo&)> callback);
    Subscription onTokenUpdated(std::function<void(const TokenInfo&)> callback);
    Subscription onTokenError(std::function<void(const Error&)> callback);
    Subscription onMessageAdded(std::function<void(const Message&)> callback);
    Subscription
    onMemberJoined(std::function<void(const std::string&, const std::string&)> callback);
    Subscription onMemberLeft(std::function<void(const std::string&, const std::string&)> callback);
    Subscription onDisconnected(std::function<void(const Disconnect&)> callback);
    /// Events, as an interface; kept alive by the client until the Subscription is dropped.
    Subscription addListener(std::shared_ptr<ChatClientListener> listener);

    /// The identity of the token the client was created with.
    std::string identity() const;
    ChatClientStats stats() const;

    class Impl;

private:
    explicit ChatClient(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

} // namespace parley::client
