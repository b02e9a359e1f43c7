#pragma once

// Fan-out of channel events between the chat service and the sessions of every node. In-process
// now (MemoryBroker); Redis pub/sub later, so an event published on one node reaches the hub of
// every node. Chat logic never depends on an implementation's timing: what a network broker
// cannot promise, this contract does not promise either.
//
// The contract every implementation meets (tests/unit/server/broker/broker_test.cpp checks it):
// - publish() never calls a subscriber itself: delivery is asynchronous, on the broker's own
//   threads, so a publisher may hold no assumption about when (or on which node) it arrives.
// - Per topic, events reach each subscriber in publish order, and a subscriber's callbacks never
//   run concurrently with each other.
// - subscribe() takes effect before it returns: every event published after that reaches the
//   subscriber. unsubscribe() likewise: nothing published after it returns is delivered (a
//   callback already running may finish).
// - At-most-once per subscription: a subscriber that must not miss an event (a session catching
//   up after a reconnect) reads the store by index, never the broker. A hub subscribes to a
//   channel when it handles a join, so a message published just after the join but before that
//   subscription may not reach it: the memory broker avoids this by handling every event in one
//   order and choosing subscribers at delivery; a network broker must fill such gaps from the
//   store by index (a node sees a channel's indexes jump). A broker that may lose events says
//   so (mayLoseEvents), and tells a subscriber of each topic whose events it may have lost
//   (onBrokerGap: a connection to the network broker came back).
// - subscribe() and unsubscribe() must not block on the network: the hub calls them under its
//   lock, from its broker callback too.
// - shutdown() stops delivery and waits for callbacks in progress. A subscriber may be destroyed
//   only after that (the server shuts the broker down before its hub goes).
//
// The broker also counts each identity's sessions on every node that shares it, for the
// per-identity connection limit (admitSession, releaseSession): one round trip when a session
// starts and one when it ends, never on a message's path. The memory broker leaves the count to
// the node (the hub's own); a network broker that cannot answer in time admits, so the node's own
// count is then the only limit.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::server {

/// A serialized event frame, shared by every session it goes to.
using Payload = std::shared_ptr<const std::string>;

/// What happened in a channel: enough for a hub to route it without parsing the frame.
struct ChannelEvent {
    enum class Kind {
        kMessage,
        kMemberJoined,
        kMemberLeft,
        /// A revocation made on some node (`frame` holds it as its wire object, see
        /// protocol/revocations.hpp); published on revocationTopic().
        kRevocation,
    };
    Kind kind = Kind::kMessage;
    /// The channel's SID.
    std::string channel;
    /// The member who joined or left; the author of a message.
    std::string identity;
    /// The message's index (kMessage); for kMemberJoined, the first message index the new member
    /// is owed (-1: not said).
    std::int64_t index = -1;
    /// The wire event, as every session receives it.
    Payload frame;
};

/// Channel events go to `channelTopic(sid)`, seen by the nodes where a member is connected.
/// Membership events also go to `identityTopic(identity)`, seen by the nodes where that identity
/// is connected, so its sessions learn of a channel they did not know about.
std::string channelTopic(std::string_view channel_sid);
std::string identityTopic(std::string_view identity);
bool isIdentityTopic(std::string_view topic);
/// Revocations go to one topic that every node subscribes to.
std::string revocationTopic();

class BrokerSubscriber {
public:
    virtual ~BrokerSubscriber() = default;
    /// Called on a broker thread for each event of a subscribed topic. Must not block; may call
    /// subscribe and unsubscribe.
    virtual void onBrokerEvent(std::string_view topic, const ChannelEvent& event) = 0;
    /// Called like onBrokerEvent when events of `topic` may have been lost (a network broker's
    /// connection came back and the topic is subscribed again); what was lost is in the store.
    virtual void onBrokerGap(std::string_view /*topic*/) {}
};

/// A session counted towards its identity's connection limit by Broker::admitSession.
using SessionSlot = std::uint64_t;

/// Thread-safe.
class Broker {
public:
    virtual ~Broker() = default;
    virtual void subscribe(std::string_view topic, BrokerSubscriber& subscriber) = 0;
    virtual void unsubscribe(std::string_view topic, BrokerSubscriber& subscriber) = 0;
    virtual void publish(std::string_view topic, ChannelEvent event) = 0;
    /// Publishes `events` on `topic` in order, as that many publish calls would; a broker may
    /// hand them over at once (the chat service publishes a group commit's messages so).
    virtual void publishAll(std::string_view topic, std::vector<ChannelEvent> events) {
        for (ChannelEvent& event : events) {
            publish(topic, std::move(event));
        }
    }
    /// Stops delivering and waits for callbacks in progress. Idempotent.
    virtual void shutdown() = 0;
    /// True if events can go missing (a network broker): subscribers must then fill gaps.
    virtual bool mayLoseEvents() const { return false; }
    /// One line on the broker's state, for /healthz. Cheap: no network round trip.
    virtual std::string health() const { return "memory"; }

    /// Counts a new session of `identity` unless the identity already has `limit` sessions on
    /// the nodes that share this broker (this node's own sessions are checked by the caller
    /// first), and calls `done(admitted)` once, on any thread, possibly before returning; never
    /// after the slot is released or the broker shut down. Never blocks on the network. The
    /// default (one node) admits at once.
    virtual SessionSlot admitSession(std::string_view /*identity*/, std::size_t /*limit*/,
                                     const std::function<void(bool admitted)>& done) {
        done(true);
        return 0;
    }
    /// The session of `slot` has ended, or was refused: it no longer counts. Idempotent.
    virtual void releaseSession(SessionSlot /*slot*/) {}
};

} // namespace parley::server
