#pragma once

// The little of RESP (the Redis protocol) the fan-out client speaks: SUBSCRIBE and PUBLISH as
// arrays of bulk strings, and a parser for what comes back on those connections: integers (PUBLISH
// replies), errors, and flat arrays of bulk strings and integers (the subscribe confirmation and
// the "message" pushes). Anything else, or a bulk string over kMaxFrameBytes, is invalid.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::bench::epoll {

struct RespItem {
    /// '+', '-', ':' or '$'; '$' with `null` for a null bulk string.
    char type = 0;
    bool null = false;
    std::int64_t integer = 0;
    /// Simple string, error text or bulk string; points into the parsed bytes.
    std::string_view text;
};

struct RespValue {
    /// The top level: an item's type, or '*' for an array of `count` items.
    char type = 0;
    RespItem scalar;
    std::array<RespItem, 4> items{};
    std::size_t count = 0;
};

enum class RespStatus { complete, incomplete, invalid };

/// Parses one value of `bytes` from `pos`; on `complete` moves `pos` past it.
RespStatus parseResp(std::string_view bytes, std::size_t& pos, RespValue& value);

/// `*N\r\n$len\r\narg\r\n...` for a command, appended to `out`.
void appendCommand(std::string& out, std::initializer_list<std::string_view> args);

} // namespace parley::bench::epoll
