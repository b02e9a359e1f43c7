#pragma once

// Per-thread buffers for decoding and parsing token segments, so verifying a token allocates
// nothing for the JSON: simdjson's parser and a padded decode buffer are reused.

#include <parley/token/error.hpp>

#include <simdjson.h>

#include <expected>
#include <string_view>
#include <vector>

namespace parley::token {

/// Rewrites, in place and at the same length, every integer literal of `json` outside 64 bits
/// (above UINT64_MAX or below INT64_MIN; outside strings) as a float of nearly the same value
/// ("18446744073709551616" becomes "1844674407370955e004"). Returns how many it rewrote.
std::size_t softenHugeIntegers(char* json, std::size_t size);

class JsonScratch {
public:
    /// The calling thread's scratch space.
    static JsonScratch& local();

    /// Decodes a base64url segment and parses it as JSON. The result lives until the next call
    /// on this thread. 20101 on bad base64url or bad JSON; `what` names the segment in messages.
    /// An integer beyond 64 bits is valid JSON that simdjson refuses (NUMBER_ERROR): it is read
    /// as the nearest double instead (softenHugeIntegers), so `exp = 2^64` is "not an integer"
    /// (20104) like `exp = 2^63`, not "not JSON".
    std::expected<simdjson::dom::element, TokenFailure> parseSegment(std::string_view segment,
                                                                     std::string_view what);

    /// The decoded bytes of the last parsed segment.
    std::string_view decoded() const { return {buffer_.data(), decoded_size_}; }

private:
    JsonScratch();
    simdjson::error_code parseSoftened(simdjson::dom::element& root);

    simdjson::dom::parser parser_;
    std::vector<char> buffer_;
    /// A copy of buffer_ with huge integers rewritten; decoded() keeps showing the original.
    std::vector<char> softened_;
    std::size_t decoded_size_ = 0;
};

} // namespace parley::token
