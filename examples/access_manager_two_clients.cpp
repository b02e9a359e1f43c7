// One AccessManager keeping one token fresh for two clients of the same user (say, the chat
// client and a second connection a sync client would use). The provider is a shell command.
//
//   examples/access_manager_two_clients ws://127.0.0.1:8080/v1/ws
//       "parley token mint ... --identity alice --ttl 185" SECONDS   (all on one line)
//
// Runs for SECONDS (default 10): with a 185 s token and W = 180 s, renewal starts after 5 s.

#include "token_command.hpp"

#include <parley/client/access_manager.hpp>
#include <parley/client/chat_client.hpp>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>

using namespace parley::client;
using examples::runTokenCommand;

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: access_manager_two_clients URL TOKEN_COMMAND [SECONDS]\n";
        return 2;
    }
    const std::string command = argv[2];
    const auto run_for = std::chrono::seconds{argc > 3 ? std::stoi(argv[3]) : 10};
    auto first_token = runTokenCommand(command);
    if (!first_token) {
        std::cerr << first_token.error().message << '\n';
        return 1;
    }
    auto manager = AccessManager::create(
        *first_token, {.provider = blockingProvider([command] { return runTokenCommand(command); }),
                       // Renew as soon as the window opens, for the demo. Apps with many users
                       // keep the default spread, so shared expiries do not renew all at once.
                       .renewal_spread = 0.0});
    auto renewed = manager->onTokenUpdated([](const TokenInfo& token) {
        std::cout << "manager: new token until " << token.expires_at.time_since_epoch().count()
                  << '\n';
    });
    auto errors = manager->onError([](const Error& error) {
        std::cout << "manager: error " << error.code << ": " << error.message << '\n';
    });

    auto chat = ChatClient::create(*manager->token(), {.url = argv[1]});
    auto second = ChatClient::create(*manager->token(), {.url = argv[1]});
    manager->attach(chat);
    manager->attach(second);
    auto chat_updates =
        chat->onTokenUpdated([](const TokenInfo&) { std::cout << "chat: token updated\n"; });
    auto second_updates =
        second->onTokenUpdated([](const TokenInfo&) { std::cout << "second: token updated\n"; });

    std::this_thread::sleep_for(run_for); // an app would run its UI here
    std::cout << "provider calls: " << manager->providerCalls() << '\n';
    manager->shutdown();
    chat->shutdown();
    second->shutdown();
    return 0;
}
