#pragma once

// What a hub reads from the store when its broker may have lost events: a channel's messages
// after the last index it delivered, as the events the chat service would have published, and an
// identity's channels (its membership events are not in the store, only their outcome). Reads run
// on a store worker, never on the broker's or an io thread.

#include "server/broker/broker.hpp"
#include "server/store/store.hpp"
#include "server/store_workers.hpp"

#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace parley::server {

class Backfill {
public:
    /// Messages per read; a full page means there may be more.
    static constexpr std::size_t kPage = 200;
    using Result = std::expected<std::vector<ChannelEvent>, StoreError>;
    using Done = std::function<void(Result)>;

    Backfill(Store& store, StoreWorkers& workers) : store_(store), workers_(workers) {}

    /// Calls `done` on a store worker with the channel's message events after index `after` in
    /// index order (at most kPage), or, when `after` is nullopt, with its newest one only (none
    /// if it has no message yet).
    void read(std::string channel, std::optional<std::int64_t> after, Done done);

    using Channels = StoreResult<std::vector<MemberChannel>>;
    /// Calls `done` on a store worker with the channels `identity` is a member of now.
    void channelsOf(std::string identity, std::function<void(Channels)> done);

private:
    Store& store_;
    StoreWorkers& workers_;
};

} // namespace parley::server
