#pragma once

// The requests of one client: the ids, those sent and waiting for their reply, and those waiting
// to be sent, in two lanes: the app's requests (bounded, kept across reconnects) and the
// connection's own (init, update_token, catch-up: sent first, and failed when the connection
// ends). What goes out, and when, is paced within the server's announced rate (RequestPacer), so
// requests issued back to back wait here instead of being refused. Frames are encoded by the
// protocol module (encodeRequest), so the op names and argument shapes are spelled there only.
//
// Not thread-safe: it belongs to the ClientCore's scheduler thread.

#include "client/from_protocol.hpp"
#include "client/request_pacer.hpp"
#include "client/transport.hpp"
#include "protocol/events.hpp"
#include "protocol/requests.hpp"

#include <parley/client/error.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace parley::client {

/// A request's outcome: the whole reply frame on success.
using ReplyHandler = std::function<void(std::expected<Json, Error>)>;

class RequestTable {
public:
    using TimePoint = token::TimePoint;

    /// Which requests wait where.
    enum class Lane {
        /// The app's: at most `max_queued` wait (then kQueueFull); kept when a connection ends.
        kApp,
        /// The connection's own: go before the app's, fail with the connection.
        kConnection,
    };

    explicit RequestTable(std::size_t max_queued) : max_queued_(max_queued) {}

    /// Encodes the request with the next id and queues it in `lane`. Fails it at once, calling
    /// `on_reply` before returning, when its frame would pass the protocol's frame limit (50103
    /// for a message, 50003 otherwise: the server would close the connection with 1009) or the
    /// app's lane is full (51002). `op` must be a protocol op name (a request struct's kOp).
    void enqueue(std::string_view op, Json args, ReplyHandler on_reply, Lane lane);

    /// Sends what the pacer lets go now, the connection's lane first, the app's only when
    /// `app_lane_open` (after init). Returns when to call again; nullopt when only a reply (or a
    /// new request) can let more go.
    std::optional<TimePoint> pump(Connection& connection, TimePoint now, bool app_lane_open);

    /// Hands a reply to the request it answers. False for an id no request is waiting on.
    bool complete(protocol::Reply&& reply, TimePoint now);

    /// Fails every request sent and not yet answered and every one in the connection's lane
    /// (51000 when the connection is lost, 51001 at shutdown), then the app's when `queued_too`.
    /// Starts the pacer afresh for the next connection.
    void fail(ClientErrorCode code, bool queued_too);

    RequestPacer& pacer() { return pacer_; }
    std::size_t queued() const { return app_lane_.size() + connection_lane_.size(); }
    std::size_t inFlight() const { return sent_.size(); }
    /// Requests sent since the pacer was last started afresh.
    std::size_t sentOnConnection() const { return sent_on_connection_; }

private:
    struct Queued {
        std::uint64_t id = 0;
        std::string frame;
        ReplyHandler on_reply;
    };

    std::size_t max_queued_;
    std::uint64_t next_id_ = 1;
    std::map<std::uint64_t, ReplyHandler> sent_;
    std::deque<Queued> app_lane_;
    std::deque<Queued> connection_lane_;
    RequestPacer pacer_;
    std::size_t sent_on_connection_ = 0;
};

} // namespace parley::client
