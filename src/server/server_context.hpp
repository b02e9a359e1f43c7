#pragma once

// What every connection shares: settings, the token gate, the chat service, the hub, the store
// workers, metrics.
// Owned by Server; sessions hold a reference, so the context outlives every session (the server
// joins its io threads before destroying it).

#include "protocol/history_budget.hpp"
#include "server/chat_service.hpp"
#include "server/hub.hpp"
#include "server/metrics.hpp"
#include "server/store_workers.hpp"
#include "server/token_gate.hpp"

#include <parley/token/api_key.hpp>
#include <parley/token/clock.hpp>

#include <chrono>
#include <cstddef>

namespace boost::asio::ssl {
class context;
} // namespace boost::asio::ssl

namespace parley::server {

/// The smallest max_outbox_bytes accepted: room for two full history replies, so a reader that
/// keeps up is never closed for one large reply.
inline constexpr std::size_t kMinOutboxBytes = 2 * protocol::kMaxHistoryBytes;
/// The longest keep_alive accepted: an hour of silence before a ping keeps nothing alive behind
/// any proxy, and a longer one is more likely a unit mistake (milliseconds) than a wish.
inline constexpr std::chrono::seconds kMaxKeepAlive{3600};

struct SessionSettings {
    /// W: token_about_to_expire goes out this long before exp (DESIGN: 180 s by default).
    std::chrono::seconds about_to_expire_window{180};
    /// A connection must send init within this time (DESIGN: 10 s), else close 4408.
    std::chrono::milliseconds init_timeout{10000};
    /// Frames per second a connection may send on average, and in a burst.
    double rate_per_second = 50;
    double rate_burst = 100;
    /// Rejected frames in a row (over the rate) before the connection is closed with 4429.
    std::size_t rate_strikes = 20;
    /// Connections one identity may hold at once on this node.
    std::size_t max_connections_per_identity = 16;
    /// Protocol errors (malformed frames, unknown ops, bad arguments) before close 4400.
    std::size_t max_protocol_errors = 5;
    /// Bytes of unsent output a connection may hold; past it the connection is closed with 4413.
    /// Counted in bytes, not frames, since a frame can be a megabyte of history. 4 MiB holds
    /// a full history reply (at most 1 MiB of messages) several times over, so a reader that
    /// keeps up is never dropped.
    std::size_t max_outbox_bytes = std::size_t{4} << 20U;
    /// A connection closed for reading too slowly gets this long to take the frame being
    /// written and the close frame; then its socket is dropped, so a peer that never reads
    /// cannot hold the connection open by sending.
    std::chrono::milliseconds slow_close_grace{10000};
    /// A connection that has heard nothing for this long is pinged; one that has heard nothing
    /// for twice this long, not even the pong, is dropped. 150 s is Beast's suggested server
    /// timeout (300 s idle with keep-alive pings), which the server used before it spoke
    /// WebSocket itself; behind a proxy that drops idle connections sooner (nginx's
    /// proxy_read_timeout is 60 s) it must be shorter than the proxy's timeout.
    std::chrono::seconds keep_alive{150};
};

struct ServerContext {
    SessionSettings settings;
    TokenGate& tokens;
    ChatService& chat;
    Hub& hub;
    StoreWorkers& workers;
    Metrics& metrics;
    const token::Clock& clock;
    /// The TLS certificate and key when the server serves https:// and wss://; null for plain.
    boost::asio::ssl::context* tls = nullptr;
};

} // namespace parley::server
