#pragma once

// Per-thread buffers for decoding and parsing token segments, so verifying a token allocates
// nothing for the JSON: simdjson's parser and a padded decode buffer are reused.

#include <parley/token/error.hpp>

#include <simdjson.h>

#include <expected>
#include <string_view>
#include <vector>

namespace parley::token {

class JsonScratch {
public:
    /// The calling thread's scratch space.
    static JsonScratch& local();

    /// Decodes a base64url segment and parses it as JSON. The result lives until the next call
    /// on this thread. 20101 on bad base64url or bad JSON; `what` names the segment in messages.
    std::expected<simdjson::dom::element, TokenFailure> parseSegment(std::string_view segment,
                                                                     std::string_view what);

    /// The decoded bytes of the last parsed segment.
    std::string_view decoded() const { return {buffer_.data(), decoded_size_}; }

private:
    JsonScratch();

    simdjson::dom::parser parser_;
    std::vector<char> buffer_;
    std::size_t decoded_size_ = 0;
};

} // namespace parley::token
