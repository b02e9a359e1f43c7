#pragma once

// What an AccessManager needs of a client: something that accepts a renewed token and says
// whether the service took it. ChatClient implements it; the sync client will too.

#include <parley/client/error.hpp>

#include <expected>
#include <functional>
#include <string>

namespace parley::client {

class TokenConsumer {
public:
    using UpdateDone = std::function<void(std::expected<void, Error>)>;

    virtual ~TokenConsumer() = default;

    /// Hands the consumer a new token. `done` runs once, on any thread, with the outcome (the
    /// service's verdict, or the local pre-check's).
    virtual void acceptToken(std::string token, UpdateDone done) = 0;

    /// Asks the token's owner for a new token at once, naming the token the service revoked.
    using RenewRequest = std::function<void(const std::string& revoked_token)>;
    /// An AccessManager calls this when the consumer is attached: a consumer that learns its
    /// token was revoked (closed with 4403) calls `renew`, from any thread, rather than waiting
    /// for the token's about-to-expire window. Consumers that cannot learn it ignore it.
    virtual void setRenewRequest(const RenewRequest& /*renew*/) {}
};

} // namespace parley::client
