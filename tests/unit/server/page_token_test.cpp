#include "server/page_token.hpp"
#include "token/base64url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::server {
namespace {

const std::string kSid = "CH0123456789abcdef0123456789abcdef";

TEST(PageToken, AChannelsTokenReadsBackItsSid) {
    const std::string token = channelsPageToken(kSid);
    EXPECT_EQ(readChannelsPageToken(token), kSid);
    EXPECT_EQ(token.find('|'), std::string::npos) << "opaque: no readable structure";
}

TEST(PageToken, AMessagesTokenReadsBackItsCursor) {
    for (const MessagesCursor& cursor :
         {MessagesCursor{.channel_sid = kSid, .upward = true, .index = 0},
          MessagesCursor{.channel_sid = kSid, .upward = false, .index = 9'000'000'000}}) {
        EXPECT_EQ(readMessagesPageToken(messagesPageToken(cursor)), cursor);
    }
}

TEST(PageToken, RefusesAnythingItDidNotMake) {
    const auto encoded = [](std::string_view text) { return token::base64url::encode(text); };
    for (const std::string& token : {
             std::string{}, std::string{"not base64!"}, encoded("1|c"),
             encoded("2|c|" + kSid),                            // another version
             encoded("1|x|" + kSid),                            // another list
             encoded("1|c|" + kSid + "|extra"),                 // a field too many
             encoded("1|c|CH0123"),                             // too short a SID
             encoded("1|c|IM0123456789abcdef0123456789abcdef"), // not a channel
             encoded("1|c|CH0123456789ABCDEF0123456789ABCDEF"), // not our hex
         }) {
        EXPECT_EQ(readChannelsPageToken(token), std::nullopt) << token;
        EXPECT_EQ(readMessagesPageToken(token), std::nullopt) << token;
    }
    EXPECT_EQ(readMessagesPageToken(channelsPageToken(kSid)), std::nullopt);
    EXPECT_EQ(readChannelsPageToken(messagesPageToken({.channel_sid = kSid})), std::nullopt);
    for (const char* tail : {"|a|-1", "|a|", "|a|1x", "|z|1", "|a|99999999999999999999"}) {
        EXPECT_EQ(readMessagesPageToken(encoded("1|m|" + kSid + tail)), std::nullopt) << tail;
    }
}

TEST(PageToken, NextTokenOnlyWhenMoreFollows) {
    Channel last{.sid = kSid};
    EXPECT_EQ(nextChannelsPageToken(ChannelPage{.channels = {last}, .more = false}), std::nullopt);
    EXPECT_EQ(nextChannelsPageToken(ChannelPage{.channels = {}, .more = true}), std::nullopt);
    const auto next = nextChannelsPageToken(ChannelPage{.channels = {last}, .more = true});
    ASSERT_TRUE(next);
    EXPECT_EQ(readChannelsPageToken(*next), kSid);
}

} // namespace
} // namespace parley::server
