#include "server/backfill.hpp"

#include "protocol/events.hpp"
#include "server/wire_objects.hpp"

#include <memory>
#include <utility>

namespace parley::server {

void Backfill::read(std::string channel, std::optional<std::int64_t> after, Done done) {
    workers_.post([this, channel = std::move(channel), after, done = std::move(done)] {
        const auto messages = store_.history(
            channel, HistoryQuery{.after = after, .limit = after.has_value() ? kPage : 1});
        if (!messages) {
            done(std::unexpected(messages.error()));
            return;
        }
        std::vector<ChannelEvent> events;
        events.reserve(messages->size());
        for (const Message& message : *messages) {
            events.push_back(ChannelEvent{
                .kind = ChannelEvent::Kind::kMessage,
                .channel = channel,
                .identity = message.author,
                .index = message.index,
                .frame =
                    std::make_shared<const std::string>(protocol::messageEvent(toWire(message))),
            });
        }
        done(std::move(events));
    });
}

void Backfill::channelsOf(std::string identity, std::function<void(Channels)> done) {
    workers_.post([this, identity = std::move(identity), done = std::move(done)] {
        done(store_.channelsOf(identity));
    });
}

} // namespace parley::server
