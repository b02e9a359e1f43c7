// message.send: checked on any worker, then committed with the other sends of its channel that
// are waiting (the group commit described in chat_service.hpp).

#include "protocol/replies.hpp"
#include "server/chat_service.hpp"
#include "server/chat_service_internal.hpp"
#include "server/sid.hpp"
#include "server/wire_objects.hpp"

#include <algorithm>
#include <utility>

namespace parley::server {

using namespace chat_detail;

void ChatService::send(const std::string& identity, const protocol::Json& frame,
                       token::TimePoint valid_until, Done done) {
    auto args = protocol::decodeArgs<protocol::MessageSendRequest>(frame);
    if (!args) {
        done(shapeFailure(args.error()));
        return;
    }
    // One store read per send once the channel is cached: membership, which also decides
    // whether a private channel is visible (as visibleChannel does for the other ops).
    auto channel = findChannel(args->channel);
    if (!channel) {
        done(std::unexpected(channel.error()));
        return;
    }
    const auto member = isMember(channel->sid, identity);
    if (!member) {
        done(std::unexpected(member.error()));
        return;
    }
    if (!*member) {
        done(channel->type == ChannelType::kPrivate
                 ? error(ErrorCode::kChannelNotFound)
                 : error(ErrorCode::kNotAMember, "join the channel before sending to it"));
        return;
    }
    enqueue(channel->sid, PendingSend{.identity = identity,
                                      .args = std::move(*args),
                                      .valid_until = valid_until,
                                      .done = std::move(done)});
}

std::expected<Channel, OpError> ChatService::findChannel(const std::string& reference) {
    {
        const std::lock_guard lock{channels_mutex_};
        if (const auto found = channels_.find(reference); found != channels_.end()) {
            return found->second;
        }
    }
    auto channel = store_.findChannel(reference);
    if (!channel) {
        return storeError(channel.error());
    }
    const std::lock_guard lock{channels_mutex_};
    if (channels_.size() >= kMaxCachedChannels) {
        channels_.clear();
    }
    channels_.emplace(reference, *channel);
    return std::move(*channel);
}

void ChatService::enqueue(const std::string& channel, PendingSend pending) {
    bool schedule = false;
    {
        const std::lock_guard lock{sends_mutex_};
        auto [queue, created] = sends_.try_emplace(channel);
        queue->second.push_back(std::move(pending));
        schedule = created;
    }
    if (schedule) {
        workers_.postOrdered(channel, [this, channel] { drain(channel); });
    }
}

void ChatService::drain(const std::string& channel) {
    auto batch = takeBatch(channel);
    if (!batch.empty()) {
        commit(channel, std::move(batch));
    }
}

std::vector<ChatService::PendingSend> ChatService::takeBatch(const std::string& channel) {
    std::vector<PendingSend> batch;
    bool more = false;
    {
        const std::lock_guard lock{sends_mutex_};
        const auto found = sends_.find(channel);
        if (found == sends_.end()) {
            return batch;
        }
        auto& queue = found->second;
        std::size_t bytes = 0;
        while (!queue.empty() && batch.size() < options_.max_batch) {
            const auto& args = queue.front().args;
            bytes += args.body.size() + args.attributes_json.size();
            if (!batch.empty() && bytes > options_.max_batch_bytes) {
                break;
            }
            batch.push_back(std::move(queue.front()));
            queue.pop_front();
        }
        more = !queue.empty();
        if (!more) {
            sends_.erase(found); // the next send schedules the next drain
        }
    }
    if (more) {
        // Queued behind this drain on the strand, so its batch is committed and published after
        // this one; sends arriving meanwhile join it.
        workers_.postOrdered(channel, [this, channel] { drain(channel); });
    }
    return batch;
}

void ChatService::commit(const std::string& channel, std::vector<PendingSend> batch) {
    // The date the messages are stored with is the instant checked against exp: a send may have
    // waited behind earlier commits.
    const token::TimePoint now = clock_.now();
    std::vector<NewMessage> messages;
    std::vector<PendingSend> senders;
    messages.reserve(batch.size());
    senders.reserve(batch.size());
    for (PendingSend& pending : batch) {
        if (now >= pending.valid_until) {
            pending.done(tokenExpired(pending.valid_until));
            continue;
        }
        messages.push_back(NewMessage{.sid = makeOrderedSid("IM", now),
                                      .channel_sid = channel,
                                      .author = pending.identity,
                                      .body = std::move(pending.args.body),
                                      .attributes_json = std::move(pending.args.attributes_json),
                                      .now = now});
        senders.push_back(std::move(pending));
    }
    if (messages.empty()) {
        return;
    }
    const auto started = std::chrono::steady_clock::now();
    const auto stored = store_.appendMessages(messages);
    if (!stored) {
        for (PendingSend& sender : senders) {
            sender.done(storeError(stored.error()));
        }
        return;
    }
    const auto latency = std::chrono::steady_clock::now() - started;
    acknowledge(channel, *stored, senders, latency);
}

void ChatService::acknowledge(const std::string& channel, const std::vector<Message>& stored,
                              std::vector<PendingSend>& senders,
                              std::chrono::nanoseconds commit_latency) {
    metrics_.messagesStored(stored.size(), commit_latency);
    std::vector<ChannelEvent> events;
    events.reserve(stored.size());
    for (std::size_t i = 0; i < stored.size(); ++i) {
        const Message& message = stored[i];
        const protocol::MessageObject wire = toWire(message);
        events.push_back(ChannelEvent{
            .kind = ChannelEvent::Kind::kMessage,
            .channel = channel,
            .identity = message.author,
            .index = message.index,
            .frame = std::make_shared<const std::string>(protocol::messageEvent(wire))});
        senders[i].done(protocol::messageReply(wire));
    }
    // After every reply of the batch, in index order, with one hand-over to the broker.
    broker_.publishAll(channelTopic(channel), std::move(events));
}

} // namespace parley::server
