#pragma once

// The header of an unmasked WebSocket text frame (RFC 6455, 5.2), the only kind of data frame
// the server sends: one whole message per frame, FIN set, no extension bits. A server frame is
// never masked, so the frame is this header followed by the message bytes as they are, and one
// message shared by every member of a channel needs no copy per member.

#include <array>
#include <cstddef>
#include <cstdint>

namespace parley::server {

struct WsFrameHeader {
    std::array<std::uint8_t, 10> bytes{};
    std::uint8_t size = 0; // 2, 4 or 10
};

/// The header of a text frame carrying `payload_size` bytes.
constexpr WsFrameHeader textFrameHeader(std::size_t payload_size) {
    constexpr std::uint8_t kFinText = 0x81; // FIN + opcode 1 (text)
    constexpr std::size_t kShortMax = 125;  // length in the second byte
    constexpr std::uint8_t kLength16 = 126; // then a 16-bit length
    constexpr std::uint8_t kLength64 = 127; // then a 64-bit length
    constexpr std::size_t kLength16Max = 0xFFFF;
    WsFrameHeader header;
    header.bytes[0] = kFinText;
    if (payload_size <= kShortMax) {
        header.bytes[1] = static_cast<std::uint8_t>(payload_size);
        header.size = 2;
        return header;
    }
    const bool medium = payload_size <= kLength16Max;
    header.bytes[1] = medium ? kLength16 : kLength64;
    const std::size_t length_bytes = medium ? 2 : 8;
    for (std::size_t i = 0; i < length_bytes; ++i) { // network byte order
        const std::size_t shift = 8 * (length_bytes - 1 - i);
        header.bytes[2 + i] = static_cast<std::uint8_t>((payload_size >> shift) & 0xFFU);
    }
    header.size = static_cast<std::uint8_t>(2 + length_bytes);
    return header;
}

} // namespace parley::server
