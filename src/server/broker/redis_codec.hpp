#pragma once

// How a ChannelEvent travels through Redis pub/sub between nodes: a few fixed bytes and three
// length-prefixed strings. The kind travels as its number, so a kind added later passes through
// this codec unchanged (a node only has to know the kinds it acts on).
//
//   "PE1" | kind: u8 | index: i64 LE | channel, identity, frame: (u32 LE length, bytes) each
//
// The bytes come from the network (any client of the Redis server may publish), so decoding
// checks every length against what is left and refuses more than kMaxEncodedEventBytes.

#include "server/broker/broker.hpp"

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

namespace parley::server {

/// Larger than any event frame a node makes (one message of at most 64 KiB plus its envelope).
inline constexpr std::size_t kMaxEncodedEventBytes = std::size_t{1} << 20U;

enum class EventDecodeError {
    kTooLarge,
    kBadMagic,
    kTruncated,
    kTrailingBytes,
};

std::string encodeEvent(const ChannelEvent& event);
std::expected<ChannelEvent, EventDecodeError> decodeEvent(std::string_view bytes);
std::string_view describe(EventDecodeError error);

} // namespace parley::server
