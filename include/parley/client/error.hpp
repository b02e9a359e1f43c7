#pragma once

// Errors the SDK reports: a wire code and a message. Token problems carry the contract's 201xx
// codes (the same code wherever the cause is found: locally, at `init`, on `update_token`, on
// reconnect); server refusals carry the 50xxx reply codes of docs/protocol.md; failures only the
// client can see carry the 51xxx codes below.

#include <string>
#include <string_view>

namespace parley::client {

/// Codes for failures that happen in the client, not on the server.
enum class ClientErrorCode {
    /// The connection ended after the request was sent and before its reply; it may or may not
    /// have been applied (check with history before re-sending a message).
    kConnectionLost = 51000,
    /// The client was shut down before the request completed.
    kShutDown = 51001,
    /// Too many requests are waiting to be sent, for a connection or for the server's rate (the
    /// queue is bounded).
    kQueueFull = 51002,
    /// A reply could not be understood (a server that does not speak this protocol).
    kBadReply = 51004,
    /// The token provider failed (transient failures are retried; this one is reported).
    kProviderFailed = 51005,
};

/// One sentence per client code.
std::string_view describe(ClientErrorCode code);

struct Error {
    /// 201xx (token), 50xxx (server reply), 51xxx (ClientErrorCode).
    int code = 0;
    std::string message;

    static Error client(ClientErrorCode code, std::string message = {});
    /// Whether the code is a token code (the 201xx range of parley::token::TokenError, codes
    /// added to it later included).
    bool isTokenError() const;
};

} // namespace parley::client
