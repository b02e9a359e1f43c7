#pragma once

// The inside of ChatClient. All state below belongs to the io thread: public methods post to it,
// and the network, the timers and the lifecycle engine call back on it. Events leave through the
// EventDispatcher (another thread); futures are fulfilled here.

#include "client/asio_scheduler.hpp"
#include "client/channel_sequencer.hpp"
#include "client/event_dispatcher.hpp"
#include "client/server_frame.hpp"
#include "client/ws_connection.hpp"

#include <parley/client/chat_client.hpp>
#include <parley/lifecycle/backoff.hpp>
#include <parley/lifecycle/token_lifecycle.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace parley::client {

class ChatClient::Impl : public std::enable_shared_from_this<Impl> {
public:
    using ReplyHandler = std::function<void(Result<Json>)>;
    using TokenDone = std::function<void(Result<TokenInfo>)>;

    explicit Impl(ChatClientOptions options);
    ~Impl();

    /// Starts the io thread and the first connection (after the pre-check of `token`).
    void start(std::string token, WsUrl url);
    void shutdown();
    bool isShutDown() const { return shut_down_.load(); }

    /// Thread-safe entry points: post to the io thread.
    void updateToken(std::string token, TokenDone done);
    void request(std::string op, Json args, ReplyHandler on_reply);
    /// Runs `task` on the io thread (unless shut down).
    void post(std::function<void()> task);

    EventDispatcher& events() { return *events_; }
    std::string identity() const;
    ChatClientStats stats();

    // Channel tracking (chat_client_channels.cpp), io thread.
    void trackJoined(const Channel& channel, bool brand_new);
    void untrack(const std::string& channel_sid);

private:
    struct InFlight {
        std::string op;
        ReplyHandler on_reply;
    };
    struct Outgoing {
        std::string op;
        Json args;
        ReplyHandler on_reply;
    };
    struct TrackedChannel {
        ChannelSequencer sequencer;
        bool fetching = false;
    };
    struct PendingToken {
        lifecycle::CheckedToken token;
        std::vector<TokenDone> done;
    };

    // Connection (chat_client_impl.cpp).
    void connect();
    void onOpened();
    void onInitReply(const Result<Json>& reply, token::TimePoint sent);
    void onFrame(const std::string& text);
    void onEnded(int close_code, const std::string& reason);
    void scheduleReconnect();
    void waitForToken();
    void setState(ConnectionState state);
    void sendNow(std::string op, Json args, ReplyHandler on_reply);
    void flushOutbox();
    void failInFlight(ClientErrorCode code);

    // Tokens (chat_client_tokens.cpp).
    void applyUpdate(const std::string& token, TokenDone done);
    void sendUpdate(const lifecycle::CheckedToken& token, std::vector<TokenDone> done);
    void holdForNextInit(const lifecycle::CheckedToken& token, std::vector<TokenDone> done);
    void acceptToken(const lifecycle::CheckedToken& token, token::TimePoint sent,
                     const Json& reply);
    void rejectToken(const Error& error, const lifecycle::CheckedToken& token);
    void onAboutToExpire(const lifecycle::CheckedToken& token);
    void onExpired(const lifecycle::CheckedToken& token);
    void observeServerTime(std::optional<std::int64_t> server_time, token::TimePoint sent);
    TokenInfo info(const lifecycle::CheckedToken& token) const;
    void emitTokenError(const Error& error);

    // Channels (chat_client_channels.cpp).
    void onEvent(const Event& event);
    void onMessageEvent(const Json& body);
    void deliver(std::vector<Message> messages);
    void fetchBaseline(const std::string& channel_sid);
    void fetchAfter(const std::string& channel_sid);
    void resyncChannels();

    ChatClientOptions options_;
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread io_thread_;
    AsioScheduler scheduler_;
    lifecycle::TokenLifecycle lifecycle_;
    std::shared_ptr<EventDispatcher> events_;
    lifecycle::Backoff backoff_;
    WsUrl url_;
    std::atomic<bool> shut_down_{false};
    mutable std::mutex identity_mutex_;
    std::string identity_;

    // io thread only
    ConnectionState state_ = ConnectionState::kConnecting;
    std::shared_ptr<WsConnection> connection_;
    bool initialized_ = false;
    bool ever_connected_ = false;
    std::optional<PendingToken> pending_token_;
    std::optional<lifecycle::CheckedToken> init_token_; // what the current connection's init sent
    std::map<std::uint64_t, InFlight> in_flight_;
    std::deque<Outgoing> outbox_;
    std::uint64_t next_id_ = 1;
    lifecycle::Scheduler::TimerId reconnect_timer_ = 0;
    std::map<std::string, TrackedChannel> channels_;
    std::uint64_t connect_attempts_ = 0;
    std::shared_ptr<boost::asio::steady_timer> close_grace_; // shutdown's bound on the close
};

} // namespace parley::client
