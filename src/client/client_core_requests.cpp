// The chat half of ClientCore: the operations as protocol requests, their replies as SDK types,
// and the server's events.

#include "client/client_core.hpp"
#include "protocol/codes.hpp"
#include "protocol/json_text.hpp"
#include "protocol/names.hpp"
#include "protocol/paging.hpp"

#include <algorithm>
#include <iterator>

namespace parley::client {

namespace {

// A request's reply read by `read` (a from_protocol reader) into what `done` takes.
template <typename T, typename Read> ReplyHandler reading(Read read, ClientCore::Done<T> done) {
    return [read, done = std::move(done)](const Result<Json>& reply) {
        if (!reply) {
            done(std::unexpected(reply.error()));
            return;
        }
        done(read(*reply));
    };
}

// Attributes as the SDK takes them (JSON text, empty for none), checked here so that what the
// server would refuse (invalid attributes) is refused with the same code before it is sent.
std::expected<std::string, Error> attributesOf(std::string_view text) {
    if (text.empty()) {
        return std::string{"{}"};
    }
    auto parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object()) {
        return std::unexpected(
            Error{.code = static_cast<int>(protocol::ErrorCode::kInvalidAttributes),
                  .message = std::string{describe(protocol::ErrorCode::kInvalidAttributes)}});
    }
    return protocol::compactJson(parsed);
}

} // namespace

void ClientCore::submit(std::string_view op, Json args, ReplyHandler on_reply) {
    if (state_ == ConnectionState::kShutDown) {
        on_reply(std::unexpected(Error::client(ClientErrorCode::kShutDown)));
    } else {
        // Queued (bounded) until a connection has done init and the server's rate lets it go.
        requests_.enqueue(op, std::move(args), std::move(on_reply), RequestTable::Lane::kApp);
        pump();
    }
}

void ClientCore::createChannel(std::string unique_name, bool is_private, std::string friendly_name,
                               std::string_view attributes_json, Done<Channel> done) {
    auto attributes = attributesOf(attributes_json);
    if (!attributes) {
        done(std::unexpected(attributes.error()));
        return;
    }
    protocol::ChannelCreateRequest request{.unique_name = std::move(unique_name),
                                           .type = is_private ? protocol::ChannelType::kPrivate
                                                              : protocol::ChannelType::kPublic,
                                           .attributes_json = std::move(*attributes)};
    if (!friendly_name.empty()) {
        request.friendly_name = std::move(friendly_name);
    }
    submit(request, reading<Channel>(channelFromReply,
                                     [this, done = std::move(done)](Result<Channel> channel) {
                                         if (channel) {
                                             channels_.joined(channel->sid, /*brand_new=*/true);
                                         }
                                         done(std::move(channel));
                                     }));
}

void ClientCore::listChannels(Done<std::vector<Channel>> done) {
    listChannelsFrom(std::nullopt, {}, std::move(done));
}

// Pages on until the server says the list is complete, so an app gets every channel in one
// result, as it did before the server paged. Pages are as large as the server allows, to take
// the fewest round trips. A page that names a next one but brings nothing would never end: it is
// a bad reply.
void ClientCore::listChannelsFrom(std::optional<std::string> page_token,
                                  std::vector<Channel> so_far, Done<std::vector<Channel>> done) {
    protocol::ChannelListRequest request{
        .page = {.page_size = static_cast<std::int64_t>(protocol::kMaxPageSize),
                 .page_token = std::move(page_token)}};
    submit(request, [this, so_far = std::move(so_far),
                     done = std::move(done)](const Result<Json>& reply) mutable {
        if (!reply) {
            done(std::unexpected(reply.error()));
            return;
        }
        auto page = channelsFromReply(*reply);
        if (!page) {
            done(std::unexpected(page.error()));
            return;
        }
        if (page->next_page_token && page->channels.empty()) {
            done(std::unexpected(
                Error::client(ClientErrorCode::kBadReply, "a channel page without channels")));
            return;
        }
        std::ranges::move(page->channels, std::back_inserter(so_far));
        if (!page->next_page_token) {
            done(std::move(so_far));
            return;
        }
        listChannelsFrom(std::move(page->next_page_token), std::move(so_far), std::move(done));
    });
}

