// Group commit over a real server: many connections sending to one channel at once are committed
// together, yet every send is answered with its own index, the indexes are consecutive, each
// sender's messages keep its order, and every member receives them in index order. Kill -9 in
// the middle of such a load loses nothing that was acknowledged.

#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <memory>
#include <mutex>
#include <numeric>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace parley::testing {
namespace {

constexpr int kSenders = 24;
constexpr int kPerSender = 30; // under the default burst, so no send is rate limited

std::unique_ptr<WsTestClient> member(const ServerProcess& server, const std::string& identity) {
    auto client = std::make_unique<WsTestClient>(server.port());
    EXPECT_EQ(client->request("init", {{"token", mintToken(identity, 600s)}})["ok"], true);
    EXPECT_EQ(client->request("channel.join", {{"channel", "busy"}})["ok"], true);
    return client;
}

std::vector<std::unique_ptr<WsTestClient>> openChannel(const ServerProcess& server) {
    WsTestClient owner{server.port()};
    EXPECT_EQ(owner.request("init", {{"token", mintToken("owner", 600s)}})["ok"], true);
    EXPECT_EQ(owner.request("channel.create", {{"unique_name", "busy"}})["ok"], true);
    std::vector<std::unique_ptr<WsTestClient>> senders;
    for (int i = 0; i < kSenders; ++i) {
        senders.push_back(member(server, "sender" + std::to_string(i)));
    }
    return senders;
}

double metric(const std::string& page, const std::string& sample) {
    const auto at = page.find("\n" + sample + " ");
    return at == std::string::npos ? -1 : std::stod(page.substr(at + sample.size() + 2));
}

// Every sender pipelines all its sends at once, then reads its replies: each sender's indexes in
// the order it sent (-1 for a send that got no ok).
std::vector<std::vector<std::int64_t>>
sendFromAll(std::vector<std::unique_ptr<WsTestClient>>& senders) {
    std::vector<std::vector<std::int64_t>> indexes(senders.size());
    std::vector<std::thread> threads;
    for (std::size_t s = 0; s < senders.size(); ++s) {
        threads.emplace_back([&, s] {
            std::vector<std::uint64_t> sent;
            for (int n = 0; n < kPerSender; ++n) {
                sent.push_back(senders[s]->send(
                    "message.send", {{"channel", "busy"}, {"body", std::to_string(n)}}));
            }
            for (const std::uint64_t id : sent) {
                const auto reply = senders[s]->waitForReply(id, 20s);
                const bool ok = reply && reply->value("ok", false);
                EXPECT_TRUE(ok) << (reply ? reply->dump() : "no reply");
                indexes[s].push_back(ok ? (*reply)["message"]["index"].get<std::int64_t>() : -1);
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    return indexes;
}

TEST(GroupCommit, ConcurrentSendsGetConsecutiveIndexesAndArriveInIndexOrder) {
    ServerProcess server;
    auto senders = openChannel(server);
    auto reader = member(server, "reader");
    const auto indexes = sendFromAll(senders);

    constexpr int kTotal = kSenders * kPerSender;
    std::vector<std::int64_t> all;
    for (const auto& own : indexes) {
        EXPECT_TRUE(std::ranges::is_sorted(own)) << "a sender's messages were reordered";
        all.insert(all.end(), own.begin(), own.end());
    }
    std::ranges::sort(all);
    std::vector<std::int64_t> expected(kTotal);
    std::iota(expected.begin(), expected.end(), 0);
    EXPECT_EQ(all, expected) << "indexes repeated or skipped";

    for (auto* client : {reader.get(), senders.front().get(), senders.back().get()}) {
        std::vector<std::int64_t> received;
        for (int i = 0; i < kTotal; ++i) {
            const auto event = client->waitForEvent("message", 20s);
            if (!event) {
                break;
            }
            received.push_back(event->at("message").at("index").get<std::int64_t>());
        }
        EXPECT_EQ(received, expected) << "a member got the messages out of index order";
    }
    // The point of it: fewer commits than messages (one per send without group commit).
    const std::string page = server.get("/metrics").body;
    EXPECT_EQ(metric(page, "parley_messages_stored_total"), kTotal);
    EXPECT_LT(metric(page, "parley_store_commit_seconds_count"), kTotal) << page;
}

// Every message stored in the channel, in index order, read page by page.
std::vector<Json> storedMessages(WsTestClient& client) {
    std::vector<Json> messages;
    for (;;) {
        const std::int64_t after =
            messages.empty() ? -1 : messages.back()["index"].get<std::int64_t>();
        const Json page = client.request("message.history",
                                         {{"channel", "busy"}, {"after", after}, {"limit", 500}});
        EXPECT_EQ(page["ok"], true) << page.dump();
        if (page["ok"] != true || page["messages"].empty()) {
            return messages;
        }
        for (const Json& message : page["messages"]) {
            messages.push_back(message);
        }
    }
}

// Every sender pipelines all its sends; once a third of them are acknowledged the server is
// killed, with the rest queued or being committed. The SIDs of the acknowledged ones.
std::set<std::string> sendUntilKilled(ServerProcess& server,
                                      std::vector<std::unique_ptr<WsTestClient>>& senders) {
    std::set<std::string> acknowledged;
    std::mutex mutex;
    std::condition_variable progressed;
    std::vector<std::thread> threads;
    for (auto& sender : senders) {
        threads.emplace_back([&, client = sender.get()] {
            std::vector<std::uint64_t> sent;
            for (int n = 0; n < kPerSender; ++n) {
                sent.push_back(client->send("message.send", {{"channel", "busy"}, {"body", "m"}}));
            }
            for (const std::uint64_t id : sent) {
                const auto reply = client->waitForReply(id, 5s);
                if (!reply || !reply->value("ok", false)) {
                    return; // the server is gone
                }
                const std::lock_guard lock{mutex};
                acknowledged.insert((*reply)["message"]["sid"].get<std::string>());
                progressed.notify_all();
            }
        });
    }
    {
        std::unique_lock lock{mutex};
        EXPECT_TRUE(progressed.wait_for(lock, 20s, [&] {
            return acknowledged.size() >= std::size_t{kSenders * kPerSender / 3};
        }));
    }
    EXPECT_EQ(server.stop(SIGKILL), 128 + SIGKILL);
    for (auto& thread : threads) {
        thread.join();
    }
    return acknowledged;
}

TEST(GroupCommit, EveryAcknowledgedMessageSurvivesKill9DuringConcurrentSends) {
    const auto data_dir = std::filesystem::temp_directory_path() /
                          ("parley-group-commit-" + std::to_string(::getpid()));
    std::filesystem::remove_all(data_dir);
    std::set<std::string> acknowledged;
    {
        ServerProcess server{{}, data_dir};
        auto senders = openChannel(server);
        acknowledged = sendUntilKilled(server, senders);
    }
    ServerProcess restarted{{}, data_dir};
    WsTestClient client{restarted.port()};
    ASSERT_EQ(client.request("init", {{"token", mintToken("owner", 600s)}})["ok"], true);
    std::set<std::string> stored;
    std::int64_t expected_index = 0;
    for (const Json& message : storedMessages(client)) {
        EXPECT_EQ(message["index"], expected_index++) << "indexes must be contiguous";
        stored.insert(message["sid"].get<std::string>());
    }
    EXPECT_GE(acknowledged.size(), std::size_t{kSenders * kPerSender / 3});
    for (const std::string& sid : acknowledged) {
        EXPECT_TRUE(stored.contains(sid)) << "acknowledged message " << sid << " was lost";
    }
    std::filesystem::remove_all(data_dir);
}

} // namespace
} // namespace parley::testing
