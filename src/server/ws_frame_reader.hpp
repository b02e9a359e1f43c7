#pragma once

// The reading half of a server WebSocket connection without Beast's websocket::stream: client
// frames (RFC 6455, 5) parsed from bytes as they come off the socket, with no I/O. Beast's stream
// costs an idle connection 2.7 KiB of state plus about 1 KiB for its pending read; this reader is
// a few dozen bytes and holds no heap memory between messages.
//
// Data frames are reassembled into whole messages, unmasked as their bytes arrive; control frames
// (ping, pong, close) are returned as they come, also between the fragments of a message. The
// reader answers nothing itself: replying to a ping or a close is the session's job
// (ws_control_frame.hpp builds the frames).
//
// Threading: one connection's thread; no shared state.

#include "server/ws_read_error.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>

namespace parley::server {

enum class WsEventKind : std::uint8_t { kNone, kText, kBinary, kPing, kPong, kClose };

struct WsEvent {
    WsEventKind kind = WsEventKind::kNone;
    /// The whole message (kText, kBinary), the ping or pong payload, or the close reason; unmasked.
    std::string payload;
    /// kClose only: the status code, 1005 (no status) when the close frame had no payload.
    std::uint16_t close_code = 0;

    bool operator==(const WsEvent&) const = default;
};

/// The close code reported for a close frame without a payload (RFC 6455, 7.1.5).
inline constexpr std::uint16_t kCloseNoStatus = 1005;

class WsFrameReader {
public:
    /// `max_message_bytes`: the largest message, counted over all its fragments, that is accepted;
    /// a frame announcing more fails with kMessageTooBig before any of its payload is kept.
    explicit WsFrameReader(std::size_t max_message_bytes);

    /// Takes bytes as they come off the socket, split anywhere. The payload of a data frame is
    /// unmasked straight into the message; what follows a completed event, or a partial header or
    /// control frame, is kept until next() parses it. Call next() until it returns kNone after
    /// each feed(): the bytes kept are then at most max_message_bytes plus one partial control
    /// frame (131 bytes); the message's string may have up to twice that capacity, as it grows
    /// by doubling. Bytes fed after a failure are ignored.
    void feed(std::span<const char> bytes);

    /// The next complete event, an event of kind kNone when more bytes are needed, or the error
    /// the bytes contain. Events come in the order of their final frames. After an error every
    /// call returns that error.
    std::expected<WsEvent, WsReadError> next();

    /// True when nothing is buffered: no partial frame or message, no unread event. The reader
    /// then holds no heap memory and the session can wait on the socket at no cost.
    bool idle() const;

    /// Bytes the reader holds on the heap, capacity included: 0 whenever idle(). What a
    /// connection costs beyond sizeof(WsFrameReader), for tests and memory accounting.
    std::size_t heapBytes() const;

private:
    // What parse() stopped on.
    enum class Stop : std::uint8_t { kNeedMore, kMessage, kControl, kFailed };

    Stop parse(std::string_view& bytes);
    Stop startDataFrame(bool fin, std::uint8_t opcode, std::uint64_t length);
    void appendPayload(std::string_view& bytes);
    Stop finishMessage();
    std::expected<WsEvent, WsReadError> takeControl(std::string_view& bytes);
    WsEvent takeMessage();
    void keepUnparsed(std::string_view unparsed, bool need_more);
    Stop fail(WsReadError error);

    std::size_t max_message_bytes_;
    // The current message, unmasked: the fragments received so far. Empty (no heap) between
    // messages: a completed message is swapped out to the caller.
    std::string message_;
    // Fed bytes not parsed yet, from input_pos_ on. A partial header fits the string's inline
    // buffer, so a connection waiting in the middle of a header holds no heap memory either.
    std::string input_;
    // Payload bytes of the current data frame still to come.
    std::uint64_t frame_remaining_ = 0;
    std::array<std::uint8_t, 4> mask_{};
    std::uint32_t input_pos_ = 0;
    // Position in the mask of the next payload byte of the current data frame.
    std::uint8_t mask_offset_ = 0;
    WsEventKind message_kind_ = WsEventKind::kNone; // kText or kBinary while a message is open
    bool in_frame_ = false;                         // a data frame header was read
    bool frame_fin_ = false;
    bool message_ready_ = false; // message_ is complete and not yet returned
    bool failed_ = false;
    WsReadError error_ = WsReadError::kUnmaskedFrame; // meaningful once failed_
};

// 8 for the limit, two strings, and the frame state: a fraction of Beast's 2.7 KiB.
static_assert(sizeof(WsFrameReader) <= 96);

} // namespace parley::server
