// Members see a channel's messages in index order, whatever thread handled each send: several
// senders pipeline messages at once into a server with two io threads, and every member's socket
// (a raw client, no SDK to reorder for it) must carry indexes 0, 1, 2, ... with no gap.

#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace parley::testing {
namespace {

constexpr int kSenders = 4;
constexpr int kReaders = 3;
constexpr int kPerSender = 40; // under the default burst, so no send is rate limited

std::unique_ptr<WsTestClient> member(const ServerProcess& server, const std::string& identity) {
    auto client = std::make_unique<WsTestClient>(server.port());
    EXPECT_EQ(client->request("init", {{"token", mintToken(identity, 600s)}})["ok"], true);
    EXPECT_EQ(client->request("channel.join", {{"channel", "busy"}})["ok"], true);
    return client;
}

// Every message event the client receives, in arrival order.
std::vector<std::int64_t> receivedIndexes(WsTestClient& client, int count) {
    std::vector<std::int64_t> indexes;
    for (int i = 0; i < count; ++i) {
        const auto event = client.waitForEvent("message", 10s);
        if (!event) {
            break;
        }
        indexes.push_back(event->at("message").at("index").get<std::int64_t>());
    }
    return indexes;
}

TEST(Ordering, EveryMemberGetsConcurrentSendsInIndexOrder) {
    ServerProcess server; // two io threads, as every integration test server runs
    WsTestClient owner{server.port()};
    ASSERT_EQ(owner.request("init", {{"token", mintToken("owner", 600s)}})["ok"], true);
    ASSERT_EQ(owner.request("channel.create", {{"unique_name", "busy"}})["ok"], true);
    std::vector<std::unique_ptr<WsTestClient>> senders;
    std::vector<std::unique_ptr<WsTestClient>> readers;
    for (int i = 0; i < kSenders; ++i) {
        senders.push_back(member(server, "sender" + std::to_string(i)));
    }
    for (int i = 0; i < kReaders; ++i) {
        readers.push_back(member(server, "reader" + std::to_string(i)));
    }
    std::vector<std::thread> threads;
    for (auto& sender : senders) {
        threads.emplace_back([&sender] {
            std::vector<std::uint64_t> sent;
            for (int n = 0; n < kPerSender; ++n) {
                sent.push_back(sender->send("message.send",
                                            {{"channel", "busy"}, {"body", std::to_string(n)}}));
            }
            for (const std::uint64_t id : sent) {
                const auto reply = sender->waitForReply(id, 10s);
                EXPECT_TRUE(reply && (*reply)["ok"] == true) << (reply ? reply->dump() : "none");
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    constexpr int kTotal = kSenders * kPerSender;
    std::vector<std::int64_t> expected(kTotal);
    for (int i = 0; i < kTotal; ++i) {
        expected[static_cast<std::size_t>(i)] = i;
    }
    for (auto* client : {&owner, readers[0].get(), readers[1].get(), readers[2].get(),
                         senders[0].get(), senders[3].get()}) {
        EXPECT_EQ(receivedIndexes(*client, kTotal), expected);
    }
}

} // namespace
} // namespace parley::testing
