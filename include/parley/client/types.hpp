#pragma once

// The chat objects of the wire protocol as the SDK hands them to an app.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::client {

using UnixMillis = std::chrono::sys_time<std::chrono::milliseconds>;
using UnixSeconds = std::chrono::sys_seconds;

struct Channel {
    std::string sid;
    std::string unique_name;
    std::string friendly_name;
    /// "public" or "private".
    std::string type;
    /// A JSON object, as compact text.
    std::string attributes = "{}";
    std::string created_by;
};

struct Message {
    std::string sid;
    /// Per channel, from 0, never repeated: the app sees each index once, in order.
    std::int64_t index = 0;
    /// The channel's SID.
    std::string channel;
    std::string author;
    std::string body;
    std::string attributes = "{}";
    UnixMillis date_created{};
};

struct Member {
    std::string identity;
    UnixMillis joined_at{};
};

enum class ConnectionState {
    /// Opening the socket and sending `init` for the first time.
    kConnecting,
    /// `init` succeeded; requests flow.
    kConnected,
    /// The connection was lost; reconnecting with backoff.
    kReconnecting,
    /// No connection and none attempted until `updateToken` gives a usable token (the token
    /// expired or was rejected).
    kWaitingForToken,
    /// `shutdown()` was called. Final.
    kShutDown,
};

std::string_view toString(ConnectionState state);

/// Why a connection ended.
struct Disconnect {
    /// The WebSocket close code the server sent (docs/protocol.md's table: token expired, token
    /// rejected, going away, ...), or 0 when the connection broke without one.
    int close_code = 0;
    std::string reason;
    /// Whether the client reconnects by itself; false when it needs a new token first.
    bool will_reconnect = false;
};

/// Why an attempt to connect failed (the connectionError event): the WebSocket never opened, so
/// no `disconnected` follows. Each failed attempt gives one, with its cause.
struct ConnectionError {
    enum class Cause {
        /// The host name could not be resolved.
        kUnresolved,
        /// Nothing listens at that host and port (connection refused).
        kRefused,
        /// No answer within the connect timeout (an unreachable host, a filtered port).
        kTimedOut,
        /// The server answered the WebSocket upgrade with an HTTP status (`http_status`) instead
        /// of 101: a wrong path (404), a proxy in the way.
        kHttpStatus,
        /// The TLS handshake of a wss:// URL failed; `message` says why, e.g. that the server's
        /// certificate was not verified (an unknown CA: see ChatClientOptions::ca_file) or does
        /// not name the host.
        kTls,
        /// Anything else on the way (reset, unreachable network, a handshake gone wrong).
        kNetwork,
    };
    Cause cause = Cause::kNetwork;
    /// For people: what failed, with the system's words for it.
    std::string message;
    /// The URL of the attempt that failed, as given in ChatClientOptions (`url` or one of
    /// `urls`); the next attempt goes to the next URL of the list.
    std::string url;
    /// The HTTP status of a refused upgrade (kHttpStatus), else 0.
    int http_status = 0;
    /// Which attempt this was, counting from 1 since the client was created.
    std::uint64_t attempt = 0;
    /// Whether the client tries again by itself, after `retry_in` (capped backoff with jitter).
    bool will_retry = false;
    std::chrono::milliseconds retry_in{0};
};

/// "unresolved", "refused", "timed_out", "http_status", "tls", "network".
std::string_view toString(ConnectionError::Cause cause);

/// A token the client holds, with its expiry as the token states it.
struct TokenInfo {
    std::string identity;
    UnixSeconds expires_at{};
};

} // namespace parley::client
