#include "server/log_text.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstdint>
#include <memory>

namespace parley::server {
namespace {

constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                       '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

void appendHex(std::string& out, std::uint32_t value, int digits) {
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
        out += kHex.at((value >> static_cast<unsigned>(shift)) & 0xFU);
    }
}

// The code point of a two- or three-byte UTF-8 sequence at `at` that a log reader could take as
// a line break or control (U+0080..U+009F, U+2028, U+2029), with its length; 0 when there is
// none.
std::pair<std::uint32_t, std::size_t> unicodeControlAt(std::string_view text, std::size_t at) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
    if (byte(0) == 0xC2 && at + 1 < text.size() && byte(1) >= 0x80 && byte(1) <= 0x9F) {
        return {byte(1), 2};
    }
    if (byte(0) == 0xE2 && at + 2 < text.size() && byte(1) == 0x80 &&
        (byte(2) == 0xA8 || byte(2) == 0xA9)) {
        return {0x2000U + byte(2) - 0x80U, 3};
    }
    return {0, 0};
}

void appendEscaped(std::string& out, unsigned char byte) {
    switch (byte) {
    case '\n':
        out += "\\n";
        return;
    case '\r':
        out += "\\r";
        return;
    case '\t':
        out += "\\t";
        return;
    case '\\':
        out += "\\\\";
        return;
    default:
        out += "\\x";
        appendHex(out, byte, 2);
    }
}

// The message part of a line (spdlog's %v), escaped.
class EscapedMessage final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& message, const std::tm& /*time*/,
                spdlog::memory_buf_t& dest) override {
        const std::string escaped = escapeForLog({message.payload.data(), message.payload.size()});
        dest.append(escaped.data(), escaped.data() + escaped.size());
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<EscapedMessage>();
    }
};

} // namespace

std::string escapeForLog(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x20 || byte == 0x7F || byte == '\\') {
            appendEscaped(out, byte);
            ++i;
            continue;
        }
        if (const auto [code_point, length] = unicodeControlAt(text, i); length > 0) {
            out += "\\u";
            appendHex(out, code_point, 4);
            i += length;
            continue;
        }
        out += static_cast<char>(byte);
        ++i;
    }
    return out;
}

void useServerLogFormat() {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<EscapedMessage>('*').set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %*");
    spdlog::set_formatter(std::move(formatter));
}

} // namespace parley::server
