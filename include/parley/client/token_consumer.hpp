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
};

} // namespace parley::client
