#include <parley/client/error.hpp>
#include <parley/client/types.hpp>
#include <parley/token/error.hpp>

namespace parley::client {

std::string_view describe(ClientErrorCode code) {
    switch (code) {
    case ClientErrorCode::kConnectionLost:
        return "the connection ended before the reply; the request may or may not have been "
               "applied";
    case ClientErrorCode::kShutDown:
        return "the client was shut down";
    case ClientErrorCode::kQueueFull:
        return "too many requests are waiting to be sent";
    case ClientErrorCode::kBadReply:
        return "the server sent a frame the client does not understand";
    case ClientErrorCode::kProviderFailed:
        return "the token provider could not give a token";
    }
    return "unknown client error";
}

Error Error::client(ClientErrorCode code, std::string message) {
    return Error{.code = static_cast<int>(code),
                 .message = message.empty() ? std::string{describe(code)} : std::move(message)};
}

bool Error::isTokenError() const {
    // Every token code shares its hundreds with the first one; a newer server's (revocation, say)
    // must still count as a token error, so this is not a lookup in kAllTokenErrors.
    constexpr int kTokenHundreds = static_cast<int>(token::TokenError::kInvalidToken) / 100;
    return code / 100 == kTokenHundreds;
}

std::string_view toString(ConnectionState state) {
    switch (state) {
    case ConnectionState::kConnecting:
        return "connecting";
    case ConnectionState::kConnected:
        return "connected";
    case ConnectionState::kReconnecting:
        return "reconnecting";
    case ConnectionState::kWaitingForToken:
        return "waiting_for_token";
    case ConnectionState::kShutDown:
        return "shut_down";
    }
    return "unknown";
}

std::string_view toString(ConnectionError::Cause cause) {
    switch (cause) {
    case ConnectionError::Cause::kUnresolved:
        return "unresolved";
    case ConnectionError::Cause::kRefused:
        return "refused";
    case ConnectionError::Cause::kTimedOut:
        return "timed_out";
    case ConnectionError::Cause::kHttpStatus:
        return "http_status";
    case ConnectionError::Cause::kTls:
        return "tls";
    case ConnectionError::Cause::kNetwork:
        return "network";
    }
    return "unknown";
}

} // namespace parley::client
