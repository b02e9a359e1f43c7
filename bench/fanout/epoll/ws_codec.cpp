#include "ws_codec.hpp"

#include "side.hpp"

#include <array>

namespace parley::bench::epoll {

namespace {

constexpr std::size_t kMaxUpgradeReply = std::size_t{16} << 10U;
constexpr std::uint8_t kFin = 0x80;
constexpr std::uint8_t kMaskBit = 0x80;
constexpr std::uint8_t kLength16 = 126;
constexpr std::uint8_t kLength64 = 127;

std::uint64_t readBigEndian(std::string_view bytes, std::size_t at, std::size_t width) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i) {
        value = (value << 8U) | static_cast<std::uint8_t>(bytes[at + i]);
    }
    return value;
}

} // namespace

std::string upgradeRequest(std::string_view host, std::string_view target) {
    // The key only has to be 16 bytes in base64; the server's accept value is not checked here.
    std::string request = "GET ";
    request += target;
    request += " HTTP/1.1\r\nHost: ";
    request += host;
    request += "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    return request;
}

WsStatus parseUpgradeReply(std::string_view bytes, std::size_t& pos, std::string& why) {
    const std::string_view rest = bytes.substr(pos);
    const std::size_t end = rest.find("\r\n\r\n");
    if (end == std::string_view::npos) {
        why = "upgrade reply over 16 KiB";
        return rest.size() > kMaxUpgradeReply ? WsStatus::invalid : WsStatus::incomplete;
    }
    const std::string_view status_line = rest.substr(0, rest.find("\r\n"));
    if (!status_line.starts_with("HTTP/1.1 101")) {
        why = "upgrade refused: " + std::string{status_line};
        return WsStatus::invalid;
    }
    pos += end + 4;
    return WsStatus::complete;
}

WsStatus parseServerFrame(std::string_view bytes, std::size_t& pos, WsFrame& frame) {
    const std::size_t available = bytes.size() - pos;
    if (available < 2) {
        return WsStatus::incomplete;
    }
    const auto first = static_cast<std::uint8_t>(bytes[pos]);
    const auto second = static_cast<std::uint8_t>(bytes[pos + 1]);
    if ((second & kMaskBit) != 0U) {
        return WsStatus::invalid; // servers never mask
    }
    std::size_t header = 2;
    std::uint64_t length = second & 0x7FU;
    if (length >= kLength16) {
        const std::size_t width = length == kLength16 ? 2 : 8;
        if (available < 2 + width) {
            return WsStatus::incomplete;
        }
        length = readBigEndian(bytes, pos + 2, width);
        header += width;
    }
    if (length > kMaxFrameBytes) {
        return WsStatus::invalid;
    }
    if (available - header < length) {
        return WsStatus::incomplete;
    }
    frame.fin = (first & kFin) != 0U;
    frame.opcode = first & 0x0FU;
    frame.payload = bytes.substr(pos + header, static_cast<std::size_t>(length));
    pos += header + static_cast<std::size_t>(length);
    return WsStatus::complete;
}

void appendClientFrame(std::string& out, int opcode, std::string_view payload, std::uint32_t mask) {
    out += static_cast<char>(kFin | static_cast<std::uint8_t>(opcode));
    const std::size_t length = payload.size();
    if (length < kLength16) {
        out += static_cast<char>(kMaskBit | length);
    } else if (length <= 0xFFFFU) {
        out += static_cast<char>(kMaskBit | kLength16);
        out += static_cast<char>(length >> 8U);
        out += static_cast<char>(length & 0xFFU);
    } else {
        out += static_cast<char>(kMaskBit | kLength64);
        for (int shift = 56; shift >= 0; shift -= 8) {
            out += static_cast<char>((length >> static_cast<unsigned>(shift)) & 0xFFU);
        }
    }
    const std::array<char, 4> key{static_cast<char>(mask >> 24U), static_cast<char>(mask >> 16U),
                                  static_cast<char>(mask >> 8U), static_cast<char>(mask)};
    out.append(key.data(), key.size());
    const std::size_t start = out.size();
    out.append(payload);
    for (std::size_t i = 0; i < length; ++i) {
        out[start + i] = static_cast<char>(out[start + i] ^ key[i % 4]);
    }
}

int closeCode(std::string_view payload) {
    if (payload.size() < 2) {
        return 1005;
    }
    return static_cast<int>(readBigEndian(payload, 0, 2));
}

} // namespace parley::bench::epoll
