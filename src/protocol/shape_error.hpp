#pragma once

// What decoding a protocol shape reports when the bytes do not have it.

#include "protocol/codes.hpp"

#include <expected>
#include <string>

namespace parley::protocol {

struct ShapeError {
    /// The reply code a server gives for it (50003 unless a more precise code exists).
    ErrorCode code = ErrorCode::kInvalidArgument;
    std::string message;
};

template <typename T> using Decoded = std::expected<T, ShapeError>;

inline std::unexpected<ShapeError> shapeError(std::string message,
                                              ErrorCode code = ErrorCode::kInvalidArgument) {
    return std::unexpected(ShapeError{.code = code, .message = std::move(message)});
}

} // namespace parley::protocol
