// The same events through the ChatClientListener interface: override what you need.
//
//   examples/interface_listener ws://127.0.0.1:8080/v1/ws "$(parley token mint ... --ttl 600)"

#include <parley/client/chat_client.hpp>

#include <iostream>
#include <memory>

namespace {

using namespace parley::client;

class PrintingListener final : public ChatClientListener {
public:
    void onConnected(const TokenInfo& token, bool /*reconnected*/) override {
        std::cout << "connected as " << token.identity << '\n';
    }
    void onTokenAboutToExpire(const TokenInfo& /*token*/) override {
        std::cout << "token about to expire (call updateToken)\n";
    }
    void onTokenExpired(const TokenInfo& /*token*/) override { std::cout << "token expired\n"; }
    void onTokenError(const Error& error) override {
        std::cout << "token error " << error.code << ": " << error.message << '\n';
    }
    void onMessageAdded(const Message& message) override {
        std::cout << "#" << message.index << " " << message.author << ": " << message.body << '\n';
    }
    void onDisconnected(const Disconnect& disconnect) override {
        std::cout << "disconnected (" << disconnect.close_code << ")\n";
    }
};

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: interface_listener URL TOKEN\n";
        return 2;
    }
    // Given in the options, the listener sees every event from the very first.
    auto client = ChatClient::create(
        argv[2], {.url = argv[1], .listener = std::make_shared<PrintingListener>()});
    auto channels = client->listChannels().get();
    if (!channels) {
        std::cerr << "cannot list channels: " << channels.error().message << '\n';
        return 1;
    }
    for (const auto& channel : *channels) {
        std::cout << "channel " << channel.unique_name << " (" << channel.type << ")\n";
    }
    client->shutdown();
    return 0;
}
