#include "server/sid.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace parley::server {

std::string makeSid(std::string_view prefix) {
    std::array<unsigned char, 16> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
        throw std::runtime_error("OpenSSL RAND_bytes failed");
    }
    constexpr std::string_view kHex = "0123456789abcdef";
    std::string sid{prefix};
    for (unsigned char byte : random) {
        sid += kHex[byte >> 4];
        sid += kHex[byte & 0x0F];
    }
    return sid;
}

} // namespace parley::server
