#pragma once

// Who is connected on this node, and which local identities belong to which channels: the hub
// turns channel events from the broker into frames for the right sessions.
//
// Membership is learnt from the store once, when a session starts (addChannels), and from then
// on only from broker events: a join, leave or add made on any node reaches every node where
// the identity is connected through its identity topic, so every session of a member sees it.
// The hub subscribes to a channel's topic while at least one identity connected here is a
// member, and to an identity's topic while it has a session here.
//
// A leave lost by such a broker (its identity topic's gap) is replayed from the store: the hub
// reads the identity's channels and leaves those it is no longer in, so a member who left on
// another node during a Redis outage stops getting their messages here. (A join's event names
// the first index owed, which the store does not keep: it is not replayed; see
// hub_membership.cpp.)
//
// Gaps: over a broker that may lose events (Redis), a hub given a Backfill keeps each channel's
// messages in index order and each once: it remembers the last index it delivered, drops an
// event at or below it, and when an index jumps (or the broker says it may have lost events) it
// holds the channel's events, reads the missing messages from the store on a store worker,
// delivers them, then what it held. A join's event names the first index the member is owed, and
// so does a new session's read of its channels (each channel's next index, read with the
// membership, before the session answers init): the hub subscribes at once and reads what was
// sent since, so nothing sent after init is missed however late the subscription takes effect.
// Otherwise (a join that names no index), before it subscribes to a channel it reads the
// channel's newest index, and subscribes only then: every message sent after that read and before
// the subscription took effect (in Redis, a round trip later) shows as a jump.
//
// Threading: every method may be called from any thread. Deliveries happen outside the hub's
// lock: it takes the event's list of target sessions under the lock (a message's, cached per
// channel) and hands them the frame after releasing it, so a slow session never holds up the
// others or the broker.

#include "server/backfill.hpp"
#include "server/broker/broker.hpp"
#include "server/session_sink.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace parley::server {

class Hub final : public BrokerSubscriber {
public:
    /// `backfill` (may be null: then events are delivered as the broker hands them over) must
    /// outlive the hub, and its store workers must stop before the hub goes.
    /// Bytes of message events a channel holds while its store read is in flight; past it they
    /// are dropped and read from the store afterwards (a read may take seconds on a slow store).
    static constexpr std::size_t kMaxHeldBytes = std::size_t{4} << 20U;

    explicit Hub(Broker& broker, Backfill* backfill = nullptr);
    ~Hub() override;
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    /// Registers a session of `identity`, unless the identity already has `max_per_identity`
    /// sessions here. Returns false (nothing registered) in that case.
    bool attach(const std::string& identity, const std::shared_ptr<SessionSink>& session,
                std::size_t max_per_identity);
    /// attach, then the limit across the nodes that share the broker (Broker::admitSession).
    /// `done(admitted)` is called once, on any thread, possibly before this returns; a session
    /// refused is detached already. An admitted one counts on every node until detach.
    void admit(const std::string& identity, const std::shared_ptr<SessionSink>& session,
               std::size_t max_per_identity, const std::function<void(bool admitted)>& done);
    void detach(const std::string& identity, const SessionSink* session);
    /// The channels `identity` belonged to when its session read the store. Call after attach,
    /// so a membership change in between is not lost: a join arrives as an event too, and a
    /// channel left since attach (by an event) is not added back from the older read.
    /// Delivery of a channel this node did not serve yet starts at the index read with it, not
    /// at the newest one when the hub subscribes: a message stored in between is one the
    /// session may already be owed (it answers init once this returns).
    void addChannels(const std::string& identity, const std::vector<MemberChannel>& channels);

    /// Every open connection, initialized or not, is tracked so shutdown can close them all.
    void track(const std::shared_ptr<SessionSink>& session);
    void untrack(const SessionSink* session);
    /// Every tracked session (for shutdown).
    std::vector<std::shared_ptr<SessionSink>> sessions() const;
    std::size_t sessionCount() const;

    void onBrokerEvent(std::string_view topic, const ChannelEvent& event) override;
    void onBrokerGap(std::string_view topic) override;

    /// The bytes of events `channel` holds now (at most kMaxHeldBytes of messages, plus any
    /// membership events, which are never dropped); for tests and diagnostics.
    std::size_t heldBytes(std::string_view channel) const;

private:
    using Targets = std::vector<std::shared_ptr<SessionSink>>;
    // A channel event's recipients, shared by the events that go to the same ones: those served
    // by an io thread's inbox grouped by thread (one fan-out each), the others one by one. Weak:
    // the last reference to a session must never drop under the hub's lock (its destructor
    // calls the hub), and dropping a cached list can happen there.
    struct ChannelTargets {
        struct Group {
            DeliveryInbox* inbox;
            boost::asio::any_io_executor executor;
            std::shared_ptr<DeliveryInbox::Targets> targets;
        };
        std::vector<Group> groups;
        std::vector<std::weak_ptr<SessionSink>> others;

