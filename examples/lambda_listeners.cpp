// The token lifecycle with lambda listeners: connect, show each lifecycle event, renew by
// updateToken when the token is about to expire, and say something in a channel.
//
//   examples/lambda_listeners ws://127.0.0.1:8080/v1/ws "$(parley token mint ... --ttl 600)"
//       "parley token mint ... --ttl 600"   (all on one line)
//
// The third argument is a shell command that prints a fresh token (any token service would do).

#include "token_command.hpp"

#include <parley/client/chat_client.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: lambda_listeners URL TOKEN TOKEN_COMMAND\n";
        return 2;
    }
    const std::string token_command = argv[3];
    using namespace parley::client;
    auto client = ChatClient::create(argv[2], {.url = argv[1]});

    // Each registration returns a Subscription: the lambda is called while it lives.
    auto connected = client->onConnected([](const TokenInfo& token, bool reconnected) {
        std::cout << (reconnected ? "reconnected as " : "connected as ") << token.identity << '\n';
    });
    auto expiring = client->onTokenAboutToExpire([&](const TokenInfo&) {
        std::cout << "token about to expire: renewing\n";
        // Safe from inside a callback: updateToken never blocks the client's threads.
        if (auto token = examples::runTokenCommand(token_command)) {
            client->updateToken(*token);
        }
    });
    auto updated = client->onTokenUpdated([](const TokenInfo& token) {
        std::cout << "token updated, now expires at " << token.expires_at.time_since_epoch().count()
                  << '\n';
    });
    auto expired = client->onTokenExpired([](const TokenInfo&) { std::cout << "token expired\n"; });
    auto errors = client->onTokenError([](const Error& error) {
        std::cout << "token error " << error.code << ": " << error.message << '\n';
    });
    auto messages = client->onMessageAdded([](const Message& message) {
        std::cout << "#" << message.index << " " << message.author << ": " << message.body << '\n';
    });

    // Join the lobby, creating it the first time; if someone else created it meanwhile, join
    // theirs.
    auto channel = client->join("lobby").get();
    if (!channel) {
        channel = client->createChannel("lobby").get();
    }
    if (!channel) {
        channel = client->join("lobby").get();
    }
    if (!channel) {
        std::cerr << "cannot join lobby: " << channel.error().message << '\n';
        return 1;
    }
    auto sent = client->send("lobby", "hello from the lambda example").get();
    if (!sent) {
        std::cerr << "cannot send: " << sent.error().message << '\n';
        return 1;
    }
    (void)client->ping().get(); // every event before the reply has been printed
    client->shutdown();
    return 0;
}
