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

/// The header of a text frame carrying `payload_size` bytes, with the shortest length encoding.
/// Each case is written as one array of constants and shifts, which the compiler stores in one or
/// two wide writes: read back by the frame's next copy, a header written byte by byte in a loop
/// stalled the load (it showed in profiles of the fan-out, once per member per message).
constexpr WsFrameHeader textFrameHeader(std::size_t payload_size) {
    constexpr std::uint8_t kFinText = 0x81; // FIN + opcode 1 (text)
    constexpr std::size_t kShortMax = 125;  // length in the second byte
    constexpr std::uint8_t kLength16 = 126; // then a 16-bit length
    constexpr std::uint8_t kLength64 = 127; // then a 64-bit length
    constexpr std::size_t kLength16Max = 0xFFFF;
    const auto byte = [payload_size](unsigned shift) {
        return static_cast<std::uint8_t>((payload_size >> shift) & 0xFFU);
    };
    WsFrameHeader header;
    if (payload_size <= kShortMax) {
        header.bytes = {kFinText, byte(0)};
        header.size = 2;
    } else if (payload_size <= kLength16Max) {
        header.bytes = {kFinText, kLength16, byte(8), byte(0)}; // network byte order
        header.size = 4;
    } else {
        header.bytes = {kFinText, kLength64, byte(56), byte(48), byte(40),
                        byte(32), byte(24),  byte(16), byte(8),  byte(0)};
        header.size = 10;
    }
    return header;
}

} // namespace parley::server
