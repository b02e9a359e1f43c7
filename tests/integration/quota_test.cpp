// Quotas and paging over a real socket: the per-identity channel quota (50431), the 256-byte
// limits on channel names (50003), and paging of channel.list and of the REST lists
// (page_size, page_token, next_page_token).

#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <parley/client/chat_client.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace parley::testing {
namespace {

const std::string kAuth = kTestKey.sid + ":" + kTestKey.secret;

// A connection initialized as `identity`.
std::unique_ptr<WsTestClient> connect(const ServerProcess& server, const std::string& identity) {
    auto client = std::make_unique<WsTestClient>(server.port());
    EXPECT_EQ(client->request("init", {{"token", mintToken(identity, 600s)}})["ok"], true);
    return client;
}

Json create(WsTestClient& client, const std::string& name, const std::string& type = "public") {
    return client.request("channel.create", {{"unique_name", name}, {"type", type}});
}

// Every page of channel.list with `page_size`, following next_page_token to the end.
std::vector<Json> channelPages(WsTestClient& client, int page_size) {
    std::vector<Json> pages;
    Json args{{"page_size", page_size}};
    while (pages.size() < 100) {
        pages.push_back(client.request("channel.list", args));
        const Json& next = pages.back()["next_page_token"];
        if (pages.back()["ok"] != true || next.is_null()) {
            break;
        }
        args["page_token"] = next;
    }
    return pages;
}

std::vector<std::string> namesIn(const std::vector<Json>& pages) {
    std::vector<std::string> names;
    for (const Json& page : pages) {
        for (const Json& channel : page["channels"]) {
            names.push_back(channel["unique_name"].get<std::string>());
        }
    }
    return names;
}

TEST(Quota, TheChannelOneOverTheQuotaGets50431AndIsNotCreated) {
    ServerProcess server{{"--max-channels-per-identity", "3"}};
    auto alice = connect(server, "alice");
    for (const char* name : {"a1", "a2", "a3"}) {
        ASSERT_EQ(create(*alice, name)["ok"], true) << name;
    }
    const Json refused = create(*alice, "a4");
    EXPECT_EQ(refused["ok"], false);
    EXPECT_EQ(refused["error"]["code"], 50431);
    EXPECT_EQ(alice->request("channel.join", {{"channel", "a4"}})["error"]["code"], 50100);
    // The quota is per identity, and counts channels created, not joined.
    auto bob = connect(server, "bob");
    ASSERT_EQ(create(*bob, "b1")["ok"], true);
    ASSERT_EQ(alice->request("channel.join", {{"channel", "b1"}})["ok"], true);
    EXPECT_EQ(create(*alice, "a5")["error"]["code"], 50431);
    // A new connection of the same identity is no way around it, nor is a restart.
    auto again = connect(server, "alice");
    EXPECT_EQ(create(*again, "a6")["error"]["code"], 50431);
    EXPECT_EQ(namesIn(channelPages(*bob, 500)), (std::vector<std::string>{"a1", "a2", "a3", "b1"}));
}

TEST(Quota, TheQuotaIsAlsoAConfigKey) {
    const auto config = std::filesystem::temp_directory_path() /
                        ("parley-quota-" + std::to_string(::getpid()) + ".toml");
    {
        std::ofstream file{config};
        file << "[limits]\nmax_channels_per_identity = 1\n";
    }
    ServerProcess server{{"--config", config.string()}};
    auto alice = connect(server, "alice");
    ASSERT_EQ(create(*alice, "only")["ok"], true);
    EXPECT_EQ(create(*alice, "second")["error"]["code"], 50431);
    std::filesystem::remove(config);
}

TEST(Quota, ChannelNamesAreAtMost256Bytes) {
    ServerProcess server;
    auto alice = connect(server, "alice");
    const std::string longest(256, 'n');
    EXPECT_EQ(create(*alice, longest)["ok"], true);
    EXPECT_EQ(create(*alice, std::string(257, 'n'))["error"]["code"], 50003);
    // Bytes, not characters: 128 two-byte characters fit, 129 do not.
    std::string accents;
    for (int i = 0; i < 129; ++i) {
        accents += "\u00e9";
    }
    EXPECT_EQ(create(*alice, accents)["error"]["code"], 50003);
    auto fresh = connect(server, "alice"); // 4 refusals would near the protocol-error limit
    EXPECT_EQ(create(*fresh, accents.substr(2))["ok"], true);
    const Json friendly_ok = fresh->request(
        "channel.create", {{"unique_name", "f1"}, {"friendly_name", std::string(256, 'f')}});
    EXPECT_EQ(friendly_ok["ok"], true);
    const Json friendly_long = fresh->request(
        "channel.create", {{"unique_name", "f2"}, {"friendly_name", std::string(257, 'f')}});
    EXPECT_EQ(friendly_long["error"]["code"], 50003);
    EXPECT_EQ(fresh->request("channel.join", {{"channel", "f2"}})["error"]["code"], 50100);
}

TEST(Paging, ChannelListPagesEveryChannelExactlyOnceAndEndsWithNull) {
    ServerProcess server;
    auto alice = connect(server, "alice");
    auto bob = connect(server, "bob");
    std::vector<std::string> expected;
    for (int i = 0; i < 12; ++i) {
        const std::string name = "c" + std::to_string(i);
        ASSERT_EQ(create(*alice, name)["ok"], true);
        expected.push_back(name);
        ASSERT_EQ(create(*bob, "hidden" + std::to_string(i), "private")["ok"], true);
    }
    const auto pages = channelPages(*alice, 5);
    ASSERT_EQ(pages.size(), 3U);
    EXPECT_EQ(pages[0]["channels"].size(), 5U);
    EXPECT_TRUE(pages[0]["next_page_token"].is_string());
    EXPECT_TRUE(pages[2].contains("next_page_token"));
    EXPECT_TRUE(pages[2]["next_page_token"].is_null());
    EXPECT_EQ(namesIn(pages), expected) << "each once, oldest first, no private channel of bob's";
    // A list that fits one page ends at once.
    const Json whole = alice->request("channel.list");
    EXPECT_EQ(whole["channels"].size(), 12U);
    EXPECT_TRUE(whole["next_page_token"].is_null());
}

TEST(Paging, ChannelListDefaultsTo50AndChannelsCreatedMeanwhileComeLater) {
    ServerProcess server;
    auto alice = connect(server, "alice");
    for (int i = 0; i < 52; ++i) {
        ASSERT_EQ(create(*alice, "c" + std::to_string(i))["ok"], true);
    }
    const Json first = alice->request("channel.list");
    ASSERT_EQ(first["channels"].size(), 50U);
    ASSERT_TRUE(first["next_page_token"].is_string());
    ASSERT_EQ(create(*alice, "late")["ok"], true);
    const Json second = alice->request("channel.list", {{"page_token", first["next_page_token"]}});
    std::vector<std::string> rest = namesIn({second});
    EXPECT_EQ(rest, (std::vector<std::string>{"c50", "c51", "late"}));
    EXPECT_TRUE(second["next_page_token"].is_null());
}

TEST(Paging, ABadPageSizeOrTokenIsRefusedWith50003AndTheServerStaysUp) {
    ServerProcess server;
    auto alice = connect(server, "alice");
    ASSERT_EQ(create(*alice, "one")["ok"], true);
    ASSERT_EQ(create(*alice, "two")["ok"], true);
    const Json first = alice->request("channel.list", {{"page_size", 1}});
    const std::string good = first["next_page_token"];
    const std::vector<Json> bad_args = {
        {{"page_size", 0}},
        {{"page_size", 501}},
        {{"page_size", "5"}},
        {{"page_token", "not a token"}},
        {{"page_token", ""}},
        {{"page_token", 7}},
        {{"page_token", std::string(300, 'A')}},
        {{"page_token", good.substr(0, good.size() - 4)}},
        // Well formed, but names no channel of this server's.
        {{"page_token", "MXxjfENIMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDE"}},
    };
    for (const Json& args : bad_args) {
        auto client = connect(server, "alice"); // protocol errors add up per connection
        const Json refused = client->request("channel.list", args);
        EXPECT_EQ(refused["ok"], false) << args.dump();
        EXPECT_EQ(refused["error"]["code"], 50003) << args.dump();
    }
    const Json second = alice->request("channel.list", {{"page_token", good}});
    EXPECT_EQ(namesIn({second}), (std::vector<std::string>{"two"}));
}

TEST(Paging, TheSdksListChannelsFollowsThePagesToTheEnd) {
    // More channels than one page of the largest size the SDK asks for (500).
    ServerProcess server{{"--rate-limit", "5000", "--rate-burst", "5000"}};
    auto alice = connect(server, "alice");
    constexpr int kChannels = 520;
    for (int i = 0; i < kChannels; ++i) {
        ASSERT_EQ(create(*alice, "s" + std::to_string(i))["ok"], true) << i;
    }
    auto bob = client::ChatClient::create(
        mintToken("bob", 600s),
        client::ChatClientOptions{.url = "ws://127.0.0.1:" + std::to_string(server.port()) +
                                         "/v1/ws"});
    const auto listed = bob->listChannels().get();
    ASSERT_TRUE(listed) << listed.error().message;
    ASSERT_EQ(listed->size(), static_cast<std::size_t>(kChannels));
    for (int i = 0; i < kChannels; ++i) {
        EXPECT_EQ((*listed)[static_cast<std::size_t>(i)].unique_name, "s" + std::to_string(i));
    }
    bob->shutdown();
}

TEST(Paging, RestChannelsPageEveryChannelOnce) {
    ServerProcess server;
    auto alice = connect(server, "alice");
    std::vector<std::string> expected;
    for (int i = 0; i < 7; ++i) {
        const std::string name = "r" + std::to_string(i);
        ASSERT_EQ(create(*alice, name, i % 2 == 0 ? "public" : "private")["ok"], true);
        expected.push_back(name);
    }
    std::vector<Json> pages;
    std::string target = "/v1/channels?page_size=3";
    while (pages.size() < 10) {
        const auto got = server.get(target, kAuth);
        ASSERT_EQ(got.status, 200) << got.body;
        pages.push_back(Json::parse(got.body));
        if (pages.back()["next_page_token"].is_null()) {
            break;
        }
        target = "/v1/channels?page_size=3&page_token=" +
                 pages.back()["next_page_token"].get<std::string>();
    }
    ASSERT_EQ(pages.size(), 3U);
    EXPECT_EQ(namesIn(pages), expected);
    const Json whole = Json::parse(server.get("/v1/channels", kAuth).body);
    EXPECT_EQ(whole["channels"].size(), 7U);
    EXPECT_TRUE(whole.contains("next_page_token") && whole["next_page_token"].is_null());

    for (const std::string bad : {"page_size=0", "page_size=501", "page_size=x",
                                  "page_token=", "page_token=garbage", "page_token=%41%41"}) {
        const auto refused = server.get("/v1/channels?" + bad, kAuth);
        EXPECT_EQ(refused.status, 400) << bad;
        EXPECT_EQ(Json::parse(refused.body)["code"], 50003) << bad;
    }
}

std::vector<std::int64_t> indexesIn(const std::vector<Json>& pages) {
    std::vector<std::int64_t> indexes;
    for (const Json& page : pages) {
        for (const Json& message : page["messages"]) {
            indexes.push_back(message["index"].get<std::int64_t>());
        }
    }
    return indexes;
}

// Follows next_page_token from `first` (a query string) to the end.
std::vector<Json> messagePages(const ServerProcess& server, const std::string& first) {
    std::vector<Json> pages;
    std::string query = first;
    while (pages.size() < 20) {
        const auto got = server.get("/v1/channels/room/messages?" + query, kAuth);
        EXPECT_EQ(got.status, 200) << got.body;
        if (got.status != 200) {
            break;
        }
        pages.push_back(Json::parse(got.body));
        if (pages.back()["next_page_token"].is_null()) {
            break;
        }
        query = "page_size=4&page_token=" + pages.back()["next_page_token"].get<std::string>();
    }
    return pages;
}

TEST(Paging, RestMessagesPageForwardAndBackwardEachMessageOnce) {
    ServerProcess server;
    auto alice = connect(server, "alice");
    ASSERT_EQ(create(*alice, "room")["ok"], true);
    ASSERT_EQ(create(*alice, "other")["ok"], true);
    for (int i = 0; i < 10; ++i) {
        ASSERT_EQ(alice->request("message.send", {{"channel", "room"}, {"body", "m"}})["ok"], true);
    }
    // Forward from the start: after=-1 reads upward from index 0.
    const auto forward = messagePages(server, "after=-1&page_size=4");
    EXPECT_EQ(forward.size(), 3U);
    EXPECT_EQ(indexesIn(forward), (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    // Backward from the newest: each page oldest first, pages newest first.
    const auto backward = messagePages(server, "page_size=4");
    ASSERT_EQ(backward.size(), 3U);
    EXPECT_EQ(indexesIn({backward[0]}), (std::vector<std::int64_t>{6, 7, 8, 9}));
    EXPECT_EQ(indexesIn({backward[1]}), (std::vector<std::int64_t>{2, 3, 4, 5}));
    EXPECT_EQ(indexesIn({backward[2]}), (std::vector<std::int64_t>{0, 1}));
    EXPECT_TRUE(backward[2]["next_page_token"].is_null());

    const std::string token = backward[0]["next_page_token"];
    const auto other = server.get("/v1/channels/other/messages?page_token=" + token, kAuth);
    EXPECT_EQ(other.status, 400) << "a token is for the channel it came from";
    EXPECT_EQ(Json::parse(other.body)["code"], 50003);
    const auto mixed = server.get("/v1/channels/room/messages?after=1&page_token=" + token, kAuth);
    EXPECT_EQ(mixed.status, 400);
    const auto channel_token = Json::parse(server.get("/v1/channels?page_size=1", kAuth).body);
    const auto foreign = server.get("/v1/channels/room/messages?page_token=" +
                                        channel_token["next_page_token"].get<std::string>(),
                                    kAuth);
    EXPECT_EQ(foreign.status, 400) << "a channel list's token is not a message list's";
    EXPECT_EQ(server.get("/healthz").status, 200);
}

} // namespace
} // namespace parley::testing
