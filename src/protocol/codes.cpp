#include "protocol/codes.hpp"

namespace parley::protocol {

std::string_view describe(ErrorCode code) {
    switch (code) {
    case ErrorCode::kMalformedFrame:
        return "frame must be a JSON object with a numeric id and a string op";
    case ErrorCode::kUnknownOp:
        return "unknown op";
    case ErrorCode::kInvalidArgument:
        return "missing or invalid argument";
    case ErrorCode::kInitRequired:
        return "init must succeed before any other op";
    case ErrorCode::kAlreadyInitialized:
        return "connection is already initialized; use update_token to renew";
    case ErrorCode::kChannelNotFound:
        return "channel not found";
    case ErrorCode::kNotAMember:
        return "not a member of the channel";
    case ErrorCode::kUniqueNameTaken:
        return "unique name already taken";
    case ErrorCode::kBodyTooLarge:
        return "message body larger than 32 KiB";
    case ErrorCode::kInvalidAttributes:
        return "attributes must be a JSON object of at most 16 KiB";
    case ErrorCode::kRateLimited:
        return "rate limited";
    case ErrorCode::kTooManyConnections:
        return "too many connections for this identity";
    case ErrorCode::kTooManyChannels:
        return "this identity has created as many channels as the server allows";
    case ErrorCode::kInternal:
        return "internal server error";
    }
    return "unknown error";
}

std::string_view describe(CloseCode code) {
    switch (code) {
    case CloseCode::kNormal:
        return "normal closure";
    case CloseCode::kGoingAway:
        return "server going away";
    case CloseCode::kFramingError:
        return "WebSocket protocol error";
    case CloseCode::kInvalidUtf8:
        return "invalid UTF-8";
    case CloseCode::kMessageTooBig:
        return "frame too large";
    case CloseCode::kProtocolError:
        return "protocol error";
    case CloseCode::kTokenRejected:
        return "token rejected";
    case CloseCode::kTokenRevoked:
        return "token revoked";
    case CloseCode::kInitTimeout:
        return "no init in time";
    case CloseCode::kTokenExpired:
        return "token expired";
    case CloseCode::kTooSlow:
        return "too slow";
    case CloseCode::kRateLimited:
        return "rate limited";
    }
    return "closed";
}

} // namespace parley::protocol
