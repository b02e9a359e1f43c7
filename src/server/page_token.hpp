#pragma once

// The page_token of the paged lists (docs/protocol.md, "Paging"): a cursor the server hands out
// as next_page_token and reads back, opaque to clients (base64url of a versioned text). It names
// a position, never an offset, so a list that grows while a client pages neither skips nor
// repeats an item. It is not signed: a forged token can only name another position in a list
// its bearer may read anyway; every read checks its shape, and the store checks that the channel
// it names exists.

#include "server/store/store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::server {

/// A channel list continues after the channel with this SID.
std::string channelsPageToken(std::string_view last_channel_sid);
/// The SID in a channelsPageToken; nullopt for anything else (another list's token included).
std::optional<std::string> readChannelsPageToken(std::string_view token);

/// The next_page_token after `page`: nullopt on the last page.
std::optional<std::string> nextChannelsPageToken(const ChannelPage& page);

/// A REST message list continues from `index` of `channel_sid`: upward (index > it) or downward
/// (index < it), in the direction the first page was asked for.
struct MessagesCursor {
    std::string channel_sid;
    bool upward = false;
    std::int64_t index = 0;

    bool operator==(const MessagesCursor&) const = default;
};

std::string messagesPageToken(const MessagesCursor& cursor);
/// The cursor in a messagesPageToken; nullopt for anything else.
std::optional<MessagesCursor> readMessagesPageToken(std::string_view token);

} // namespace parley::server
