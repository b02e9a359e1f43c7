#pragma once

// Building a rejected result in one expression: `return fail(TokenError::kExpired, "...")`.

#include <parley/token/error.hpp>

#include <expected>
#include <string>

namespace parley::token {

inline std::unexpected<TokenFailure> fail(TokenError code, std::string message) {
    return std::unexpected(TokenFailure{code, std::move(message)});
}

} // namespace parley::token
