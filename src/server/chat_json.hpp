#pragma once

// The JSON shapes of channels, members and messages, as replies, events and the REST API show
// them (docs/protocol.md). Times are unix milliseconds.

#include "protocol/frame.hpp"
#include "server/store/store.hpp"

namespace parley::server {

protocol::Json channelJson(const Channel& channel);
protocol::Json memberJson(const Member& member);
protocol::Json messageJson(const Message& message);

} // namespace parley::server
