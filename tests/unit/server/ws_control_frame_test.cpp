// The server's control frames (ws_control_frame.hpp), masked as a client would and read back by
// a WsFrameReader: payloads cut to 125 bytes, close reasons at a character boundary.

#include "ws_frame_fixture.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace parley::server;
using namespace parley::server::ws_frame_fixture;

TEST(WsControlFrame, BuildsUnmaskedFramesAReaderParses) {
    EXPECT_EQ(pingFrame("hi"), bytes({0x89, 0x02, 'h', 'i'}));
    EXPECT_EQ(pongFrame(""), bytes({0x8A, 0x00}));
    EXPECT_EQ(closeFrame(1000, ""), bytes({0x88, 0x02, 0x03, 0xE8}));
    const std::string input = maskServerFrame(pingFrame("ping?")) +
                              maskServerFrame(pongFrame("pong!")) +
                              maskServerFrame(closeFrame(4401, "token rejected"));
    expectEverySplit(input, {ping("ping?"), pong("pong!"), closeEvent(4401, "token rejected")});
}

TEST(WsControlFrame, CutsPayloadsTo125Bytes) {
    const std::string long_payload(200, 'p');
    EXPECT_EQ(pingFrame(long_payload).size(), 2U + 125U);
    EXPECT_EQ(readAll(maskServerFrame(pongFrame(long_payload))).events,
              std::vector{pong(std::string(125, 'p'))});
}

TEST(WsControlFrame, CutsACloseReasonAtACharacterBoundary) {
    // 61 two-byte characters: 122 bytes fit beside the code, the 62nd would straddle 123.
    std::string reason;
    for (int i = 0; i < 70; ++i) {
        reason += "\xC3\xA9";
    }
    const std::string frame = closeFrame(1001, reason);
    EXPECT_EQ(frame.size(), 2U + 2U + 122U);
    EXPECT_EQ(readAll(maskServerFrame(frame)).events,
              std::vector{closeEvent(1001, reason.substr(0, 122))});
    // An ASCII reason is cut at exactly 123 bytes.
    EXPECT_EQ(closeFrame(1000, std::string(300, 'r')).size(), 2U + 125U);
    // A four-byte character straddling the cut goes whole.
    const std::string emoji_reason = std::string(121, 'r') + "\xF0\x9F\x9A\x80";
    EXPECT_EQ(readAll(maskServerFrame(closeFrame(1000, emoji_reason))).events,
              std::vector{closeEvent(1000, std::string(121, 'r'))});
}

} // namespace
