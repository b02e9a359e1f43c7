#include "token/json_scratch.hpp"

#include "token/base64url.hpp"

#include <parley/token/limits.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>

namespace parley::token {
namespace {

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

// Whether the integer literal [begin, end) fits std::int64_t (negative) or std::uint64_t.
bool fits64Bits(const char* begin, const char* end) {
    if (*begin == '-') {
        std::int64_t value = 0;
        return std::from_chars(begin, end, value).ec == std::errc{};
    }
    std::uint64_t value = 0;
    return std::from_chars(begin, end, value).ec == std::errc{};
}

// Past the end of the string literal whose opening quote is at `at`.
std::size_t skipString(const char* json, std::size_t size, std::size_t at) {
    for (++at; at < size; ++at) {
        if (json[at] == '\\') {
            ++at;
        } else if (json[at] == '"') {
            return at + 1;
        }
    }
    return size;
}

} // namespace

std::size_t softenHugeIntegers(char* json, std::size_t size) {
    // A literal outside 64 bits has at least 19 digits, so the last four can become "e004": the
    // same length, a valid JSON number, within a part in 10^15 of the value.
    constexpr std::string_view kTimesTenThousand = "e004";
    std::size_t rewritten = 0;
    std::size_t at = 0;
    while (at < size) {
        if (json[at] == '"') {
            at = skipString(json, size, at);
            continue;
        }
        if (json[at] != '-' && !isDigit(json[at])) {
            ++at;
            continue;
        }
        const std::size_t start = at;
        at += json[at] == '-' ? 1 : 0;
        while (at < size && isDigit(json[at])) {
            ++at;
        }
        const bool is_float = at < size && (json[at] == '.' || json[at] == 'e' || json[at] == 'E');
        if (is_float) {
            while (at < size && (isDigit(json[at]) || std::strchr(".eE+-", json[at]) != nullptr)) {
                ++at;
            }
            continue;
        }
        if (at - start > kTimesTenThousand.size() + 1 && !fits64Bits(json + start, json + at)) {
            std::copy(kTimesTenThousand.begin(), kTimesTenThousand.end(),
                      json + at - kTimesTenThousand.size());
            ++rewritten;
        }
    }
    return rewritten;
}

JsonScratch& JsonScratch::local() {
    thread_local JsonScratch scratch;
    return scratch;
}

JsonScratch::JsonScratch()
    // A decoded segment is never longer than the token, and tokens are capped before decoding.
    : buffer_(kMaxTokenBytes + simdjson::SIMDJSON_PADDING),
      softened_(kMaxTokenBytes + simdjson::SIMDJSON_PADDING) {
    // Size the parser once for the largest token so no later parse reallocates.
    if (parser_.allocate(kMaxTokenBytes) != simdjson::SUCCESS) {
        throw std::bad_alloc();
    }
}

std::expected<simdjson::dom::element, TokenFailure>
JsonScratch::parseSegment(std::string_view segment, std::string_view what) {
    const auto size = base64url::decodedSize(segment.size());
    if (segment.size() > kMaxTokenBytes || !size ||
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): byte view of the buffer.
        !base64url::decode(segment, reinterpret_cast<unsigned char*>(buffer_.data()))) {
        return std::unexpected(
            TokenFailure{TokenError::kInvalidToken, std::string{what} + " is not valid base64url"});
    }
    decoded_size_ = *size;
    simdjson::dom::element root;
    auto error = parser_.parse(buffer_.data(), decoded_size_, false).get(root);
    if (error == simdjson::NUMBER_ERROR) {
        error = parseSoftened(root);
    }
    if (error != simdjson::SUCCESS) {
        return std::unexpected(
            TokenFailure{TokenError::kInvalidToken, std::string{what} + " is not valid JSON"});
    }
    return root;
}

simdjson::error_code JsonScratch::parseSoftened(simdjson::dom::element& root) {
    std::copy_n(buffer_.begin(), decoded_size_, softened_.begin());
    if (softenHugeIntegers(softened_.data(), decoded_size_) == 0) {
        return simdjson::NUMBER_ERROR;
    }
    // The parsed document copies its strings, so it does not point into softened_.
    return parser_.parse(softened_.data(), decoded_size_, false).get(root);
}

} // namespace parley::token
