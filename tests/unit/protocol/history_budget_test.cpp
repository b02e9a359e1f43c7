#include "protocol/history_budget.hpp"
#include "protocol/names.hpp"
#include "protocol/objects.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace parley::protocol {
namespace {

MessageObject messageWith(std::string author, std::string body, std::string attributes = "{}") {
    return MessageObject{.sid = "IM" + std::string(32, 'f'),
                         .index = std::numeric_limits<std::int64_t>::max(),
                         .channel = "CH" + std::string(32, 'e'),
                         .author = std::move(author),
                         .body = std::move(body),
                         .attributes_json = std::move(attributes),
                         .date_created = std::numeric_limits<std::int64_t>::max()};
}

std::size_t encodedSize(const MessageObject& message) {
    return toJson(message).dump().size();
}

std::size_t counted(const MessageObject& message) {
    return historyBytes(message.author, message.body, message.attributes_json);
}

TEST(HistoryBytes, IsAtLeastWhatTheMessageTakesInAReply) {
    std::string controls;
    for (int c = 0; c < 0x20; ++c) {
        controls += static_cast<char>(c);
    }
    for (const auto& message : {
             messageWith("alice", "plain"),
             messageWith("", ""),
             messageWith("bob \"the\" \\ builder", "quotes \" and \\ backslashes"),
             messageWith("carol", controls + controls),
             messageWith("dave", "caf\xc3\xa9 \xe2\x82\xac", R"({"k":[1,2,{"n":null}]})"),
         }) {
        EXPECT_GE(counted(message), encodedSize(message)) << toJson(message).dump();
        EXPECT_LE(counted(message), encodedSize(message) + 256) << "close to the real size";
    }
}

TEST(HistoryBytes, NoAcceptedMessageCountsMoreThanTheLargestOne) {
    const std::string worst_body(kMaxBodyBytes, '\x01');
    const std::string worst_author(std::size_t{16} * 1024, '\x01');
    const std::string worst_attributes =
        R"({"a":")" + std::string(kMaxAttributesBytes - 8, 'x') + R"("})";
    EXPECT_LE(historyBytes(worst_author, worst_body, worst_attributes), kMaxHistoryMessageBytes);
    EXPECT_LT(kMaxHistoryMessageBytes, kMaxHistoryBytes) << "a page always has room for one";
}

TEST(HistoryBytes, APageIsTakenAsCutShortOnlyNearTheCap) {
    EXPECT_FALSE(mayBeCutShort(0));
    EXPECT_FALSE(mayBeCutShort(kMaxHistoryBytes - kMaxHistoryMessageBytes));
    EXPECT_TRUE(mayBeCutShort(kMaxHistoryBytes - kMaxHistoryMessageBytes + 1));
    EXPECT_TRUE(mayBeCutShort(kMaxHistoryBytes));
}

} // namespace
} // namespace parley::protocol
