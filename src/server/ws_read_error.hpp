#pragma once

// Every way a client's WebSocket bytes can break RFC 6455, one code each, and the close code each
// ends the connection with (WsFrameReader reports them).

#include <array>
#include <cstdint>
#include <string_view>
#include <system_error>

namespace parley::server {

/// Why a client's bytes are not a valid frame sequence. Each ends the connection with the close
/// code closeCodeFor() gives; the reader stays failed.
enum class WsReadError : std::uint8_t {
    /// A client frame without the mask bit (RFC 6455, 5.1).
    kUnmaskedFrame = 1,
    /// RSV1, RSV2 or RSV3 set: no extension was negotiated.
    kReservedBits,
    /// An opcode RFC 6455 does not define (3-7, 0xB-0xF).
    kUnknownOpcode,
    /// A ping, pong or close frame with FIN clear.
    kFragmentedControl,
    /// A control frame with more than 125 bytes of payload.
    kControlTooLong,
    /// A continuation frame with no fragmented message started.
    kUnexpectedContinuation,
    /// A text or binary frame while a fragmented message is still open.
    kUnfinishedMessage,
    /// A 16- or 64-bit length that would have fit a shorter encoding.
    kNonMinimalLength,
    /// A 64-bit length with its most significant bit set.
    kLengthTopBit,
    /// A close frame with exactly one byte of payload (half a status code).
    kCloseTooShort,
    /// A close status code that may not be sent on the wire (RFC 6455, 7.4).
    kBadCloseCode,
    /// The message would exceed the reader's max_message_bytes.
    kMessageTooBig,
    /// A text message that is not valid UTF-8.
    kTextNotUtf8,
    /// A close reason that is not valid UTF-8.
    kCloseReasonNotUtf8,
};

/// All codes, in declaration order; lets tests walk every value.
inline constexpr std::array kAllWsReadErrors = {
    WsReadError::kUnmaskedFrame,     WsReadError::kReservedBits,
    WsReadError::kUnknownOpcode,     WsReadError::kFragmentedControl,
    WsReadError::kControlTooLong,    WsReadError::kUnexpectedContinuation,
    WsReadError::kUnfinishedMessage, WsReadError::kNonMinimalLength,
    WsReadError::kLengthTopBit,      WsReadError::kCloseTooShort,
    WsReadError::kBadCloseCode,      WsReadError::kMessageTooBig,
    WsReadError::kTextNotUtf8,       WsReadError::kCloseReasonNotUtf8,
};

/// The close code to send for `error`: 1002 (protocol error), 1007 (invalid UTF-8) or 1009
/// (message too big).
std::uint16_t closeCodeFor(WsReadError error);

/// One sentence saying what the code means.
std::string_view describe(WsReadError error);

/// The category of WsReadError, for logs that carry a std::error_code.
const std::error_category& wsReadErrorCategory();

// NOLINTNEXTLINE(readability-identifier-naming): found by ADL, the name std::error_code requires.
std::error_code make_error_code(WsReadError error);

} // namespace parley::server

template <> struct std::is_error_code_enum<parley::server::WsReadError> : std::true_type {};
