#pragma once

// A ClientCore on a ManualScheduler and a ManualClock, an in-memory transport and a dispatcher
// that delivers through the scheduler, with every event recorded as a short string. The test
// plays the server with the protocol module's encoders, so no op, event or code is spelled here.

#include "client/client_core.hpp"
#include "client/event_dispatcher.hpp"
#include "client/in_memory_transport.hpp"
#include "lifecycle/lifecycle_tokens.hpp"
#include "protocol/codes.hpp"
#include "protocol/events.hpp"
#include "protocol/frame.hpp"
#include "protocol/lifecycle_frames.hpp"
#include "protocol/replies.hpp"
#include "protocol/requests.hpp"

#include <parley/lifecycle/manual_scheduler.hpp>
#include <parley/token/error.hpp>
#include <parley/token/inspect.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace parley::client::testing {

using namespace std::chrono_literals;
using lifecycle::testing::kT0;
using lifecycle::testing::tokenFor;
using protocol::Json;
using token::TimePoint;

inline std::int64_t unixMillis(TimePoint time) {
    return time.time_since_epoch().count();
}

inline std::string tokenError(token::TokenError code) {
    return "tokenError:" + std::to_string(static_cast<int>(code));
}

inline std::string disconnected(int close_code, bool will_reconnect) {
    return "disconnected:" + std::to_string(close_code) + (will_reconnect ? ":reconnect" : ":wait");
}

inline std::string disconnected(protocol::CloseCode code, bool will_reconnect) {
    return disconnected(static_cast<int>(code), will_reconnect);
}

/// Every event as a string ("connected:alice", "tokenExpired", "message:CH1:3", ...), in order.
class EventLog final : public ChatClientListener {
public:
    void onConnected(const TokenInfo& token, bool reconnected) override {
        events.push_back((reconnected ? "reconnected:" : "connected:") + token.identity);
    }
    void onConnectionStateChanged(ConnectionState state) override {
        events.push_back("state:" + std::string{toString(state)});
    }
    void onTokenAboutToExpire(const TokenInfo&) override {
        events.emplace_back("tokenAboutToExpire");
    }
    void onTokenExpired(const TokenInfo&) override { events.emplace_back("tokenExpired"); }
    void onTokenUpdated(const TokenInfo& token) override {
        events.push_back("tokenUpdated:" +
                         std::to_string(token.expires_at.time_since_epoch().count()));
    }
    void onTokenError(const Error& error) override {
        events.push_back("tokenError:" + std::to_string(error.code));
    }
    void onMessageAdded(const Message& message) override {
        messages.push_back(message);
        events.push_back("message:" + message.channel + ":" + std::to_string(message.index));
    }
    void onMemberJoined(const std::string& channel, const std::string& identity) override {
        events.push_back("memberJoined:" + channel + ":" + identity);
    }
    void onMemberLeft(const std::string& channel, const std::string& identity) override {
        events.push_back("memberLeft:" + channel + ":" + identity);
    }
    void onDisconnected(const Disconnect& disconnect) override {
        events.push_back(disconnected(disconnect.close_code, disconnect.will_reconnect));
    }
    void onConnectionError(const ConnectionError& error) override {
        connection_errors.push_back(error);
        events.push_back("connectionError:" + std::string{toString(error.cause)} + ":" +
                         std::to_string(error.attempt) + (error.will_retry ? ":retry" : ":stop"));
    }

    /// The events starting with any of `prefixes`, in order.
    std::vector<std::string> only(const std::vector<std::string>& prefixes) const {
        std::vector<std::string> out;
        for (const auto& event : events) {
            for (const auto& prefix : prefixes) {
                if (event.rfind(prefix, 0) == 0) {
                    out.push_back(event);
                    break;
                }
            }
        }
        return out;
    }
    /// Forgets what was recorded so far.
    void clear() {
        events.clear();
        messages.clear();
        connection_errors.clear();
    }

    std::vector<std::string> events;
    std::vector<Message> messages;
    std::vector<ConnectionError> connection_errors;
};

