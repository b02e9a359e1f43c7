// The SDK when the server revokes its token: a real ChatClient with an AccessManager against the
// real `parley serve`. The 4403 close fires tokenError 20120, the manager's provider is asked for a
// new token at once (not at the about-to-expire window), and the client reconnects with it, never
// with the revoked one.

#include "client_event_log.hpp"
#include "protocol/codes.hpp"
#include "server_process.hpp"

#include <parley/client/access_manager.hpp>
#include <parley/client/chat_client.hpp>
#include <parley/token/error.hpp>

#include <gtest/gtest.h>

#include <atomic>

namespace parley::testing {
namespace {

using namespace std::chrono_literals;

TEST(ClientRevocation, A4403MakesTheManagerFetchANewTokenAndTheClientReconnectsWithIt) {
    ServerProcess server;
    std::atomic<int> provider_calls{0};
    auto manager = client::AccessManager::create(
        mintToken("alice", 600s),
        client::AccessManagerOptions{
            .provider = client::blockingProvider([&provider_calls]() -> client::ProviderResult {
                ++provider_calls;
                // Issued the second after now: never covered by a revocation made before the call.
                return mintTokenAt("alice", std::chrono::system_clock::now() + 1s, 600s);
            }),
            .retry = {.initial = 50ms, .max = 100ms},
        });
    auto log = std::make_shared<ClientEventLog>();
    auto chat = client::ChatClient::create(
        *manager->token(), client::ChatClientOptions{
                               .url = "ws://127.0.0.1:" + std::to_string(server.port()) + "/v1/ws",
                               .reconnect = {.initial = 50ms, .max = 200ms},
                               .listener = log});
    manager->attach(chat);
    ASSERT_TRUE(log->waitFor("connected:alice"));

    const auto revoked = server.post("/v1/revocations", R"({"identity":"alice"})",
                                     kTestKey.sid + ":" + kTestKey.secret);
    ASSERT_EQ(revoked.status, 201) << revoked.body;
    EXPECT_TRUE(log->waitFor("disconnected:" +
                             std::to_string(static_cast<int>(protocol::CloseCode::kTokenRevoked))));
    EXPECT_TRUE(log->waitFor("tokenError:" +
                             std::to_string(static_cast<int>(token::TokenError::kRevoked))));
    ASSERT_TRUE(log->waitFor("reconnected:alice")) << "with the provider's new token";
    EXPECT_EQ(provider_calls.load(), 1);
    EXPECT_EQ(
        log->count("tokenError:" + std::to_string(static_cast<int>(token::TokenError::kRevoked))),
        1U)
        << "the revoked token was never sent again";
    EXPECT_TRUE(chat->createChannel("after-revocation").get());
    chat->shutdown();
    manager->shutdown();
}

} // namespace
} // namespace parley::testing
