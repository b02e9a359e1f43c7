#pragma once

// The listener-interface style of receiving ChatClient events: override what you need. The same
// events reach lambdas registered with ChatClient::on...(), in the same order.

#include <parley/client/error.hpp>
#include <parley/client/types.hpp>

#include <string>

namespace parley::client {

class ChatClientListener {
public:
    virtual ~ChatClientListener() = default;

    /// `init` succeeded (also after each reconnect; `reconnected` tells which).
    virtual void onConnected(const TokenInfo& /*token*/, bool /*reconnected*/) {}
    virtual void onConnectionStateChanged(ConnectionState /*state*/) {}
    /// An attempt to connect failed before the WebSocket opened: refused, timed out, an HTTP
    /// status instead of the upgrade. One per failed attempt; the state stays `connecting` (or
    /// `reconnecting`) while the client retries.
    virtual void onConnectionError(const ConnectionError& /*error*/) {}
    /// The current token has W or less left (once per token).
    virtual void onTokenAboutToExpire(const TokenInfo& /*token*/) {}
    /// The current token's `exp` has passed with no newer token (once per token).
    virtual void onTokenExpired(const TokenInfo& /*token*/) {}
    /// A new token was accepted by the server (by `updateToken` or an AccessManager).
    virtual void onTokenUpdated(const TokenInfo& /*token*/) {}
    /// A token was refused, locally or by the server: `error.code` is the 201xx code.
    virtual void onTokenError(const Error& /*error*/) {}
    /// A message in a joined channel, each index once and in order per channel.
    virtual void onMessageAdded(const Message& /*message*/) {}
    virtual void onMemberJoined(const std::string& /*channel_sid*/,
                                const std::string& /*identity*/) {}
    virtual void onMemberLeft(const std::string& /*channel_sid*/, const std::string& /*identity*/) {
    }
    /// A connection ended (see `Disconnect::will_reconnect`).
    virtual void onDisconnected(const Disconnect& /*disconnect*/) {}
};

} // namespace parley::client
