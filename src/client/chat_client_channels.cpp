// The channel half of ChatClient::Impl: events from the server, and the exactly-once, in-order
// delivery of messages across joins and reconnects (rejoin, then history after the last index).

#include "client/chat_client_impl.hpp"
#include "client/wire_types.hpp"

#include <parley/token/clock.hpp>

namespace parley::client {

namespace {

constexpr std::int64_t kHistoryPage = 500; // the protocol's largest page: fewest round trips

} // namespace

void ChatClient::Impl::onEvent(const Event& event) {
    const Json& body = event.body;
    if (event.name == "token_about_to_expire") {
        const auto expires_at = body.find("expires_at");
        if (expires_at != body.end() && expires_at->is_number_integer()) {
            lifecycle_.onServerAboutToExpire(
                token::UnixSeconds{std::chrono::seconds{expires_at->get<std::int64_t>()}});
        }
    } else if (event.name == "token_expired") {
        lifecycle_.onServerExpired();
    } else if (event.name == "message") {
        onMessageEvent(body);
    } else if (event.name == "member_joined" || event.name == "member_left") {
        const auto channel = body.find("channel");
        const auto identity = body.find("identity");
        if (channel == body.end() || !channel->is_string() || identity == body.end() ||
            !identity->is_string()) {
            return;
        }
        const auto sid = channel->get<std::string>();
        const auto who = identity->get<std::string>();
        if (event.name == "member_joined") {
            events_->emit([sid, who](ChatClientListener& l) { l.onMemberJoined(sid, who); });
        } else {
            if (who == identity_) {
                untrack(sid); // this identity left on another connection
            }
            events_->emit([sid, who](ChatClientListener& l) { l.onMemberLeft(sid, who); });
        }
    }
}

void ChatClient::Impl::onMessageEvent(const Json& body) {
    const auto field = body.find("message");
    if (field == body.end()) {
        return;
    }
    auto message = readMessage(*field);
    if (!message) {
        return;
    }
    const std::string sid = message->channel;
    auto [tracked, inserted] = channels_.try_emplace(sid);
    if (inserted) {
        // A channel this identity joined elsewhere (another device, an earlier run): its messages
        // flow from here on, and are caught up after reconnects like any other.
        deliver(tracked->second.sequencer.setBaseline(message->index - 1));
    }
    deliver(tracked->second.sequencer.accept(std::move(*message)));
    if (tracked->second.sequencer.hasGap()) {
        fetchAfter(sid);
    }
}

void ChatClient::Impl::deliver(std::vector<Message> messages) {
    for (auto& message : messages) {
        events_->emit([message = std::move(message)](ChatClientListener& listener) {
            listener.onMessageAdded(message);
        });
    }
}

void ChatClient::Impl::trackJoined(const Channel& channel, bool brand_new) {
    auto [tracked, inserted] = channels_.try_emplace(channel.sid);
    if (!inserted) {
        return;
    }
    if (brand_new) {
        deliver(tracked->second.sequencer.setBaseline(std::nullopt)); // empty when created
    } else {
        fetchBaseline(channel.sid);
    }
}

void ChatClient::Impl::untrack(const std::string& channel_sid) {
    channels_.erase(channel_sid);
}

// The newest index at join time: what came before is history, not news.
void ChatClient::Impl::fetchBaseline(const std::string& channel_sid) {
    sendNow("message.history", Json{{"channel", channel_sid}, {"limit", 1}},
            [this, channel_sid](Result<Json> reply) {
                const auto tracked = channels_.find(channel_sid);
                if (tracked == channels_.end() || !reply) {
                    return; // left meanwhile, or the connection broke: resync sets it up again
                }
                auto page = readArray<Message>(*reply, "messages", readMessage);
                std::optional<std::int64_t> latest;
                if (page && !page->empty()) {
                    latest = page->back().index;
                }
                deliver(tracked->second.sequencer.setBaseline(latest));
                if (tracked->second.sequencer.hasGap()) {
                    fetchAfter(channel_sid);
                }
            });
}

void ChatClient::Impl::fetchAfter(const std::string& channel_sid) {
    const auto tracked = channels_.find(channel_sid);
    if (tracked == channels_.end() || tracked->second.fetching ||
        !tracked->second.sequencer.hasBaseline() || !initialized_) {
        return;
    }
    tracked->second.fetching = true;
    const std::int64_t after = *tracked->second.sequencer.lastIndex();
    sendNow("message.history",
            Json{{"channel", channel_sid}, {"after", after}, {"limit", kHistoryPage}},
            [this, channel_sid](Result<Json> reply) {
                const auto found = channels_.find(channel_sid);
                if (found == channels_.end()) {
                    return;
                }
                found->second.fetching = false;
                if (!reply) {
                    return; // retried on the next gap or reconnect
                }
                auto page = readArray<Message>(*reply, "messages", readMessage);
                if (!page) {
                    return;
                }
                for (auto& message : *page) {
                    deliver(found->second.sequencer.accept(std::move(message)));
                }
                if (static_cast<std::int64_t>(page->size()) == kHistoryPage ||
                    found->second.sequencer.hasGap()) {
                    fetchAfter(channel_sid);
                }
            });
}

// After a reconnect: rejoin each channel, then fetch what was missed.
void ChatClient::Impl::resyncChannels() {
    for (auto& [sid, tracked] : channels_) {
        tracked.fetching = false;
        sendNow("channel.join", Json{{"channel", sid}}, [this, sid](Result<Json> reply) {
            if (!reply) {
                if (reply.error().code == 50100) {
                    untrack(sid); // the channel is gone, or no longer visible to us
                }
                return;
            }
            const auto tracked_channel = channels_.find(sid);
            if (tracked_channel == channels_.end()) {
                return;
            }
            if (tracked_channel->second.sequencer.hasBaseline()) {
                fetchAfter(sid);
            } else {
                fetchBaseline(sid);
            }
        });
    }
}

} // namespace parley::client
