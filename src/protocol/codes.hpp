#pragma once

// Wire codes of the chat protocol other than token codes (which are parley::token::TokenError,
// 201xx): reply error codes in the 50000 range and WebSocket close codes. docs/protocol.md is the
// documented table; keep the two in step.

#include <array>
#include <cstdint>
#include <string_view>

namespace parley::protocol {

/// Reply error codes for requests that fail for a reason other than the token.
enum class ErrorCode {
    /// The frame is not a JSON object with a numeric `id` and a string `op`.
    kMalformedFrame = 50001,
    /// `op` names no operation.
    kUnknownOp = 50002,
    /// An argument is missing or has the wrong type or value.
    kInvalidArgument = 50003,
    /// An operation other than `init` came before `init` succeeded.
    kInitRequired = 50004,
    /// `init` came a second time on the same connection.
    kAlreadyInitialized = 50005,
    /// The channel (by SID or unique name) does not exist, or is private and not yours.
    kChannelNotFound = 50100,
    /// The operation needs the caller to be a member of the channel.
    kNotAMember = 50101,
    /// Another channel already has that unique name.
    kUniqueNameTaken = 50102,
    /// A message body is larger than 32 KiB.
    kBodyTooLarge = 50103,
    /// `attributes` is not a JSON object, or is larger than 16 KiB.
    kInvalidAttributes = 50104,
    /// Too many requests on this connection; slow down.
    kRateLimited = 50429,
    /// Too many connections for this identity.
    kTooManyConnections = 50430,
    /// This identity has created as many channels as the server allows.
    kTooManyChannels = 50431,
    /// The server failed (storage); the request may be retried.
    kInternal = 50500,
};

inline constexpr std::array kAllErrorCodes = {
    ErrorCode::kMalformedFrame,    ErrorCode::kUnknownOp,          ErrorCode::kInvalidArgument,
    ErrorCode::kInitRequired,      ErrorCode::kAlreadyInitialized, ErrorCode::kChannelNotFound,
    ErrorCode::kNotAMember,        ErrorCode::kUniqueNameTaken,    ErrorCode::kBodyTooLarge,
    ErrorCode::kInvalidAttributes, ErrorCode::kRateLimited,        ErrorCode::kTooManyConnections,
    ErrorCode::kTooManyChannels,   ErrorCode::kInternal,
};

/// One sentence per code.
std::string_view describe(ErrorCode code);

/// WebSocket close codes the server uses (docs/protocol.md).
enum class CloseCode : std::uint16_t {
    /// Normal closure: the server's answer to a client's close frame that carried no code.
    kNormal = 1000,
    /// Server going away (shutdown); reconnect with the same token.
    kGoingAway = 1001,
    /// The client's bytes broke WebSocket framing (RFC 6455: unmasked frame, reserved bit...).
    kFramingError = 1002,
    /// A text message or close reason that is not UTF-8.
    kInvalidUtf8 = 1007,
    /// A frame over the 64 KiB limit.
    kMessageTooBig = 1009,
    /// Repeated protocol errors.
    kProtocolError = 4400,
    /// The token was rejected at `init`; the reply carried the code. Get a new token first.
    kTokenRejected = 4401,
    /// The token in force was revoked (by identity, `jti` or API key). Get a new token first;
    /// never reconnect with this one.
    kTokenRevoked = 4403,
    /// No `init` within 10 s of connecting.
    kInitTimeout = 4408,
    /// The token expired without a newer one; get a new token, then reconnect.
    kTokenExpired = 4410,
    /// The client read too slowly: its unsent output passed the server's byte limit.
    /// Reconnect and page on by index.
    kTooSlow = 4413,
    /// Rate limited or too many connections; back off, then reconnect.
    kRateLimited = 4429,
};

inline constexpr std::array kAllCloseCodes = {
    CloseCode::kNormal,        CloseCode::kGoingAway,     CloseCode::kFramingError,
    CloseCode::kInvalidUtf8,   CloseCode::kMessageTooBig, CloseCode::kProtocolError,
    CloseCode::kTokenRejected, CloseCode::kTokenRevoked,  CloseCode::kInitTimeout,
    CloseCode::kTokenExpired,  CloseCode::kTooSlow,       CloseCode::kRateLimited,
};

/// The close reason text sent with `code`.
std::string_view describe(CloseCode code);

} // namespace parley::protocol
