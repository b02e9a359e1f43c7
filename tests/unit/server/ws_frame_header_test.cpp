// textFrameHeader: the shortest length encoding of RFC 6455 5.2 on both sides of each boundary.

#include "server/ws_frame_header.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace parley::server {
namespace {

std::vector<std::uint8_t> bytesOf(const WsFrameHeader& header) {
    return {header.bytes.begin(), header.bytes.begin() + header.size};
}

TEST(TextFrameHeader, UsesTheShortestLengthEncodingAtEveryBoundary) {
    using Bytes = std::vector<std::uint8_t>;
    EXPECT_EQ(bytesOf(textFrameHeader(0)), (Bytes{0x81, 0}));
    EXPECT_EQ(bytesOf(textFrameHeader(125)), (Bytes{0x81, 125}));
    EXPECT_EQ(bytesOf(textFrameHeader(126)), (Bytes{0x81, 126, 0x00, 0x7E}));
    EXPECT_EQ(bytesOf(textFrameHeader(354)), (Bytes{0x81, 126, 0x01, 0x62}));
    EXPECT_EQ(bytesOf(textFrameHeader(0xFFFF)), (Bytes{0x81, 126, 0xFF, 0xFF}));
    EXPECT_EQ(bytesOf(textFrameHeader(0x10000)),
              (Bytes{0x81, 127, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}));
    EXPECT_EQ(bytesOf(textFrameHeader(0x0102030405060708ULL)),
              (Bytes{0x81, 127, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}));
}

static_assert(textFrameHeader(300).size == 4, "usable at compile time");

} // namespace
} // namespace parley::server