/// What an operation completed with, once it has.
template <typename T> struct Outcome {
    std::optional<Result<T>> result;
    ClientCore::Done<T> done() {
        return [this](Result<T> value) { result.emplace(std::move(value)); };
    }
};

class CoreHarness {
public:
    static constexpr std::chrono::seconds kWindow{60};
    static constexpr std::chrono::seconds kTtl{600};

    explicit CoreHarness(ChatClientOptions chat_options = defaults())
        : options(std::move(chat_options)) {
        events->add(log).release();
        core = std::make_unique<ClientCore>(
            options,
            std::vector{
                ServerUrl{.text = "ws://chat.test/v1/ws",
                          .url = WsUrl{.host = "chat.test", .port = "80", .target = "/v1/ws"}}},
            scheduler, transport, *events, /*seed=*/42);
    }

    static ChatClientOptions defaults() {
        return ChatClientOptions{.about_to_expire_window = kWindow,
                                 .reconnect = {.initial = 1000ms, .max = 8000ms},
                                 .max_queued_requests = 4};
    }

    /// A token for alice issued now, living `ttl`.
    std::string aliceToken(std::chrono::seconds ttl = kTtl) const {
        return tokenFor("alice", clock.now(), ttl);
    }

    void settle() { scheduler.runReady(); }
    InMemoryConnection& connection() { return transport.last(); }

    /// Opens the newest connection and answers its init as the server would (identity and exp
    /// of the token it carries), with the server's clock reading `server_time` (by default the
    /// client's own). Returns the token the init carried.
    std::string acceptInit(std::optional<TimePoint> server_time = std::nullopt) {
        connection().open();
        const auto init = connection().take();
        EXPECT_EQ(init.op, protocol::op::kInit);
        auto args = protocol::decodeArgs<protocol::InitRequest>(init.frame);
        const std::string jwt = args ? args->token : std::string{};
        const auto claims = token::inspect(jwt);
        const bool readable = claims && claims->claims;
        replyOk(init, protocol::encodeReply(protocol::TokenReply{
                          .identity = readable ? claims->claims->identity() : "",
                          .expires_at =
                              readable ? claims->claims->expires_at.time_since_epoch().count() : 0,
                          .server_time = unixMillis(server_time.value_or(clock.now())),
                          .limits = limits}));
        return jwt;
    }
    /// Starts with `token` and completes the first connection.
    void connectWith(const std::string& token) {
        core->start(token);
        settle();
        acceptInit();
        settle();
    }

    void replyOk(const protocol::Request& request, const Json& fields = Json::object()) {
        connection().receive(protocol::okReply(request.id, fields));
        settle();
    }
    void replyError(const protocol::Request& request, int code, std::string_view message = "no") {
        connection().receive(protocol::errorReply(request.id, code, message));
        settle();
    }
    void serverSends(const std::string& frame) {
        connection().receive(frame);
        settle();
    }
    /// The connection breaks (close code 0) or the server closes it with `code`.
    void serverEnds(int code = 0) {
        connection().end(code, "test");
        settle();
    }
    void serverEnds(protocol::CloseCode code) { serverEnds(static_cast<int>(code)); }

    /// The limits acceptInit announces (none by default: the client does not pace).
    std::optional<protocol::ConnectionLimits> limits;
    token::ManualClock clock{kT0};
    lifecycle::ManualScheduler scheduler{clock};
    InMemoryTransport transport;
    std::shared_ptr<EventLog> log = std::make_shared<EventLog>();
    std::shared_ptr<EventDispatcher> events = EventDispatcher::create(
        [this](std::function<void()> task) { scheduler.post(std::move(task)); });
    ChatClientOptions options;
    std::unique_ptr<ClientCore> core;
};

inline protocol::MessageObject messageAt(const std::string& channel_sid, std::int64_t index) {
    return protocol::MessageObject{.sid = "IM" + std::to_string(index),
                                   .index = index,
                                   .channel = channel_sid,
                                   .author = "bob",
                                   .body = "m" + std::to_string(index)};
}

inline protocol::ChannelObject channelNamed(const std::string& sid, const std::string& name) {
    return protocol::ChannelObject{.sid = sid, .unique_name = name, .created_by = "alice"};
}

} // namespace parley::client::testing
