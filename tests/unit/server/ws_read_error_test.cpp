// Every WsReadError: its close code, its sentence and its category.

#include "server/ws_read_error.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <system_error>

namespace {

using parley::server::WsReadError;

TEST(WsReadError, MapsEveryErrorToItsCloseCodeAndSentence) {
    for (const auto error : parley::server::kAllWsReadErrors) {
        const std::uint16_t expected =
            error == WsReadError::kMessageTooBig ? 1009
            : error == WsReadError::kTextNotUtf8 || error == WsReadError::kCloseReasonNotUtf8
                ? 1007
                : 1002;
        EXPECT_EQ(parley::server::closeCodeFor(error), expected) << static_cast<int>(error);
        EXPECT_FALSE(parley::server::describe(error).empty());
        const std::error_code code = error;
        EXPECT_EQ(code.category().name(), std::string{"parley.ws_read"});
        EXPECT_EQ(code.message(), parley::server::describe(error));
    }
}

} // namespace
