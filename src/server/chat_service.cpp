#include "server/chat_service.hpp"

#include "protocol/history_budget.hpp"
#include "protocol/names.hpp"
#include "protocol/replies.hpp"
#include "server/chat_service_internal.hpp"
#include "server/page_token.hpp"
#include "server/sid.hpp"
#include "server/wire_objects.hpp"

#include <array>
#include <utility>

namespace parley::server {
namespace {

using protocol::ErrorCode;
using protocol::Json;
using namespace chat_detail;

ChannelEvent::Kind channelEventKind(protocol::EventKind kind) {
    return kind == protocol::EventKind::kMemberLeft ? ChannelEvent::Kind::kMemberLeft
                                                    : ChannelEvent::Kind::kMemberJoined;
}

} // namespace

ChatService::ChatService(Store& store, Broker& broker, StoreWorkers& workers, Metrics& metrics,
                         const token::Clock& clock, ChatServiceOptions options)
    : store_(store), broker_(broker), workers_(workers), metrics_(metrics), clock_(clock),
      options_(options) {}

template <typename Args, ChatService::Op<Args> kOp>
OpResult ChatService::withArgs(const std::string& identity, const Json& frame) {
    const auto args = protocol::decodeArgs<Args>(frame);
    if (!args) {
        return shapeFailure(args.error());
    }
    return (this->*kOp)(identity, *args);
}

ChatService::Route ChatService::routeFor(std::string_view op) {
    using namespace protocol;
    static const std::array<std::pair<std::string_view, Route>, 7> routes{{
        {ChannelCreateRequest::kOp,
         &ChatService::withArgs<ChannelCreateRequest, &ChatService::create>},
        {ChannelListRequest::kOp, &ChatService::withArgs<ChannelListRequest, &ChatService::list>},
        {ChannelJoinRequest::kOp, &ChatService::withArgs<ChannelJoinRequest, &ChatService::join>},
        {ChannelLeaveRequest::kOp,
         &ChatService::withArgs<ChannelLeaveRequest, &ChatService::leave>},
        {ChannelMembersRequest::kOp,
         &ChatService::withArgs<ChannelMembersRequest, &ChatService::members>},
        {ChannelAddMemberRequest::kOp,
         &ChatService::withArgs<ChannelAddMemberRequest, &ChatService::addMember>},
        {MessageHistoryRequest::kOp,
         &ChatService::withArgs<MessageHistoryRequest, &ChatService::history>},
    }};
    for (const auto& [name, route] : routes) {
        if (name == op) {
            return route;
        }
    }
    return nullptr;
}

bool ChatService::handles(std::string_view op) {
    return op == protocol::MessageSendRequest::kOp || routeFor(op) != nullptr;
}

void ChatService::handle(std::string identity, protocol::Request request, Done done) {
    handle(std::move(identity), std::move(request), token::TimePoint::max(), std::move(done));
}

void ChatService::handle(std::string identity, protocol::Request request,
                         token::TimePoint valid_until, Done done) {
    // A session reads message.sends ahead, so several of one identity may be handed over at once:
    // they are checked in its lane, one after the other, so they are queued for their channel,
    // committed and indexed in the order they were sent.
    const bool in_lane = request.op == protocol::MessageSendRequest::kOp;
    const std::size_t lane = StoreWorkers::laneOf(identity);
    auto task = [this, identity = std::move(identity), request = std::move(request), valid_until,
                 done = std::move(done)]() mutable {
        if (clock_.now() >= valid_until) {
            done(tokenExpired(valid_until));
            return;
        }
        if (request.op == protocol::MessageSendRequest::kOp) {
            send(identity, request.frame, valid_until, std::move(done));
            return;
        }
        const Route route = routeFor(request.op);
        if (route == nullptr) {
            done(error(ErrorCode::kUnknownOp, "unknown op \"" + request.op + "\""));
            return;
        }
        done((this->*route)(identity, request.frame));
    };
    if (in_lane) {
        workers_.postInLane(lane, std::move(task));
    } else {
        workers_.post(std::move(task));
    }
}

void ChatService::channelsOf(std::string identity, ChannelsDone done) {
    workers_.post([this, identity = std::move(identity), done = std::move(done)] {
        done(store_.channelsOf(identity));
    });
}

std::expected<bool, OpError> ChatService::isMember(const std::string& channel,
                                                   const std::string& identity) {
    const auto member = store_.isMember(channel, identity);
    if (!member) {
        return storeError(member.error());
    }
    return *member;
}

std::expected<Channel, OpError> ChatService::visibleChannel(const std::string& identity,
                                                            const std::string& reference) {
    auto channel = findChannel(reference);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    if (channel->type == ChannelType::kPrivate) {
        // A private channel is invisible to non-members: same answer as a missing one, so its
        // existence does not leak.
        const auto member = isMember(channel->sid, identity);
        if (!member) {
            return std::unexpected(member.error());
        }
        if (!*member) {
            return error(ErrorCode::kChannelNotFound);
        }
    }
    return std::move(*channel);
}

// The member hears of it through its identity topic (every node where it is connected, every
// session, the leaver's own devices included); the other members through the channel's topic.
void ChatService::publishMembership(protocol::EventKind kind, const std::string& channel,
                                    const std::string& identity, std::int64_t first_owed) {
    ChannelEvent event{
        .kind = channelEventKind(kind),
        .channel = channel,
        .identity = identity,
        .index = first_owed,
        .frame = std::make_shared<const std::string>(
            protocol::memberEvent(kind, {.channel = channel, .identity = identity})),
    };
    broker_.publish(identityTopic(identity), event);
    broker_.publish(channelTopic(channel), std::move(event));
}

OpResult ChatService::create(const std::string& identity,
                             const protocol::ChannelCreateRequest& args) {
    const auto channel = store_.createChannel(NewChannel{
        .sid = makeSid("CH"),
        .unique_name = args.unique_name,
        .friendly_name = args.friendly_name.value_or(args.unique_name),
        .type = args.type,
        .attributes_json = args.attributes_json,
        .created_by = identity,
        .now = clock_.now(),
        .creator_quota = options_.max_channels_per_identity,
    });
    if (!channel) {
        if (channel.error() == StoreError::kQuotaExceeded) {
            return error(ErrorCode::kTooManyChannels,
                         "this identity has created its " +
                             std::to_string(options_.max_channels_per_identity) +
                             " channels, the most this server allows");
        }
        return storeError(channel.error());
    }
    publishMembership(protocol::EventKind::kMemberJoined, channel->sid, identity, 0);
    return protocol::channelReply(toWire(*channel));
}

OpResult ChatService::list(const std::string& identity, const protocol::ChannelListRequest& args) {
    ChannelPageQuery query{.limit = protocol::pageSizeOf(args.page)};
    if (args.page.page_token) {
        query.after = readChannelsPageToken(*args.page.page_token);
        if (!query.after) {
            return error(ErrorCode::kInvalidArgument, "page_token is not one this server gave");
        }
    }
    const auto page = store_.listChannels(identity, query);
    if (!page) {
        // A well-formed token naming no channel was not made here either.
        return page.error() == StoreError::kNotFound
                   ? error(ErrorCode::kInvalidArgument, "page_token is not one this server gave")
                   : storeError(page.error());
    }
    return protocol::channelsReply(toWire(page->channels), nextChannelsPageToken(*page));
}

OpResult ChatService::join(const std::string& identity, const protocol::ChannelJoinRequest& args) {
    const auto channel = visibleChannel(identity, args.channel);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    if (auto added = addMember(channel->sid, identity); !added) {
        return std::unexpected(added.error());
    }
    return protocol::channelReply(toWire(*channel));
}

// The joined event names the first index the new member is owed: the channel's newest index
// read before the join commits, plus one. A node that learns of the join later (through the
// broker) starts delivery there, not at whatever is newest by then, so a message sent after the
// join's reply is never skipped; one sent in the instant before the commit may be delivered too.
// Only a broker that may lose or delay events needs it: otherwise the index is -1 (none), and a
// join costs no store read beyond its own.
std::expected<void, OpError> ChatService::addMember(const std::string& channel,
                                                    const std::string& identity) {
    std::int64_t first_owed = -1;
    if (broker_.mayLoseEvents()) {
        const auto newest = store_.history(channel, HistoryQuery{.limit = 1});
        if (!newest) {
            return storeError(newest.error());
        }
        first_owed = newest->empty() ? 0 : newest->back().index + 1;
    }
    const auto added = store_.addMember(channel, identity, clock_.now());
    if (!added) {
        return storeError(added.error());
    }
    if (*added) {
        publishMembership(protocol::EventKind::kMemberJoined, channel, identity, first_owed);
    }
    return {};
}

OpResult ChatService::leave(const std::string& identity,
                            const protocol::ChannelLeaveRequest& args) {
    const auto channel = visibleChannel(identity, args.channel);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    const auto removed = store_.removeMember(channel->sid, identity);
    if (!removed) {
        return storeError(removed.error());
    }
    if (!*removed) {
        return error(ErrorCode::kNotAMember);
    }
    publishMembership(protocol::EventKind::kMemberLeft, channel->sid, identity);
    return protocol::channelReply(toWire(*channel));
}

OpResult ChatService::members(const std::string& identity,
                              const protocol::ChannelMembersRequest& args) {
    const auto channel = visibleChannel(identity, args.channel);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    const auto members = store_.members(channel->sid);
    if (!members) {
        return storeError(members.error());
    }
    return protocol::membersReply(toWire(*members));
}

OpResult ChatService::addMember(const std::string& identity,
                                const protocol::ChannelAddMemberRequest& args) {
    const auto channel = visibleChannel(identity, args.channel);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    const auto member = isMember(channel->sid, identity);
    if (!member) {
        return std::unexpected(member.error());
    }
    if (!*member) {
        return error(ErrorCode::kNotAMember, "only members of a channel can add members");
    }
    if (auto added = addMember(channel->sid, args.identity); !added) {
        return std::unexpected(added.error());
    }
    return protocol::channelReply(toWire(*channel));
}

OpResult ChatService::history(const std::string& identity,
                              const protocol::MessageHistoryRequest& args) {
    const auto channel = visibleChannel(identity, args.channel);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    if (args.before.has_value() && args.after.has_value()) {
        return error(ErrorCode::kInvalidArgument, "give before or after, not both");
    }
    const auto page =
        args.limit.value_or(static_cast<std::int64_t>(protocol::kDefaultHistoryLimit));
    if (page < 1 || page > static_cast<std::int64_t>(protocol::kMaxHistoryLimit)) {
        return error(ErrorCode::kInvalidArgument, "limit must be between 1 and 500");
    }
    const auto messages =
        store_.history(channel->sid, HistoryQuery{.before = args.before,
                                                  .after = args.after,
                                                  .limit = static_cast<std::size_t>(page),
                                                  .max_bytes = protocol::kMaxHistoryBytes});
    if (!messages) {
        return storeError(messages.error());
    }
    return protocol::messagesReply(toWire(*messages));
}

} // namespace parley::server
