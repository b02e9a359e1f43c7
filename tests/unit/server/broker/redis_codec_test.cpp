// The bytes a ChannelEvent travels as between nodes (they come from the network: any client of
// the Redis server may publish on a topic).

#include "server/broker/redis_codec.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace parley::server {
namespace {

ChannelEvent sample() {
    return ChannelEvent{.kind = ChannelEvent::Kind::kMemberJoined,
                        .channel = "CH1",
                        .identity = std::string{"b\0b", 3},
                        .index = 1234567890123,
                        .frame = std::make_shared<const std::string>("{\"event\":\"x\"}")};
}

TEST(RedisCodec, KeepsEveryField) {
    const auto decoded = decodeEvent(encodeEvent(sample()));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->kind, ChannelEvent::Kind::kMemberJoined);
    EXPECT_EQ(decoded->channel, "CH1");
    EXPECT_EQ(decoded->identity, std::string("b\0b", 3));
    EXPECT_EQ(decoded->index, 1234567890123);
    EXPECT_EQ(*decoded->frame, "{\"event\":\"x\"}");
}

TEST(RedisCodec, KeepsANegativeIndexAndAnEmptyFrame) {
    ChannelEvent event = sample();
    event.index = -1;
    event.frame = nullptr;
    const auto decoded = decodeEvent(encodeEvent(event));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->index, -1);
    EXPECT_EQ(*decoded->frame, "");
}

// A kind this build does not know (a newer node's) travels as its number.
TEST(RedisCodec, CarriesAKindItDoesNotKnowUnchanged) {
    ChannelEvent event = sample();
    event.kind = static_cast<ChannelEvent::Kind>(42);
    const auto decoded = decodeEvent(encodeEvent(event));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(static_cast<int>(decoded->kind), 42);
}

TEST(RedisCodec, RefusesBytesThatAreNotAnEvent) {
    EXPECT_EQ(decodeEvent("").error(), EventDecodeError::kBadMagic);
    EXPECT_EQ(decodeEvent("hello world").error(), EventDecodeError::kBadMagic);
}

TEST(RedisCodec, RefusesEveryTruncation) {
    const std::string bytes = encodeEvent(sample());
    for (std::size_t size = 3; size < bytes.size(); ++size) {
        const auto decoded = decodeEvent(std::string_view{bytes}.substr(0, size));
        ASSERT_FALSE(decoded.has_value()) << size;
        EXPECT_EQ(decoded.error(), EventDecodeError::kTruncated) << size;
    }
}

TEST(RedisCodec, RefusesALengthBeyondTheBytes) {
    std::string bytes = encodeEvent(sample());
    bytes[12] = '\xff'; // the channel's length, now far past the end
    EXPECT_EQ(decodeEvent(bytes).error(), EventDecodeError::kTruncated);
}

TEST(RedisCodec, RefusesTrailingBytes) {
    EXPECT_EQ(decodeEvent(encodeEvent(sample()) + "x").error(), EventDecodeError::kTrailingBytes);
}

TEST(RedisCodec, RefusesMoreThanTheLimit) {
    ChannelEvent event = sample();
    event.frame = std::make_shared<const std::string>(kMaxEncodedEventBytes, 'x');
    EXPECT_EQ(decodeEvent(encodeEvent(event)).error(), EventDecodeError::kTooLarge);
    event.frame = std::make_shared<const std::string>(kMaxEncodedEventBytes - 100, 'x');
    EXPECT_TRUE(decodeEvent(encodeEvent(event)).has_value());
    EXPECT_FALSE(describe(EventDecodeError::kTooLarge).empty());
}

} // namespace
} // namespace parley::server
