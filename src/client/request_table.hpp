#pragma once

// The requests of one client: the ids, those sent and waiting for their reply, and the bounded
// queue of those waiting for a connection. Frames are encoded by the protocol module
// (encodeRequest), so the op names and argument shapes are spelled there only.
//
// Not thread-safe: it belongs to the ClientCore's scheduler thread.

#include "client/from_protocol.hpp"
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
#include <string_view>

namespace parley::client {

/// A request's outcome: the whole reply frame on success.
using ReplyHandler = std::function<void(std::expected<Json, Error>)>;

class RequestTable {
public:
    explicit RequestTable(std::size_t max_queued) : max_queued_(max_queued) {}

    /// Encodes the request with the next id, remembers `on_reply` and writes it to `connection`.
    /// `op` must be a protocol op name (a request struct's kOp, which lives for the program).
    void send(Connection& connection, std::string_view op, Json args, ReplyHandler on_reply);
    template <typename R> void send(Connection& connection, const R& request, ReplyHandler on) {
        send(connection, R::kOp, protocol::encodeArgs(request), std::move(on));
    }

    /// Keeps a request for the next connection; fails it with kQueueFull (51002) when the queue
    /// already holds its maximum, so a long outage cannot grow memory without bound.
    void queue(std::string_view op, Json args, ReplyHandler on_reply);
    /// Sends every queued request, oldest first.
    void flush(Connection& connection);

    /// Hands a reply to the request it answers. False for an id no request is waiting on.
    bool complete(protocol::Reply&& reply);

    /// Fails every request sent and not yet answered (51000 when the connection is lost, 51001
    /// at shutdown), then every queued one when `queued_too`.
    void fail(ClientErrorCode code, bool queued_too);

    std::size_t queued() const { return queue_.size(); }
    std::size_t inFlight() const { return sent_.size(); }

private:
    struct Queued {
        std::string_view op;
        Json args;
        ReplyHandler on_reply;
    };

    std::size_t max_queued_;
    std::uint64_t next_id_ = 1;
    std::map<std::uint64_t, ReplyHandler> sent_;
    std::deque<Queued> queue_;
};

} // namespace parley::client
