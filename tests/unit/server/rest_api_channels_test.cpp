#include "protocol/history_budget.hpp"
#include "rest_api_fixture.hpp"
#include "server/rest_api.hpp"

#include <numeric>

namespace parley::server {
namespace {

using namespace rest_fixture;
using protocol::Json;
namespace http = boost::beast::http;

// ---- /v1/channels ----

TEST_F(RestApiTest, ChannelsListsEveryChannelIncludingPrivateOnesOldestFirst) {
    const std::string general = createChannel("alice", "general", "public");
    const std::string secret = createChannel("bob", "secret", "private");
    const std::string hidden = createChannel("carol", "hidden", "private");
    const HttpResponse response = authorizedGet("/v1/channels");
    ASSERT_EQ(response.result(), http::status::ok);
    const Json channels = body(response).at("channels");
    ASSERT_EQ(channels.size(), 3U) << channels;
    EXPECT_EQ(channels[0].at("sid"), general);
    EXPECT_EQ(channels[1].at("sid"), secret);
    EXPECT_EQ(channels[1].at("type"), "private");
    EXPECT_EQ(channels[1].at("created_by"), "bob");
    EXPECT_EQ(channels[2].at("sid"), hidden);
    EXPECT_EQ(channels[0].at("unique_name"), "general");
    EXPECT_EQ(channels[0].at("attributes"), Json::object());
    EXPECT_EQ(channels[0].at("date_created"), kStartMillis + 1);
}

TEST_F(RestApiTest, ChannelsIsAnEmptyListOnAFreshServer) {
    const HttpResponse response = authorizedGet("/v1/channels");
    ASSERT_EQ(response.result(), http::status::ok);
    EXPECT_EQ(body(response), (Json{{"channels", Json::array()}, {"next_page_token", nullptr}}));
}

// ---- /v1/channels/{channel}/messages ----

TEST_F(RestApiTest, MessagesPageAfterAnIndex) {
    createChannel("alice", "general", "public");
    sendMessages("general", 6);
    const HttpResponse response = authorizedGet("/v1/channels/general/messages?after=2&limit=2");
    ASSERT_EQ(response.result(), http::status::ok) << response.body();
    EXPECT_EQ(indexes(response), (Indexes{3, 4}));
    EXPECT_EQ(indexes(authorizedGet("/v1/channels/general/messages?after=-1&limit=3")),
              (Indexes{0, 1, 2}));
    EXPECT_EQ(indexes(authorizedGet("/v1/channels/general/messages?limit=2&after=4")),
              (Indexes{5}));
}

TEST_F(RestApiTest, MessagesPageBeforeAnIndexAndDefaultToTheNewest) {
    createChannel("alice", "general", "public");
    sendMessages("general", 6);
    EXPECT_EQ(indexes(authorizedGet("/v1/channels/general/messages?before=3")), (Indexes{0, 1, 2}));
    EXPECT_EQ(indexes(authorizedGet("/v1/channels/general/messages")), (Indexes{0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(indexes(authorizedGet("/v1/channels/general/messages?limit=2")), (Indexes{4, 5}));
    EXPECT_EQ(indexes(authorizedGet("/v1/channels/general/messages?limit=500")).size(), 6U);
}

TEST_F(RestApiTest, MessagesCarryEveryField) {
    const std::string sid = createChannel("alice", "general", "public");
    sendMessages("general", 1);
    const Json messages = body(authorizedGet("/v1/channels/general/messages")).at("messages");
    ASSERT_EQ(messages.size(), 1U);
    const Json& message = messages[0];
    EXPECT_TRUE(token::isSid(message.at("sid").get<std::string>(), "IM")) << message;
    EXPECT_EQ(message.at("index"), 0);
    EXPECT_EQ(message.at("channel"), sid);
    EXPECT_EQ(message.at("author"), "alice");
    EXPECT_EQ(message.at("body"), "m0");
    EXPECT_EQ(message.at("attributes"), Json::object());
    EXPECT_EQ(message.at("date_created"), kStartMillis + 1);
}

TEST_F(RestApiTest, MessagesAddressAChannelBySidToo) {
    const std::string sid = createChannel("alice", "general", "public");
    sendMessages("general", 2);
    EXPECT_EQ(indexes(authorizedGet("/v1/channels/" + sid + "/messages")), (Indexes{0, 1}));
}

TEST_F(RestApiTest, MessagesOfAPrivateChannelAreReadableWithAnApiKey) {
    createChannel("alice", "secret", "private");
    sendMessages("secret", 2);
    EXPECT_EQ(indexes(authorizedGet("/v1/channels/secret/messages")), (Indexes{0, 1}));
}

TEST_F(RestApiTest, MessagesIgnoreUnknownQueryParameters) {
    createChannel("alice", "general", "public");
    sendMessages("general", 3);
    EXPECT_EQ(indexes(authorizedGet("/v1/channels/general/messages?x=1&xafter=0&limit=1")),
              (Indexes{2}));
}

TEST_F(RestApiTest, MessagesOfAnUnknownChannelAre404) {
    const HttpResponse response = authorizedGet("/v1/channels/nowhere/messages");
    EXPECT_EQ(response.result(), http::status::not_found);
    EXPECT_EQ(body(response).at("code"), 50100);
}

TEST_F(RestApiTest, AChannelPathWithoutMessagesIs404) {
    createChannel("alice", "general", "public");
    for (const std::string_view target :
         {"/v1/channels/general", "/v1/channels/", "/v1/channels//messages",
          "/v1/channels/general/members"}) {
        const HttpResponse response = authorizedGet(target);
        EXPECT_EQ(response.result(), http::status::not_found) << target;
        EXPECT_EQ(body(response).at("code"), 404) << target;
    }
}

TEST_F(RestApiTest, ABadQueryIs400) {
    createChannel("alice", "general", "public");
    sendMessages("general", 2);
    for (const std::string_view query :
         {"after=x", "after=", "after=1.5", "before=1e3", "limit=0", "limit=501", "limit=-1",
          "limit=ten", "before=3&after=1", "after=99999999999999999999"}) {
        const HttpResponse response =
            authorizedGet("/v1/channels/general/messages?" + std::string{query});
        EXPECT_EQ(response.result(), http::status::bad_request) << query;
        EXPECT_EQ(body(response).at("code"), 50003) << query;
    }
}

// 40 x 30 KB would be a 1.2 MB page: the reply stops at the 1 MiB cap of message.history, and its
// next_page_token leads on until every message was read once.
TEST_F(RestApiTest, MessagesStopAtTheHistoryByteCapAndPageOnToEveryMessage) {
    createChannel("alice", "general", "public");
    constexpr int kCount = 40;
    for (int i = 0; i < kCount; ++i) {
        op("alice", "message.send", {{"channel", "general"}, {"body", std::string(30'000, 'x')}});
    }
    std::vector<std::int64_t> read;
    std::string target = "/v1/channels/general/messages?limit=500";
    for (int page = 0; page < kCount; ++page) {
        const HttpResponse response = authorizedGet(target);
        ASSERT_EQ(response.result(), http::status::ok) << response.body();
        EXPECT_LE(response.body().size(), protocol::kMaxHistoryBytes + 4096);
        const Indexes indexes_of_page = indexes(response);
        ASSERT_LT(indexes_of_page.size(), static_cast<std::size_t>(kCount));
        read.insert(read.begin(), indexes_of_page.begin(), indexes_of_page.end());
        const Json next = body(response).at("next_page_token");
        if (next.is_null()) {
            break;
        }
        target = "/v1/channels/general/messages?page_token=" + next.get<std::string>();
    }
    Indexes every(kCount);
    std::iota(every.begin(), every.end(), 0);
    EXPECT_EQ(read, every);
}

TEST_F(RestApiTest, KeepAliveFollowsTheRequest) {
    HttpRequest close_request{http::verb::get, "/healthz", 11};
    close_request.keep_alive(false);
    EXPECT_FALSE(rest_->answer(close_request).keep_alive());
    HttpRequest keep_request{http::verb::get, "/healthz", 11};
    keep_request.keep_alive(true);
    EXPECT_TRUE(rest_->answer(keep_request).keep_alive());
}

} // namespace
} // namespace parley::server
