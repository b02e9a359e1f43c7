#pragma once

// Frames from the server, parsed: a reply to a request or an event. The client's only parser of
// network bytes (fuzz/client_frame_fuzz.cpp feeds it).

#include <parley/client/error.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace parley::client {

using Json = nlohmann::json;

/// Largest frame the client reads: a full history page (500 messages of up to 48 KiB of body and
/// attributes each) fits, with room.
inline constexpr std::size_t kMaxServerFrameBytes = std::size_t{32} * 1024 * 1024;

struct Reply {
    std::uint64_t reply_to = 0;
    /// The whole frame on success; unset on failure.
    Json body;
    std::optional<Error> error;
    /// `server_time` (unix ms) when the reply carries it.
    std::optional<std::int64_t> server_time;
};

struct Event {
    std::string name;
    Json body;
    std::optional<std::int64_t> server_time;
};

using ServerFrame = std::variant<Reply, Event>;

/// Never throws; a frame that is neither shape gives a message saying what is wrong.
std::expected<ServerFrame, std::string> parseServerFrame(std::string_view text);

} // namespace parley::client
