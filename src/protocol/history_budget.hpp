#pragma once

// How much a message.history reply may hold: at most kMaxHistoryBytes of messages, however many
// `limit` asked for, so one request cannot make the server build (and hold for a slow reader) a
// reply of 500 x 32 KiB. The server stops adding messages at the cap; a client that gets a page
// that may have been cut short pages on by index. Both count with historyBytes().

#include <cstddef>
#include <string_view>

namespace parley::protocol {

/// The most message data one history reply holds (docs/protocol.md, "message.history").
inline constexpr std::size_t kMaxHistoryBytes = std::size_t{1} << 20U;

/// An upper bound on the bytes one message takes in a reply: its strings JSON-escaped, plus
/// its field names, SIDs, index and date.
std::size_t historyBytes(std::string_view author, std::string_view body,
                         std::string_view attributes_json);

/// The most historyBytes() can be for an accepted message: a body of control characters
/// (6 bytes each escaped), the largest attributes, an identity as long as a token allows.
/// A page whose messages count more than kMaxHistoryBytes minus this may have been cut short
/// by the cap rather than by the end of the history.
inline constexpr std::size_t kMaxHistoryMessageBytes =
    256 + 6 * (std::size_t{32} * 1024 + std::size_t{16} * 1024) + std::size_t{16} * 1024 + 8;

/// Whether a page whose messages count `page_bytes` may have more after it than the cap let in.
constexpr bool mayBeCutShort(std::size_t page_bytes) {
    return page_bytes + kMaxHistoryMessageBytes > kMaxHistoryBytes;
}

} // namespace parley::protocol
