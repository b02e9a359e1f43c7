#pragma once

// The store's rows as the protocol's objects (src/protocol/objects.hpp), for replies, events and
// the REST API. Times become unix milliseconds.

#include "protocol/objects.hpp"
#include "server/store/store.hpp"

#include <vector>

namespace parley::server {

protocol::ChannelObject toWire(const Channel& channel);
protocol::MemberObject toWire(const Member& member);
protocol::MessageObject toWire(const Message& message);

template <typename Row> auto toWire(const std::vector<Row>& rows) {
    std::vector<decltype(toWire(rows.front()))> out;
    out.reserve(rows.size());
    for (const Row& row : rows) {
        out.push_back(toWire(row));
    }
    return out;
}

} // namespace parley::server
