#pragma once

// The chat operations of the protocol (channel.*, message.*), for one authenticated identity at a
// time. It never sees a socket: it reads and writes the Store, publishes events on the Broker,
// and tells the Hub about membership changes so events reach the right sessions.

#include "protocol/codes.hpp"
#include "protocol/frame.hpp"
#include "server/broker/broker.hpp"
#include "server/hub.hpp"
#include "server/metrics.hpp"
#include "server/store/store.hpp"

#include <parley/token/clock.hpp>

#include <expected>
#include <mutex>
#include <string>

namespace parley::server {

struct OpError {
    protocol::ErrorCode code;
    std::string message;
};

using OpResult = std::expected<protocol::Json, OpError>;

class ChatService {
public:
    ChatService(Store& store, Broker& broker, Hub& hub, Metrics& metrics,
                const token::Clock& clock);

    /// True for the ops this service handles.
    static bool handles(std::string_view op);

    /// Runs one op for `identity`; the reply's fields on success. Thread-safe.
    OpResult handle(const std::string& identity, const protocol::Request& request);

    /// SIDs of the channels `identity` belongs to, for attaching a new session to the hub.
    StoreResult<std::vector<std::string>> channelsOf(const std::string& identity);

private:
    OpResult create(const std::string& identity, const protocol::Request& request);
    OpResult list(const std::string& identity);
    OpResult join(const std::string& identity, const protocol::Request& request);
    OpResult leave(const std::string& identity, const protocol::Request& request);
    OpResult members(const std::string& identity, const protocol::Request& request);
    OpResult addMember(const std::string& identity, const protocol::Request& request);
    OpResult send(const std::string& identity, const protocol::Request& request);
    OpResult history(const std::string& identity, const protocol::Request& request);

    /// The channel named by the request's `channel` argument, if `identity` may see it.
    std::expected<Channel, OpError> visibleChannel(const std::string& identity,
                                                   const protocol::Request& request);
    std::expected<bool, OpError> isMember(const std::string& channel, const std::string& identity);
    void publishMembership(std::string_view event, const std::string& channel,
                           const std::string& identity);

    // Held across a message's append and its publish, so `message` events leave in index order
    // (SQLite serializes the appends anyway, so this costs no parallelism).
    std::mutex send_order_;
    Store& store_;
    Broker& broker_;
    Hub& hub_;
    Metrics& metrics_;
    const token::Clock& clock_;
};

} // namespace parley::server
