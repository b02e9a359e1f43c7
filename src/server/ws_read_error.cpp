#include "server/ws_read_error.hpp"

#include "protocol/codes.hpp"

#include <string>

namespace parley::server {

std::uint16_t closeCodeFor(WsReadError error) {
    using protocol::CloseCode;
    switch (error) {
    case WsReadError::kMessageTooBig:
        return static_cast<std::uint16_t>(CloseCode::kMessageTooBig);
    case WsReadError::kTextNotUtf8:
    case WsReadError::kCloseReasonNotUtf8:
        return static_cast<std::uint16_t>(CloseCode::kInvalidUtf8);
    default:
        return static_cast<std::uint16_t>(CloseCode::kFramingError);
    }
}

std::string_view describe(WsReadError error) {
    switch (error) {
    case WsReadError::kUnmaskedFrame:
        return "a client frame was not masked";
    case WsReadError::kReservedBits:
        return "a frame set a reserved bit, and no extension was negotiated";
    case WsReadError::kUnknownOpcode:
        return "a frame had an opcode WebSocket does not define";
    case WsReadError::kFragmentedControl:
        return "a control frame was fragmented";
    case WsReadError::kControlTooLong:
        return "a control frame carried more than 125 bytes";
    case WsReadError::kUnexpectedContinuation:
        return "a continuation frame came with no fragmented message started";
    case WsReadError::kUnfinishedMessage:
        return "a new data message started before the fragmented one was finished";
    case WsReadError::kNonMinimalLength:
        return "a frame length was not in its shortest encoding";
    case WsReadError::kLengthTopBit:
        return "a 64-bit frame length had its most significant bit set";
    case WsReadError::kCloseTooShort:
        return "a close frame carried one byte, half a status code";
    case WsReadError::kBadCloseCode:
        return "a close frame carried a status code that may not be sent";
    case WsReadError::kMessageTooBig:
        return "a message exceeded the size limit";
    case WsReadError::kTextNotUtf8:
        return "a text message was not valid UTF-8";
    case WsReadError::kCloseReasonNotUtf8:
        return "a close reason was not valid UTF-8";
    }
    return "unknown WebSocket read error";
}

namespace {

class WsReadErrorCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "parley.ws_read"; }
    std::string message(int value) const override {
        return std::string{describe(static_cast<WsReadError>(value))};
    }
};

} // namespace

const std::error_category& wsReadErrorCategory() {
    static const WsReadErrorCategory category;
    return category;
}

std::error_code make_error_code(WsReadError error) {
    return {static_cast<int>(error), wsReadErrorCategory()};
}

} // namespace parley::server
