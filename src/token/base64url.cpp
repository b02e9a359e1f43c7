#include "token/base64url.hpp"

#include "token/base64url_wide.hpp"

#include <array>
#include <cstdint>

namespace parley::token::base64url {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// 0x80 marks characters outside the alphabet; decode ORs every looked-up value together and
// tests the mark once at the end instead of branching per character.
constexpr std::uint8_t kInvalid = 0x80;

constexpr std::array<std::uint8_t, 256> kDecodeTable = [] {
    std::array<std::uint8_t, 256> table{};
    table.fill(kInvalid);
    for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
        table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
    }
    return table;
}();

std::uint8_t lookup(char c) {
    return kDecodeTable[static_cast<unsigned char>(c)];
}

} // namespace

std::string encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    std::size_t i = 0;
    const auto byte = [&](std::size_t at) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at]));
    };
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t group = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
        out += kAlphabet[group >> 18 & 63];
        out += kAlphabet[group >> 12 & 63];
        out += kAlphabet[group >> 6 & 63];
        out += kAlphabet[group & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const std::uint32_t group = byte(i) << 16;
        out += kAlphabet[group >> 18 & 63];
        out += kAlphabet[group >> 12 & 63];
    } else if (rest == 2) {
        const std::uint32_t group = byte(i) << 16 | byte(i + 1) << 8;
        out += kAlphabet[group >> 18 & 63];
        out += kAlphabet[group >> 12 & 63];
        out += kAlphabet[group >> 6 & 63];
    }
    return out;
}

std::optional<std::size_t> decodedSize(std::size_t encoded_size) {
    if (encoded_size % 4 == 1) {
        return std::nullopt;
    }
    return encoded_size / 4 * 3 + (encoded_size % 4 == 0 ? 0 : encoded_size % 4 - 1);
}

namespace {

// A byte at a time: the tail the wide decoder leaves, and whole inputs on CPUs without AVX2.
bool decodeScalar(std::string_view encoded, unsigned char* out) {
    std::uint8_t seen = 0;
    std::size_t i = 0;
    for (; i + 4 <= encoded.size(); i += 4) {
        const std::uint8_t a = lookup(encoded[i]);
        const std::uint8_t b = lookup(encoded[i + 1]);
        const std::uint8_t c = lookup(encoded[i + 2]);
        const std::uint8_t d = lookup(encoded[i + 3]);
        seen |= a | b | c | d;
        const std::uint32_t group = std::uint32_t{a} << 18 | std::uint32_t{b} << 12 |
                                    std::uint32_t{c} << 6 | std::uint32_t{d};
        *out++ = static_cast<unsigned char>(group >> 16);
        *out++ = static_cast<unsigned char>(group >> 8);
        *out++ = static_cast<unsigned char>(group);
    }
    const std::size_t rest = encoded.size() - i;
    if (rest == 2) {
        const std::uint8_t a = lookup(encoded[i]);
        const std::uint8_t b = lookup(encoded[i + 1]);
        seen |= a | b;
        // Only the top 2 bits of b belong to the byte; the other 4 must be zero (canonical form).
        if ((b & 0x0F) != 0) {
            return false;
        }
        *out = static_cast<unsigned char>(std::uint32_t{a} << 2 | std::uint32_t{b} >> 4);
    } else if (rest == 3) {
        const std::uint8_t a = lookup(encoded[i]);
        const std::uint8_t b = lookup(encoded[i + 1]);
        const std::uint8_t c = lookup(encoded[i + 2]);
        seen |= a | b | c;
        if ((c & 0x03) != 0) {
            return false;
        }
        const std::uint32_t group =
            std::uint32_t{a} << 18 | std::uint32_t{b} << 12 | std::uint32_t{c} << 6;
        *out++ = static_cast<unsigned char>(group >> 16);
        *out = static_cast<unsigned char>(group >> 8);
    }
    return (seen & kInvalid) == 0;
}

} // namespace

bool decode(std::string_view encoded, unsigned char* out) {
    if (encoded.size() % 4 == 1) {
        return false;
    }
    const WideResult wide = decodeWide(encoded, out);
    return decodeScalar(encoded.substr(wide.consumed), out + wide.consumed / 4 * 3) &&
           !wide.invalid;
}

std::optional<std::string> decode(std::string_view encoded) {
    const auto size = decodedSize(encoded.size());
    if (!size) {
        return std::nullopt;
    }
    std::string out(*size, '\0');
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes into a std::string.
    if (!decode(encoded, reinterpret_cast<unsigned char*>(out.data()))) {
        return std::nullopt;
    }
    return out;
}

} // namespace parley::token::base64url
