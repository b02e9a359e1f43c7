// The fan-out client's two parsers of server bytes (RESP and WebSocket): what they accept, where
// they wait for more, and the limits at which they refuse.

#include "resp_codec.hpp"
#include "side.hpp"
#include "ws_codec.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::bench::epoll {
namespace {

constexpr std::string_view kPush = "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n";

TEST(RespCodec, ReadsAPushAnIntegerAndAnError) {
    const std::string bytes = std::string{kPush} + ":42\r\n-ERR no\r\n";
    std::size_t pos = 0;
    RespValue value;
    ASSERT_EQ(parseResp(bytes, pos, value), RespStatus::complete);
    ASSERT_EQ(value.type, '*');
    ASSERT_EQ(value.count, 3U);
    EXPECT_EQ(value.items[0].text, "message");
    EXPECT_EQ(value.items[2].text, "hello");
    ASSERT_EQ(parseResp(bytes, pos, value), RespStatus::complete);
    EXPECT_EQ(value.type, ':');
    EXPECT_EQ(value.scalar.integer, 42);
    ASSERT_EQ(parseResp(bytes, pos, value), RespStatus::complete);
    EXPECT_EQ(value.type, '-');
    EXPECT_EQ(value.scalar.text, "ERR no");
    EXPECT_EQ(pos, bytes.size());
    EXPECT_EQ(parseResp(bytes, pos, value), RespStatus::incomplete);
}

TEST(RespCodec, WaitsForEveryPrefixOfAValue) {
    for (std::size_t length = 0; length < kPush.size(); ++length) {
        std::size_t pos = 0;
        RespValue value;
        EXPECT_EQ(parseResp(kPush.substr(0, length), pos, value), RespStatus::incomplete) << length;
        EXPECT_EQ(pos, 0U);
    }
}

TEST(RespCodec, RefusesWhatIsNotPubSub) {
    const std::string too_long = "$" + std::to_string(kMaxFrameBytes + 1) + "\r\n";
    for (const std::string_view bytes :
         {std::string_view{"?x\r\n"}, std::string_view{"*5\r\n"}, std::string_view{"*-1\r\n"},
          std::string_view{":4x\r\n"}, std::string_view{"*1\r\n*1\r\n"}, std::string_view{too_long},
          std::string_view{":1234567890123456789012345678901234"}}) {
        std::size_t pos = 0;
        RespValue value;
        EXPECT_EQ(parseResp(bytes, pos, value), RespStatus::invalid) << bytes;
    }
}

TEST(RespCodec, WritesCommandsAsBulkStrings) {
    std::string out;
    appendCommand(out, {"PUBLISH", "ch", "hi"});
    EXPECT_EQ(out, "*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$2\r\nhi\r\n");
}

TEST(WsCodec, AcceptsOnlyA101) {
    const std::string reply = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
    std::size_t pos = 0;
    std::string why;
    EXPECT_EQ(parseUpgradeReply(reply.substr(0, 20), pos, why), WsStatus::incomplete);
    ASSERT_EQ(parseUpgradeReply(reply + "\x81", pos, why), WsStatus::complete);
    EXPECT_EQ(pos, reply.size());
    pos = 0;
    EXPECT_EQ(parseUpgradeReply("HTTP/1.1 426 Upgrade Required\r\n\r\n", pos, why),
              WsStatus::invalid);
    EXPECT_EQ(why, "upgrade refused: HTTP/1.1 426 Upgrade Required");
    EXPECT_EQ(parseUpgradeReply(std::string(20000, 'h'), pos, why), WsStatus::invalid);
}

TEST(WsCodec, ReadsServerFramesOfEveryLengthForm) {
    for (const std::size_t length : {std::size_t{5}, std::size_t{300}, std::size_t{70000}}) {
        std::string bytes{"\x81"};
        if (length < 126) {
            bytes += static_cast<char>(length);
        } else if (length <= 0xFFFF) {
            bytes += "\x7E" + std::string{static_cast<char>(length >> 8U)} +
                     static_cast<char>(length & 0xFFU);
        } else {
            bytes += "\x7F" + std::string(5, '\0') + static_cast<char>(length >> 16U) +
                     static_cast<char>((length >> 8U) & 0xFFU) + static_cast<char>(length & 0xFFU);
        }
        bytes += std::string(length, 'a');
        WsFrame frame;
        std::size_t pos = 0;
        EXPECT_EQ(parseServerFrame(bytes.substr(0, bytes.size() - 1), pos, frame),
                  WsStatus::incomplete);
        ASSERT_EQ(parseServerFrame(bytes, pos, frame), WsStatus::complete) << length;
        EXPECT_TRUE(frame.fin);
        EXPECT_EQ(frame.opcode, ws_opcode::kText);
        EXPECT_EQ(frame.payload.size(), length);
        EXPECT_EQ(pos, bytes.size());
    }
}

TEST(WsCodec, WaitsForEveryPrefixOfAFrame) {
    const std::string bytes = "\x81\x7E\x01\x2C" + std::string(300, 'b');
    for (std::size_t length = 0; length < bytes.size(); ++length) {
        WsFrame frame;
        std::size_t pos = 0;
        EXPECT_EQ(parseServerFrame(std::string_view{bytes}.substr(0, length), pos, frame),
                  WsStatus::incomplete)
            << length;
        EXPECT_EQ(pos, 0U);
    }
}

TEST(WsCodec, RefusesMaskedAndOversizedServerFrames) {
    WsFrame frame;
    std::size_t pos = 0;
    EXPECT_EQ(parseServerFrame("\x81\x85"
                               "abcdxxxxx",
                               pos, frame),
              WsStatus::invalid);
    const std::string huge = std::string{"\x81\x7F\0\0\0\0\0\x10\0\x01", 10};
    EXPECT_EQ(parseServerFrame(huge, pos, frame), WsStatus::invalid);
}

TEST(WsCodec, MasksClientFrames) {
    std::string out;
    appendClientFrame(out, ws_opcode::kText, "hello", 0x01020304U);
    ASSERT_EQ(out.size(), 2U + 4U + 5U);
    EXPECT_EQ(static_cast<unsigned char>(out[0]), 0x81U);
    EXPECT_EQ(static_cast<unsigned char>(out[1]), 0x85U);
    std::string unmasked;
    for (std::size_t i = 0; i < 5; ++i) {
        unmasked += static_cast<char>(out[6 + i] ^ out[2 + i % 4]);
    }
    EXPECT_EQ(unmasked, "hello");
    EXPECT_EQ(closeCode(std::string{"\x0F\xA1", 2}), 4001);
    EXPECT_EQ(closeCode(""), 1005);
}

} // namespace
} // namespace parley::bench::epoll
