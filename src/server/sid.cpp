#include "server/sid.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <span>
#include <stdexcept>

namespace parley::server {

namespace {

constexpr std::string_view kHex = "0123456789abcdef";

void appendRandomHex(std::string& sid, std::size_t bytes) {
    std::array<unsigned char, 16> random{};
    const std::span<unsigned char> taken = std::span{random}.first(bytes);
    if (RAND_bytes(taken.data(), static_cast<int>(taken.size())) != 1) {
        throw std::runtime_error("OpenSSL RAND_bytes failed");
    }
    for (const unsigned char byte : taken) {
        sid += kHex[byte >> 4U];
        sid += kHex[byte & 0x0FU];
    }
}

} // namespace

std::string makeSid(std::string_view prefix) {
    std::string sid{prefix};
    sid.reserve(prefix.size() + 32);
    appendRandomHex(sid, 16);
    return sid;
}

std::string makeOrderedSid(std::string_view prefix, std::chrono::system_clock::time_point now) {
    constexpr int kTimeDigits = 12; // 48 bits of milliseconds: until the year 10889
    const auto millis = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
    std::string sid{prefix};
    sid.reserve(prefix.size() + 32);
    for (int digit = kTimeDigits - 1; digit >= 0; --digit) {
        sid += kHex[(millis >> (4U * static_cast<unsigned>(digit))) & 0x0FU];
    }
    appendRandomHex(sid, 10);
    return sid;
}

} // namespace parley::server
