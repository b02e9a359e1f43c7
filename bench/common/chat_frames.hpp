#pragma once

// The few frames of docs/protocol.md these programs send and read. They are written here from the
// document, as a third-party client would, rather than with the server's src/protocol: a load
// program is an outside client, and it must keep building while the server's modules move.

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::bench {

/// `{"id": id, "op": op, ...arguments}` as one compact JSON text.
std::string requestFrame(std::uint64_t id, std::string_view op,
                         nlohmann::json arguments = nlohmann::json::object());

/// Opens `socket` (a ChatSocket), hands every frame to `on_frame` from then on and signs in with
/// `init` (request `init_id`). `on_fail` gets why the connection could not open or ended.
template <class Socket, class OnFrame, class OnFail>
void openAndInit(Socket& socket, std::string token, std::uint64_t init_id, OnFrame on_frame,
                 OnFail on_fail) {
    socket.open([&socket, token = std::move(token), init_id, on_frame = std::move(on_frame),
                 on_fail = std::move(on_fail)](const std::string& error) mutable {
        if (!error.empty()) {
            on_fail(error);
            return;
        }
        socket.readFrames(std::move(on_frame), on_fail);
        socket.send(requestFrame(init_id, "init", {{"token", std::move(token)}}));
    });
}

/// A received frame, classified. The views point into the parser's storage: valid until the
/// parser's next parse.
struct ServerFrame {
    /// True for replies, including the 50429 reply whose `reply_to` is null.
    bool is_reply = false;
    std::optional<std::uint64_t> reply_to;
    bool ok = false;
    std::int64_t error_code = 0;
    std::string_view error_message;
    /// The event name; empty for replies.
    std::string_view event;
    simdjson::dom::element root;
};

/// Nullopt when the text is not a JSON object.
std::optional<ServerFrame> parseServerFrame(simdjson::dom::parser& parser, std::string_view text);

/// "code message" of a failed reply, for reports.
std::string describeError(const ServerFrame& frame);

/// The message object of a `message` event, or of a `message.send` reply.
struct MessageFields {
    std::string_view body;
    /// Commit time on the server's clock, in whole milliseconds.
    std::chrono::system_clock::time_point date_created;
};

std::optional<MessageFields> messageFields(simdjson::dom::element message);

} // namespace parley::bench
