// Links the whole installed SDK (client, lifecycle, token, and what they use) and runs: a token
// minted and inspected, a client refused for its URL before any thread starts.

#include <parley/client/chat_client.hpp>
#include <parley/token/access_token_builder.hpp>
#include <parley/token/inspect.hpp>

#include <iostream>
#include <stdexcept>

int main() {
    parley::token::AccessTokenBuilder builder{
        parley::token::ApiKey{.sid = "SK11111111111111111111111111111111",
                              .account_sid = "AC22222222222222222222222222222222",
                              .secret = "consumer-secret"}};
    auto token = builder.identity("alice")
                     .ttl(std::chrono::seconds{600})
                     .mint(parley::token::SystemClock::instance());
    if (!token) {
        return 1;
    }
    try {
        parley::client::ChatClient::create(*token, {.url = "http://not-a-websocket"});
        return 1;
    } catch (const std::invalid_argument& error) {
        std::cout << "ok: " << error.what() << '\n';
    }
    return 0;
}
