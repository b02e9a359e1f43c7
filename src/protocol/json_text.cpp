#include "protocol/json_text.hpp"

#include <simdjson.h>

#include <array>
#include <charconv>
#include <cstdint>

namespace parley::protocol {

namespace {

using Json = nlohmann::json;

// How each byte is written inside a JSON string: 0 as it is, 2 as a two-character escape
// (\" \\ \b \f \n \r \t), 6 as \u00XX (the other control characters), as nlohmann does.
constexpr std::array<std::uint8_t, 256> kEscapedWidth = [] {
    std::array<std::uint8_t, 256> width{};
    for (std::size_t byte = 0; byte < 0x20; ++byte) {
        width.at(byte) = 6;
    }
    for (const char c : {'"', '\\', '\b', '\f', '\n', '\r', '\t'}) {
        width.at(static_cast<unsigned char>(c)) = 2;
    }
    return width;
}();

bool mustEscape(unsigned char byte) {
    return kEscapedWidth.at(byte) != 0;
}

// The position of the first byte from `from` on that a JSON string must escape, or the size.
// Text is nearly all plain, so it is checked a block at a time with a loop the compiler turns
// into vector compares (no early exit inside a block); a table lookup per byte took 2.5 ns.
std::size_t nextToEscape(std::string_view text, std::size_t from) {
    constexpr std::size_t kBlock = 32;
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    std::size_t at = from;
    while (text.size() - at >= kBlock) {
        unsigned found = 0;
        for (std::size_t i = 0; i < kBlock; ++i) {
            const unsigned char byte = bytes[at + i];
            found |= static_cast<unsigned>(byte < 0x20) | static_cast<unsigned>(byte == '"') |
                     static_cast<unsigned>(byte == '\\');
        }
        if (found != 0) {
            break;
        }
        at += kBlock;
    }
    while (at < text.size() && !mustEscape(bytes[at])) {
        ++at;
    }
    return at;
}

char shortEscape(unsigned char byte) {
    switch (byte) {
    case '"':
        return '"';
    case '\\':
        return '\\';
    case '\b':
        return 'b';
    case '\f':
        return 'f';
    case '\n':
        return 'n';
    case '\r':
        return 'r';
    default:
        return 't';
    }
}

} // namespace

void appendJsonString(std::string& out, std::string_view text) {
    if (!simdjson::validate_utf8(text.data(), text.size())) {
        // What replaces the bad bytes is nlohmann's to decide; this is rare enough to hand over.
        out += Json(text).dump(-1, ' ', false, Json::error_handler_t::replace);
        return;
    }
    constexpr std::string_view kHex = "0123456789abcdef";
    out += '"';
    std::size_t run = 0; // start of the plain bytes not yet copied
    for (std::size_t i = nextToEscape(text, 0); i < text.size(); i = nextToEscape(text, run)) {
        const auto byte = static_cast<unsigned char>(text[i]);
        out.append(text.substr(run, i - run));
        run = i + 1;
        if (kEscapedWidth.at(byte) == 2) {
            out += '\\';
            out += shortEscape(byte);
        } else {
            out += "\\u00";
            out += kHex[byte >> 4U];
            out += kHex[byte & 0x0FU];
        }
    }
    out.append(text.substr(run));
    out += '"';
}

namespace {

template <typename Integer> void appendInteger(std::string& out, Integer value) {
    std::array<char, 24> digits{};
    const auto written = std::to_chars(digits.data(), digits.data() + digits.size(), value);
    out.append(digits.data(), written.ptr);
}

void appendObject(std::string& out, const Json& object) {
    out += '{';
    for (auto member = object.begin(); member != object.end(); ++member) {
        if (member != object.begin()) {
            out += ',';
        }
        appendJsonString(out, member.key());
        out += ':';
        appendCompactJson(out, member.value());
    }
    out += '}';
}

void appendArray(std::string& out, const Json& array) {
    out += '[';
    for (auto element = array.begin(); element != array.end(); ++element) {
        if (element != array.begin()) {
            out += ',';
        }
        appendCompactJson(out, *element);
    }
    out += ']';
}

} // namespace

void appendCompactJson(std::string& out, const Json& value) {
    switch (value.type()) {
    case Json::value_t::object:
        appendObject(out, value);
        return;
    case Json::value_t::array:
        appendArray(out, value);
        return;
    case Json::value_t::string:
        appendJsonString(out, value.get_ref<const std::string&>());
        return;
    case Json::value_t::number_integer:
        appendInteger(out, value.get<std::int64_t>());
        return;
    case Json::value_t::number_unsigned:
        appendInteger(out, value.get<std::uint64_t>());
        return;
    case Json::value_t::boolean:
        out += value.get<bool>() ? "true" : "false";
        return;
    case Json::value_t::null:
        out += "null";
        return;
    default: // floating point, binary, discarded: few and short, nlohmann's own text
        out += value.dump(-1, ' ', false, Json::error_handler_t::replace);
        return;
    }
}

std::string compactJson(const Json& value) {
    std::string out;
    appendCompactJson(out, value);
    return out;
}

std::size_t jsonStringSize(std::string_view text) {
    std::size_t size = 2 + text.size();
    for (std::size_t i = nextToEscape(text, 0); i < text.size(); i = nextToEscape(text, i + 1)) {
        size += kEscapedWidth.at(static_cast<unsigned char>(text[i])) - 1U;
    }
    return size;
}

} // namespace parley::protocol
