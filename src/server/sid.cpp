#include "server/sid.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <span>
#include <stdexcept>

namespace parley::server {

namespace {

constexpr std::string_view kHex = "0123456789abcdef";

void fillRandom(std::span<unsigned char> bytes) {
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("OpenSSL RAND_bytes failed");
    }
}

void appendHex(std::string& sid, std::span<const unsigned char> bytes) {
    for (const unsigned char byte : bytes) {
        sid += kHex[byte >> 4U];
        sid += kHex[byte & 0x0FU];
    }
}

// Message SIDs are made one per message, thousands a second: RAND_bytes costs about a
// microsecond a call whatever its size (it locks and reseeds-checks its DRBG), so a thread takes
// its random bytes a kilobyte at a time. Still the same generator's bytes, never reused.
std::span<const unsigned char> takePooledRandom(std::size_t count) {
    constexpr std::size_t kPoolBytes = 1024;
    thread_local std::array<unsigned char, kPoolBytes> pool{};
    thread_local std::size_t used = kPoolBytes;
    if (kPoolBytes - used < count) {
        fillRandom(pool);
        used = 0;
    }
    const std::span<const unsigned char> taken = std::span{pool}.subspan(used, count);
    used += count;
    return taken;
}

} // namespace

std::string makeSid(std::string_view prefix) {
    std::string sid{prefix};
    sid.reserve(prefix.size() + 32);
    std::array<unsigned char, 16> random{};
    fillRandom(random);
    appendHex(sid, random);
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
    constexpr std::size_t kRandomBytes = 10;
    appendHex(sid, takePooledRandom(kRandomBytes));
    return sid;
}

} // namespace parley::server
