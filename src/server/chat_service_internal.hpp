#pragma once

// What the two halves of ChatService share (chat_service.cpp: routing and the channel ops;
// chat_service_send.cpp: message.send and its group commit): how failures become OpErrors.
// Private to ChatService; nothing else includes it.

#include "server/chat_service.hpp"

#include <chrono>
#include <expected>
#include <string>

namespace parley::server::chat_detail {

using protocol::ErrorCode;

inline std::unexpected<OpError> error(ErrorCode code, std::string message = {}) {
    if (message.empty()) {
        message = std::string{protocol::describe(code)};
    }
    return std::unexpected(OpError{code, std::move(message)});
}

inline std::unexpected<OpError> storeError(StoreError failure) {
    switch (failure) {
    case StoreError::kNotFound:
        return error(ErrorCode::kChannelNotFound);
    case StoreError::kUniqueNameTaken:
        return error(ErrorCode::kUniqueNameTaken);
    case StoreError::kQuotaExceeded:
        return error(ErrorCode::kTooManyChannels);
    case StoreError::kFailed:
        break;
    }
    return error(ErrorCode::kInternal, "storage failed; the operation did not take effect");
}

inline std::unexpected<OpError> shapeFailure(const protocol::ShapeError& failure) {
    return error(failure.code, failure.message);
}

inline std::unexpected<OpError> tokenExpired(token::TimePoint valid_until) {
    const auto exp = std::chrono::floor<std::chrono::seconds>(valid_until.time_since_epoch());
    return std::unexpected(OpError{.code = ErrorCode::kInternal,
                                   .message = "token expired at " + std::to_string(exp.count()),
                                   .token_expired = true});
}

} // namespace parley::server::chat_detail
