#include "server/page_token.hpp"

#include "token/base64url.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

namespace parley::server {

namespace {

// Version 1 texts: "1|c|<channel SID>" and "1|m|<channel SID>|<a or b>|<index>". A later format
// takes another version, so a token from an older server is refused cleanly, not misread.
constexpr std::string_view kVersion = "1";
constexpr std::string_view kChannels = "c";
constexpr std::string_view kMessages = "m";
constexpr char kSeparator = '|';

bool isChannelSid(std::string_view sid) {
    constexpr std::size_t kHexDigits = 32;
    return sid.size() == 2 + kHexDigits && sid.starts_with("CH") &&
           std::ranges::all_of(sid.substr(2), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

std::vector<std::string_view> split(std::string_view text) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = text.find(kSeparator, start);
        parts.push_back(text.substr(start, end - start));
        if (end == std::string_view::npos) {
            return parts;
        }
        start = end + 1;
    }
}

std::string join(std::initializer_list<std::string_view> parts) {
    std::string text;
    for (const std::string_view part : parts) {
        if (!text.empty()) {
            text += kSeparator;
        }
        text += part;
    }
    return token::base64url::encode(text);
}

// The token's fields, if it is a version-1 token of `list` with `count` fields in all.
std::optional<std::vector<std::string_view>> fieldsOf(const std::string& text,
                                                      std::string_view list, std::size_t count) {
    auto parts = split(text);
    if (parts.size() != count || parts[0] != kVersion || parts[1] != list) {
        return std::nullopt;
    }
    return parts;
}

} // namespace

std::string channelsPageToken(std::string_view last_channel_sid) {
    return join({kVersion, kChannels, last_channel_sid});
}

std::optional<std::string> readChannelsPageToken(std::string_view token) {
    const auto text = token::base64url::decode(token);
    if (!text) {
        return std::nullopt;
    }
    const auto parts = fieldsOf(*text, kChannels, 3);
    if (!parts || !isChannelSid((*parts)[2])) {
        return std::nullopt;
    }
    return std::string{(*parts)[2]};
}

std::optional<std::string> nextChannelsPageToken(const ChannelPage& page) {
    if (!page.more || page.channels.empty()) {
        return std::nullopt;
    }
    return channelsPageToken(page.channels.back().sid);
}

std::string messagesPageToken(const MessagesCursor& cursor) {
    const std::string index = std::to_string(cursor.index);
    return join({kVersion, kMessages, cursor.channel_sid, cursor.upward ? "a" : "b", index});
}

std::optional<MessagesCursor> readMessagesPageToken(std::string_view token) {
    const auto text = token::base64url::decode(token);
    if (!text) {
        return std::nullopt;
    }
    const auto parts = fieldsOf(*text, kMessages, 5);
    if (!parts || !isChannelSid((*parts)[2]) || ((*parts)[3] != "a" && (*parts)[3] != "b")) {
        return std::nullopt;
    }
    const std::string_view digits = (*parts)[4];
    std::int64_t index = 0;
    const auto [end, failure] =
        std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (failure != std::errc{} || end != digits.data() + digits.size() || index < 0) {
        return std::nullopt;
    }
    return MessagesCursor{
        .channel_sid = std::string{(*parts)[2]}, .upward = (*parts)[3] == "a", .index = index};
}

} // namespace parley::server
