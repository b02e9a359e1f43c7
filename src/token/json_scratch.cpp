#include "token/json_scratch.hpp"

#include "token/base64url.hpp"

#include <parley/token/limits.hpp>

#include <new>
#include <string>

namespace parley::token {

JsonScratch& JsonScratch::local() {
    thread_local JsonScratch scratch;
    return scratch;
}

JsonScratch::JsonScratch()
    // A decoded segment is never longer than the token, and tokens are capped before decoding.
    : buffer_(kMaxTokenBytes + simdjson::SIMDJSON_PADDING) {
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
    if (parser_.parse(buffer_.data(), decoded_size_, false).get(root) != simdjson::SUCCESS) {
        return std::unexpected(
            TokenFailure{TokenError::kInvalidToken, std::string{what} + " is not valid JSON"});
    }
    return root;
}

} // namespace parley::token
