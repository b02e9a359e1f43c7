#pragma once

// The chat operations of the protocol (channel.*, message.*), for one authenticated identity at a
// time. It never sees a socket: it reads and writes the Store on the store workers, and publishes
// what happened on the Broker; the hubs of every node turn that into frames for sessions.
//
// Order and group commit: a message.send is checked (channel, membership) on a worker, in its
// identity's lane (StoreWorkers::postInLane: one identity's sends are checked in the order they
// came, and a session may hand over several at once), then queued for its channel. The channel's
// strand commits what is queued, up to kMaxBatch sends, in one transaction (Store::appendMessages),
// then answers and publishes each in index order; sends that arrive meanwhile wait for the next
// commit. So this node publishes a channel's messages in index order and every subscriber sees them
// in index order, a send is answered only once it is committed, and a busy channel pays one commit
// per batch rather than per message. Sends to different channels do not wait for each other, and no
// lock is held across the store or the broker. (Across nodes, each node's strand orders only its
// own senders: a subscriber of a network broker fills gaps by index from the store.)
//
// Membership changes are published before the op answers, so once a join is answered the
// broker has the join ahead of any message sent after it. A message's event is published after
// its reply has been handed to `done`, so the sender's connection gets the reply first (its
// session posts the reply to its io thread before the broker can post the event there), unless the
// reply waits there behind the reply of an earlier request still in flight.

#include "protocol/codes.hpp"
#include "protocol/events.hpp"
#include "protocol/frame.hpp"
#include "protocol/requests.hpp"
#include "server/broker/broker.hpp"
#include "server/metrics.hpp"
#include "server/store/store.hpp"
#include "server/store_workers.hpp"

#include <parley/token/clock.hpp>

#include <chrono>
#include <deque>
#include <expected>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace parley::server {

struct OpError {
    protocol::ErrorCode code;
    std::string message;
    /// The op reached the store at or after its token's exp and took no effect: the reply is
    /// the token code 20104 (and the session ends as at expiry), not `code`.
    bool token_expired = false;
};

using OpResult = std::expected<protocol::Json, OpError>;

struct ChatServiceOptions {
    /// Channels one identity may create (50431 beyond), so one identity cannot fill every
    /// member's channel list; 1000 is far above what a person makes by hand.
    std::size_t max_channels_per_identity = 1000;
    /// Sends of one channel committed in one transaction at most, and the body and attribute
    /// bytes of one batch at most (a batch holds at least one send, whatever its size).
    std::size_t max_batch = 256;
    std::size_t max_batch_bytes = std::size_t{1} << 20;
};

class ChatService {
public:
    using Done = std::function<void(OpResult)>;
    using ChannelsDone = std::function<void(StoreResult<std::vector<MemberChannel>>)>;

    ChatService(Store& store, Broker& broker, StoreWorkers& workers, Metrics& metrics,
                const token::Clock& clock, ChatServiceOptions options = {});

    /// True for the ops this service handles.
    static bool handles(std::string_view op);

    /// Runs one op for `identity` on a store worker and calls `done` there, exactly once, with
    /// the reply's fields or the error. Thread-safe.
    void handle(std::string identity, protocol::Request request, Done done);
    /// As above, for a session whose token expires at `valid_until`: an op that would take
    /// effect at or after it (by this service's clock) fails with OpError::token_expired, so
    /// nothing is stored with a date at or after exp however long the op waited for a worker.
    void handle(std::string identity, protocol::Request request, token::TimePoint valid_until,
                Done done);

    /// The channels `identity` belongs to, each with its next index, for a new session (its
    /// deliveries start there); `done` runs on a worker.
    void channelsOf(std::string identity, ChannelsDone done);

private:
    using Route = OpResult (ChatService::*)(const std::string&, const protocol::Json&);
    template <typename Args> using Op = OpResult (ChatService::*)(const std::string&, const Args&);

    static Route routeFor(std::string_view op);
    template <typename Args, Op<Args> kOp>
    OpResult withArgs(const std::string& identity, const protocol::Json& frame);

    OpResult create(const std::string& identity, const protocol::ChannelCreateRequest& args);
    OpResult list(const std::string& identity, const protocol::ChannelListRequest& args);
    OpResult join(const std::string& identity, const protocol::ChannelJoinRequest& args);
    OpResult leave(const std::string& identity, const protocol::ChannelLeaveRequest& args);
    OpResult members(const std::string& identity, const protocol::ChannelMembersRequest& args);
    OpResult addMember(const std::string& identity, const protocol::ChannelAddMemberRequest& args);
    OpResult history(const std::string& identity, const protocol::MessageHistoryRequest& args);
    // A message.send that passed its checks and waits for its channel's next commit.
    struct PendingSend {
        std::string identity;
        protocol::MessageSendRequest args;
        token::TimePoint valid_until;
        Done done;
    };

    void send(const std::string& identity, const protocol::Json& frame,
              token::TimePoint valid_until, Done done);
    /// Queues `pending` for `channel`, scheduling a commit on its strand if none is.
    void enqueue(const std::string& channel, PendingSend pending);
    /// On the channel's strand: commits the next batch of its queue.
    void drain(const std::string& channel);
    /// The channel's next batch; schedules another drain when sends are left after it.
    std::vector<PendingSend> takeBatch(const std::string& channel);
    /// Stores `batch` in one transaction, then answers and publishes each message in order.
    void commit(const std::string& channel, std::vector<PendingSend> batch);
    /// Answers each sender (its reply first, as the header says) and publishes its message.
    void acknowledge(const std::string& channel, const std::vector<Message>& stored,
                     std::vector<PendingSend>& senders, std::chrono::nanoseconds commit_latency);

    /// The channel `reference` (SID or unique name) names, from the cache of channels already
    /// found or else the store (which a hit spares a read per send).
    std::expected<Channel, OpError> findChannel(const std::string& reference);
    /// The channel `reference` (SID or unique name) names, if `identity` may see it.
    std::expected<Channel, OpError> visibleChannel(const std::string& identity,
                                                   const std::string& reference);
    std::expected<bool, OpError> isMember(const std::string& channel, const std::string& identity);
    /// Adds `identity` to `channel` and, if it was not a member, publishes its joined event.
    std::expected<void, OpError> addMember(const std::string& channel, const std::string& identity);
    /// `first_owed`: for a join, the first message index the member gets (ChannelEvent::index).
    void publishMembership(protocol::EventKind kind, const std::string& channel,
                           const std::string& identity, std::int64_t first_owed = -1);

    Store& store_;
    Broker& broker_;
    StoreWorkers& workers_;
    Metrics& metrics_;
    const token::Clock& clock_;
    ChatServiceOptions options_;

    // Channels already found, by the reference they were found by. A channel never changes
    // and is never deleted once created, on any node, so an entry never goes stale; the map is
    // cleared when it reaches kMaxCachedChannels rather than tracking use.
    static constexpr std::size_t kMaxCachedChannels = 4096;
    std::mutex channels_mutex_;
    std::unordered_map<std::string, Channel> channels_;

    std::mutex sends_mutex_;
    // The sends waiting per channel. A channel has an entry exactly while a drain is scheduled
    // on its strand (or running and not yet past takeBatch), so a send that finds no entry
    // schedules one; entries go when their queue empties.
    std::map<std::string, std::deque<PendingSend>, std::less<>> sends_;
};

} // namespace parley::server
