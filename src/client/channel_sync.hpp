#pragma once

// The channels a client has joined, and the exactly-once, in-order delivery of their messages
// across joins and reconnects: a baseline at join (the newest index then), live `message` events
// through a ChannelSequencer per channel, history `after` the last index when a gap shows, and
// after a reconnect a rejoin of each channel followed by history until caught up.
//
// Not thread-safe: it belongs to the ClientCore's scheduler thread.

#include "client/channel_sequencer.hpp"
#include "client/request_table.hpp"

#include <parley/client/types.hpp>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace parley::client {

class ChannelSync {
public:
    /// Sends a request on the live connection, or fails it at once (51000) when there is none.
    using Send = std::function<void(std::string_view op, Json args, ReplyHandler on_reply)>;
    /// Hands a message to the app (messageAdded).
    using Deliver = std::function<void(Message&& message)>;

    ChannelSync(Send send, Deliver deliver)
        : send_(std::move(send)), deliver_(std::move(deliver)) {}

    /// The client joined `channel_sid`; `brand_new` when it just created it (no history yet).
    void joined(const std::string& channel_sid, bool brand_new);
    /// The client left (here or on another connection of the same identity).
    void left(const std::string& channel_sid);
    /// A live `message` event. A channel not tracked yet (joined on another device or in an
    /// earlier run) is tracked from this message on.
    void onLiveMessage(Message&& message);
    /// After a reconnect: rejoin each channel, then fetch what was missed.
    void resync();
    void clear() { channels_.clear(); }

    bool tracks(const std::string& channel_sid) const { return channels_.contains(channel_sid); }
    std::size_t tracked() const { return channels_.size(); }

private:
    struct Tracked {
        ChannelSequencer sequencer;
        bool fetching = false;
    };

    template <typename R> void call(const R& request, ReplyHandler&& on_reply) {
        send_(R::kOp, protocol::encodeArgs(request), std::move(on_reply));
    }
    void deliver(std::vector<Message> messages);
    void fetchBaseline(const std::string& channel_sid);
    void fetchAfter(const std::string& channel_sid);
    void onPage(const std::string& channel_sid, const std::expected<Json, Error>& reply);

    Send send_;
    Deliver deliver_;
    std::map<std::string, Tracked> channels_;
};

} // namespace parley::client
