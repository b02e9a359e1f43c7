#include "client/channel_sync.hpp"

#include "protocol/codes.hpp"
#include "protocol/history_budget.hpp"
#include "protocol/names.hpp"

namespace parley::client {

namespace {

// The protocol's largest page: the fewest round trips to catch up.
constexpr auto kCatchUpPage = static_cast<std::int64_t>(protocol::kMaxHistoryLimit);

// A history page of `channel_sid`, without what the server should not have put in it: a message
// of another channel would otherwise take an index in this one's sequence.
std::expected<std::vector<Message>, Error> pageOf(const std::string& channel_sid,
                                                  const std::expected<Json, Error>& reply) {
    if (!reply) {
        return std::unexpected(reply.error());
    }
    auto page = messagesFromReply(*reply);
    if (page) {
        std::erase_if(*page,
                      [&](const Message& message) { return message.channel != channel_sid; });
    }
    return page;
}

} // namespace

void ChannelSync::joined(const std::string& channel_sid, bool brand_new) {
    auto [tracked, inserted] = channels_.try_emplace(channel_sid);
    if (!inserted) {
        return;
    }
    if (brand_new) {
        deliver(tracked->second.sequencer.setBaseline(std::nullopt)); // empty when created
    } else {
        fetchBaseline(channel_sid);
    }
}

void ChannelSync::left(const std::string& channel_sid) {
    channels_.erase(channel_sid);
}

void ChannelSync::onLiveMessage(Message&& message) {
    const std::string sid = message.channel;
    auto [tracked, inserted] = channels_.try_emplace(sid);
    if (inserted) {
        // Joined elsewhere: its messages flow from here on, and are caught up after reconnects
        // like any other channel's.
        deliver(tracked->second.sequencer.setBaseline(message.index - 1));
    }
    deliver(tracked->second.sequencer.acceptLive(std::move(message)));
    if (tracked->second.sequencer.hasGap()) {
        fetchAfter(sid);
    }
}

void ChannelSync::deliver(std::vector<Message> messages) {
    for (auto& message : messages) {
        deliver_(std::move(message));
    }
}

// The newest index at join time: what came before is history, not news.
void ChannelSync::fetchBaseline(const std::string& channel_sid) {
    call(protocol::MessageHistoryRequest{.channel = channel_sid, .limit = 1},
         [this, channel_sid](const std::expected<Json, Error>& reply) {
             const auto tracked = channels_.find(channel_sid);
             if (tracked == channels_.end() || !reply) {
                 return; // left meanwhile, or the connection broke: resync sets it up again
             }
             auto page = pageOf(channel_sid, reply);
             std::optional<std::int64_t> latest;
             if (page && !page->empty()) {
                 latest = page->back().index;
             }
             deliver(tracked->second.sequencer.setBaselineFromHistory(latest));
             if (tracked->second.sequencer.hasGap()) {
                 fetchAfter(channel_sid);
             }
         });
}

void ChannelSync::fetchAfter(const std::string& channel_sid) {
    const auto tracked = channels_.find(channel_sid);
    if (tracked == channels_.end() || tracked->second.fetching ||
        !tracked->second.sequencer.hasBaseline()) {
        return;
    }
    tracked->second.fetching = true;
    call(protocol::MessageHistoryRequest{.channel = channel_sid,
                                         .after = tracked->second.sequencer.lastIndex(),
                                         .limit = kCatchUpPage},
         [this, channel_sid](const std::expected<Json, Error>& reply) {
             onPage(channel_sid, reply);
         });
}

void ChannelSync::onPage(const std::string& channel_sid, const std::expected<Json, Error>& reply) {
    const auto found = channels_.find(channel_sid);
    if (found == channels_.end()) {
        return;
    }
    found->second.fetching = false;
    auto page = pageOf(channel_sid, reply);
    if (!page) {
        return; // retried on the next gap or reconnect
    }
    // A page ends before `limit` at the end of the history, or at the server's byte cap: a page
    // large enough to have met the cap is followed by another, until one is not.
    const bool full = static_cast<std::int64_t>(page->size()) == kCatchUpPage;
    std::size_t bytes = 0;
    for (const auto& message : *page) {
        bytes += protocol::historyBytes(message.author, message.body, message.attributes);
    }
    const auto before = found->second.sequencer.lastIndex();
    for (auto& message : *page) {
        deliver(found->second.sequencer.accept(std::move(message)));
    }
    const bool advanced = found->second.sequencer.lastIndex() != before;
    if (((full || protocol::mayBeCutShort(bytes)) && advanced) ||
        found->second.sequencer.hasGap()) {
        fetchAfter(channel_sid);
    }
}

void ChannelSync::resync() {
    std::vector<std::string> sids;
    for (auto& [sid, tracked] : channels_) {
        tracked.fetching = false;
        sids.push_back(sid);
    }
    for (const auto& sid : sids) {
        call(protocol::ChannelJoinRequest{.channel = sid},
             [this, sid](const std::expected<Json, Error>& reply) {
                 if (!reply) {
                     if (reply.error().code ==
                         static_cast<int>(protocol::ErrorCode::kChannelNotFound)) {
                         left(sid); // the channel is gone, or no longer visible to us
                     }
                     return;
                 }
                 const auto tracked = channels_.find(sid);
                 if (tracked == channels_.end()) {
                     return;
                 }
                 if (tracked->second.sequencer.hasBaseline()) {
                     fetchAfter(sid);
                 } else {
                     fetchBaseline(sid);
                 }
             });
    }
}

} // namespace parley::client