void ClientCore::join(std::string channel, Done<Channel> done) {
    submit(
        protocol::ChannelJoinRequest{.channel = std::move(channel)},
        reading<Channel>(channelFromReply, [this, done = std::move(done)](Result<Channel> joined) {
            if (joined) {
                channels_.joined(joined->sid, /*brand_new=*/false);
            }
            done(std::move(joined));
        }));
}

void ClientCore::leave(std::string channel, Done<Channel> done) {
    submit(protocol::ChannelLeaveRequest{.channel = std::move(channel)},
           reading<Channel>(channelFromReply, [this, done = std::move(done)](Result<Channel> left) {
               if (left) {
                   channels_.left(left->sid);
               }
               done(std::move(left));
           }));
}

void ClientCore::members(std::string channel, Done<std::vector<Member>> done) {
    submit(protocol::ChannelMembersRequest{.channel = std::move(channel)},
           reading<std::vector<Member>>(membersFromReply, std::move(done)));
}

void ClientCore::addMember(std::string channel, std::string identity, Done<Channel> done) {
    submit(protocol::ChannelAddMemberRequest{.channel = std::move(channel),
                                             .identity = std::move(identity)},
           reading<Channel>(channelFromReply, std::move(done)));
}

void ClientCore::send(std::string channel, std::string body, std::string_view attributes_json,
                      Done<Message> done) {
    if (body.size() > protocol::kMaxBodyBytes) {
        // Refused here, with the server's code for it, rather than sent to be refused.
        done(std::unexpected(Error{.code = static_cast<int>(protocol::ErrorCode::kBodyTooLarge),
                                   .message = "message too long: " + std::to_string(body.size()) +
                                              " bytes, at most " +
                                              std::to_string(protocol::kMaxBodyBytes)}));
        return;
    }
    auto attributes = attributesOf(attributes_json);
    if (!attributes) {
        done(std::unexpected(attributes.error()));
        return;
    }
    submit(protocol::MessageSendRequest{.channel = std::move(channel),
                                        .body = std::move(body),
                                        .attributes_json = std::move(*attributes)},
           reading<Message>(messageFromReply, std::move(done)));
}

void ClientCore::history(std::string channel, ChatClient::HistoryQuery query,
                         Done<std::vector<Message>> done) {
    submit(protocol::MessageHistoryRequest{.channel = std::move(channel),
                                           .before = query.before,
                                           .after = query.after,
                                           .limit = static_cast<std::int64_t>(query.limit)},
           reading<std::vector<Message>>(messagesFromReply, std::move(done)));
}

void ClientCore::ping(Done<UnixMillis> done) {
    submit(protocol::PingRequest{}, [this, done = std::move(done)](const Result<Json>& reply) {
        Result<UnixMillis> result = reply ? serverTimeFromReply(*reply)
                                          : Result<UnixMillis>{std::unexpected(reply.error())};
        if (state_ == ConnectionState::kShutDown) {
            done(result); // the dispatcher delivers nothing more
            return;
        }
        // Through the dispatcher, behind the events already queued.
        events_->deliver([done, result] { done(result); });
    });
}

void ClientCore::onEvent(const protocol::Event& event) {
    if (!event.kind) {
        return; // an event this version does not know
    }
    switch (*event.kind) {
    case protocol::EventKind::kTokenAboutToExpire:
        if (auto expires_at = expiryFromEvent(event.body)) {
            lifecycle_.onServerAboutToExpire(*expires_at);
        }
        break;
    case protocol::EventKind::kTokenExpired:
        lifecycle_.onServerExpired();
        break;
    case protocol::EventKind::kMessage:
        if (auto message = messageFromEvent(event.body)) {
            channels_.onLiveMessage(std::move(*message));
        }
        break;
    case protocol::EventKind::kMemberJoined:
    case protocol::EventKind::kMemberLeft:
        onMemberEvent(*event.kind, event.body);
        break;
    }
}

void ClientCore::onMemberEvent(protocol::EventKind kind, const Json& event) {
    auto member = memberFromEvent(event);
    if (!member) {
        return;
    }
    if (kind == protocol::EventKind::kMemberJoined) {
        events_->emit([member = *member](ChatClientListener& listener) {
            listener.onMemberJoined(member.channel, member.identity);
        });
        return;
    }
    if (member->identity == identity()) {
        channels_.left(member->channel); // this identity left on another connection
    }
    events_->emit([member = *member](ChatClientListener& listener) {
        listener.onMemberLeft(member.channel, member.identity);
    });
}

} // namespace parley::client