        void add(const std::weak_ptr<SessionSink>& sink, const SessionSink::InboxRoute& route);
    };
    using SharedTargets = std::shared_ptr<const ChannelTargets>;
    static void deliverTo(const SharedTargets& targets, const Payload& frame);
    // A session and its route, asked once when it attaches.
    struct Attached {
        std::weak_ptr<SessionSink> sink;
        SessionSink::InboxRoute route;
    };
    struct Connected {
        std::vector<Attached> sessions;
        // Their slots in the broker's count across nodes (sessions given to admit).
        std::map<const SessionSink*, SessionSlot> slots;
        std::set<std::string, std::less<>> channels;
        // Channels left (by a broker event) while connected and not joined again: a store read
        // made before the leave must not add them back.
        std::set<std::string, std::less<>> left;
        // Membership events seen so far: a store read of the channels that one overtook is stale.
        std::uint64_t membership_events = 0;
        bool rereading = false;    // a read of the identity's channels is in flight
        bool reread_again = false; // a gap came while it was: read once more
    };

    // A subscribed channel's order, with a Backfill (hub_sequence.cpp).
    struct Sequence {
        std::uint64_t generation = 0;         // a leave and a new join start afresh
        std::optional<std::int64_t> last;     // last message index delivered; nullopt: unknown
        bool holding = false;                 // events wait in `held` (reading or delivering)
        bool reading = false;                 // a store read is in flight
        bool read_again = false;              // a gap came while reading: read once more
        bool delivering = false;              // a store worker is delivering this channel
        int empty_reads = 0;                  // reads in a row after `last` that brought nothing
        std::int64_t read_newest = -1;        // newest index a read has seen in the store
        bool store_failed = false;            // the last read failed: a jump is not read again
        bool subscribed = false;              // to the broker (after the first read)
        std::optional<Backfill::Result> read; // a read's result, for the delivering worker
        std::deque<ChannelEvent> held;
        std::size_t held_bytes = 0; // the frames in `held`
        bool held_dropped = false;  // a message past kMaxHeldBytes: read once `held` is drained
    };
    using Batch = std::vector<std::pair<SharedTargets, Payload>>;
    // Empty reads in a row under a held jump before it is delivered anyway (hub_sequence.cpp).
    static constexpr int kEmptyReadsBeforeSkip = 2;

    bool admitLocked(Sequence& sequence, const ChannelEvent& event);
    void holdLocked(Sequence& sequence, const ChannelEvent& event);
    static void popHeldLocked(Sequence& sequence);
    void startReadLocked(const std::string& channel, Sequence& sequence);
    void onRead(const std::string& channel, std::uint64_t generation, Backfill::Result result);
    void applyReadLocked(const std::string& channel, Sequence& sequence, Batch& batch);
    void fillLocked(Sequence& sequence, const std::vector<ChannelEvent>& events, Batch& batch);
    void drainHeldLocked(const std::string& channel, Sequence& sequence, Batch& batch);
    SharedTargets channelTargetsLocked(const ChannelEvent& event);
    /// The message targets of `channel` are no longer known: its members or their sessions
    /// changed.
    void forgetTargetsLocked(const std::string& channel) { message_targets_.erase(channel); }
    /// Likewise for every channel of `identity`, whose sessions changed.
    void forgetTargetsOfLocked(const std::string& identity);
    SharedTargets onChannelEvent(const ChannelEvent& event);
    Targets onIdentityEvent(const ChannelEvent& event);
    void sessionsOfLocked(const std::string& identity, Targets& out) const;
    void joinLocked(const std::string& channel, const std::string& identity,
                    std::optional<std::int64_t> first_owed = std::nullopt);
    // Leave replay (hub_membership.cpp): after its identity topic's gap, an identity's channels
    // are read from the store and the hub leaves those it is no longer in.
    void rereadMembershipLocked(const std::string& identity, Connected& connected);
    void onMembershipRead(const std::string& identity, std::uint64_t seen, Backfill::Channels read);
    void applyMembershipLocked(const std::string& identity, Connected& connected,
                               const std::vector<MemberChannel>& channels);
    void leaveLocked(const std::string& channel, const std::string& identity);

    Broker& broker_;
    Backfill* backfill_;
    mutable std::mutex mutex_;
    std::map<std::string, Sequence, std::less<>> sequences_;
    std::uint64_t generations_ = 0;
    std::map<std::string, Connected, std::less<>> identities_;
    std::map<std::string, std::set<std::string, std::less<>>, std::less<>> channel_members_;
    // Per channel, the sessions its message events go to, built on the first message after a
    // change of its members or of their sessions (joinLocked, leaveLocked, attach, detach): a
    // busy channel's message costs one look-up here, not one per member.
    std::map<std::string, SharedTargets, std::less<>> message_targets_;
    std::size_t session_count_ = 0;
    std::map<const SessionSink*, std::weak_ptr<SessionSink>> tracked_;
};

} // namespace parley::server
