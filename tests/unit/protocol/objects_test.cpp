#include "protocol/events.hpp"
#include "protocol/json_text.hpp"
#include "protocol/names.hpp"
#include "protocol/objects.hpp"
#include "protocol/replies.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace parley::protocol {
namespace {

const MessageObject kMessage{.sid = "IM1",
                             .index = 3,
                             .channel = "CH1",
                             .author = "alice",
                             .body = "hi",
                             .attributes_json = R"({"a":1})",
                             .date_created = 1800000000000};

TEST(Objects, AMessageRoundTripsWithAttributesAsAnObject) {
    const Json json = toJson(kMessage);
    EXPECT_EQ(json.at("attributes"), (Json{{"a", 1}}));
    const auto read = readMessage(json);
    ASSERT_TRUE(read);
    EXPECT_EQ(*read, kMessage);
}

TEST(Objects, AMessageWithAMissingOrMistypedFieldOrANegativeIndexIsRefused) {
    for (const char* field : {"sid", "index", "channel", "author", "body"}) {
        Json json = toJson(kMessage);
        json.erase(field);
        EXPECT_FALSE(readMessage(json)) << field;
        json[field] = Json::array();
        EXPECT_FALSE(readMessage(json)) << field;
    }
    Json negative = toJson(kMessage);
    negative["index"] = -1;
    EXPECT_FALSE(readMessage(negative));
    EXPECT_FALSE(readMessage(Json::array()));
}

TEST(Objects, AChannelNeedsSidUniqueNameAndAKnownType) {
    const ChannelObject channel{
        .sid = "CH1", .unique_name = "general", .type = ChannelType::kPrivate};
    const auto read = readChannel(toJson(channel));
    ASSERT_TRUE(read);
    EXPECT_EQ(*read, channel);
    Json unknown = toJson(channel);
    unknown["type"] = "secret";
    EXPECT_FALSE(readChannel(unknown));
    Json no_sid = toJson(channel);
    no_sid.erase("sid");
    EXPECT_FALSE(readChannel(no_sid));
}

TEST(Objects, RepliesWithoutTheirFieldAreRefused) {
    EXPECT_FALSE(readChannelReply(Json::object()));
    EXPECT_FALSE(readMessagesReply(Json{{"messages", Json::object()}}));
    EXPECT_FALSE(readMessagesReply(Json{{"messages", {toJson(kMessage), Json::object()}}}));
    EXPECT_FALSE(readTokenReply(Json{{"identity", "a"}, {"expires_at", 1}}));
    EXPECT_FALSE(readPingReply(Json{{"server_time", "now"}}));
}

TEST(Events, AServerFrameIsAReplyOrAnEventAndNothingElse) {
    EXPECT_FALSE(parseServerFrame("[]"));
    EXPECT_FALSE(parseServerFrame(R"({"reply_to":-1,"ok":true})"));
    EXPECT_FALSE(parseServerFrame(R"({"reply_to":1})"));
    EXPECT_FALSE(parseServerFrame(R"({"reply_to":1,"ok":false,"error":{"code":"x"}})"));
    EXPECT_FALSE(parseServerFrame(R"({"something":1})"));
    const auto unknown = parseServerFrame(R"({"event":"from_the_future","server_time":5})");
    ASSERT_TRUE(unknown);
    const auto& event = std::get<Event>(*unknown);
    EXPECT_FALSE(event.kind.has_value());
    EXPECT_EQ(event.server_time, 5);
    EXPECT_FALSE(parseServerFrame(std::string(kMaxServerFrameBytes + 1, ' ')));
}

// messageEvent writes its frame field by field; a frame built as a json object and dumped is the
// reference, byte for byte: escapes, UTF-8 (and bytes that are not), attributes empty or not,
// extreme integers.
TEST(Events, AMessageEventIsTheBytesOfTheSameEventBuiltAsJson) {
    std::vector<MessageObject> messages{kMessage};
    messages.push_back({.sid = "IM\"quoted\"",
                        .index = 0,
                        .channel = "CH\u00e9",
                        .author = "",
                        .body = "tab\t nl\n ctl\x01 \\ / \u20ac \xff\xfe",
                        .attributes_json = "{}",
                        .date_created = -1});
    messages.push_back({.sid = "IM2",
                        .index = std::numeric_limits<std::int64_t>::max(),
                        .channel = "CH2",
                        .author = "b\"o\"b",
                        .body = std::string(300, 'x'),
                        .attributes_json = R"({"z":[1,"\u00e9",{"a":null}],"b":true})",
                        .date_created = std::numeric_limits<std::int64_t>::min()});
    messages.push_back({.sid = "IM3", .attributes_json = "not json"});
    for (const MessageObject& message : messages) {
        const Json reference = {
            {"event", event::kMessage}, {"channel", message.channel}, {"message", toJson(message)}};
        EXPECT_EQ(messageEvent(message), compactJson(reference)) << message.body;
    }
}

} // namespace
} // namespace parley::protocol
