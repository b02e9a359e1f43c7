#include "server/ws_control_frame.hpp"

#include <algorithm>

namespace parley::server {

namespace {

constexpr std::uint8_t kFinClose = 0x88;
constexpr std::uint8_t kFinPing = 0x89;
constexpr std::uint8_t kFinPong = 0x8A;

// A ping's payload is opaque bytes, cut anywhere; only a close reason is text.
std::string controlFrame(std::uint8_t first_byte, std::string_view payload) {
    payload = payload.substr(0, kMaxControlPayload);
    std::string frame;
    frame.reserve(2 + payload.size());
    frame.push_back(static_cast<char>(first_byte));
    frame.push_back(static_cast<char>(payload.size())); // no mask bit: a server frame
    frame.append(payload);
    return frame;
}

// The longest prefix of `text` of at most `limit` bytes that does not end inside a UTF-8
// character: a cut before a continuation byte (10xxxxxx) moves back to the character's start.
std::string_view utf8Prefix(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) {
        return text;
    }
    constexpr unsigned kContinuationMask = 0xC0;
    constexpr unsigned kContinuation = 0x80;
    std::size_t cut = limit;
    while (cut > 0 &&
           (static_cast<unsigned char>(text[cut]) & kContinuationMask) == kContinuation) {
        --cut;
    }
    return text.substr(0, cut);
}

} // namespace

std::string closeFrame(std::uint16_t code, std::string_view reason) {
    constexpr std::size_t kCodeSize = 2;
    constexpr unsigned kByteBits = 8;
    constexpr unsigned kByteMask = 0xFF;
    std::string payload;
    payload.push_back(static_cast<char>((code >> kByteBits) & kByteMask));
    payload.push_back(static_cast<char>(code & kByteMask));
    payload.append(utf8Prefix(reason, kMaxControlPayload - kCodeSize));
    return controlFrame(kFinClose, payload);
}

std::string pongFrame(std::string_view payload) {
    return controlFrame(kFinPong, payload);
}

std::string pingFrame(std::string_view payload) {
    return controlFrame(kFinPing, payload);
}

} // namespace parley::server
