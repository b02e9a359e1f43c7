#include "server/broker/memory_broker.hpp"
#include "server/rest_api.hpp"
#include "server/store/sqlite_store.hpp"

#include <parley/token/api_key.hpp>
#include <parley/token/token_verifier.hpp>

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <vector>

namespace parley::server {
namespace {

namespace http = boost::beast::http;
using protocol::Json;
using namespace std::chrono_literals;

const token::ApiKey kKey{.sid = "SK11111111111111111111111111111111",
                         .account_sid = "AC0123456789abcdef0123456789abcdef",
                         .secret = "s3cret"};
// A second key whose "sid:secret" is 40 bytes, so its base64 ends in "==".
const token::ApiKey kOtherKey{
    .sid = "SK22222222222222222222222222222222", .account_sid = "", .secret = "two5x"};
// base64("SK11111111111111111111111111111111:s3cret"), 41 bytes: one "=" of padding.
constexpr std::string_view kKeyCredentials =
    "U0sxMTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMTpzM2NyZXQ=";
constexpr std::string_view kOtherKeyCredentials =
    "U0syMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjp0d281eA==";

// Plain RFC 4648 base64 with padding, written here so the test does not share the code under
// test's decoder.
std::string base64(std::string_view text) {
    constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < text.size(); i += 3) {
        const auto n = static_cast<unsigned>(static_cast<unsigned char>(text[i])) << 16U |
                       static_cast<unsigned>(static_cast<unsigned char>(text[i + 1])) << 8U |
                       static_cast<unsigned>(static_cast<unsigned char>(text[i + 2]));
        for (const unsigned shift : {18U, 12U, 6U, 0U}) {
            out += kAlphabet[(n >> shift) & 63U];
        }
    }
    const std::size_t rest = text.size() - i;
    if (rest > 0) {
        unsigned n = static_cast<unsigned>(static_cast<unsigned char>(text[i])) << 16U;
        if (rest == 2) {
            n |= static_cast<unsigned>(static_cast<unsigned char>(text[i + 1])) << 8U;
        }
        out += kAlphabet[(n >> 18U) & 63U];
        out += kAlphabet[(n >> 12U) & 63U];
        out += rest == 2 ? kAlphabet[(n >> 6U) & 63U] : '=';
        out += '=';
    }
    return out;
}

std::string basic(const token::ApiKey& key) {
    return "Basic " + base64(key.sid + ":" + key.secret);
}

constexpr std::int64_t kStartMillis = 1'800'000'000'000;

class RestApiTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = std::filesystem::temp_directory_path() / "parley-rest-XXXXXX";
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        directory_ = pattern;
        auto opened = SqliteStore::open(directory_ / "parley.db");
        ASSERT_TRUE(opened) << opened.error();
        store_ = std::move(*opened);
        // Wired as Server::create wires them (src/server/server.cpp).
        tokens_ = std::make_unique<TokenGate>(std::vector<token::ApiKey>{kKey, kOtherKey},
                                              token::VerifyPolicy{}, clock_, metrics_);
        chat_ = std::make_unique<ChatService>(*store_, broker_, workers_, metrics_, clock_);
        context_ = std::make_unique<ServerContext>(ServerContext{
            .settings = SessionSettings{},
            .tokens = *tokens_,
            .chat = *chat_,
            .hub = hub_,
            .workers = workers_,
            .metrics = metrics_,
            .clock = clock_,
        });
        rest_ = std::make_unique<RestApi>(*context_, *store_);
    }
    void TearDown() override {
        workers_.stop();
        broker_.shutdown();
        rest_.reset();
        context_.reset();
        chat_.reset();
        tokens_.reset();
        store_.reset();
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
    }

    HttpResponse request(http::verb method, std::string_view target,
                         std::optional<std::string> authorization = std::nullopt) const {
        HttpRequest req{method, target, 11};
        req.set(http::field::host, "localhost");
        if (authorization) {
            req.set(http::field::authorization, *authorization);
        }
        req.prepare_payload();
        // Through handle(), as the HTTP session calls it (store reads run on a worker).
        std::promise<HttpResponse> response;
        rest_->handle(req,
                      [&response](HttpResponse answer) { response.set_value(std::move(answer)); });
        return response.get_future().get();
    }
    HttpResponse get(std::string_view target,
                     std::optional<std::string> authorization = std::nullopt) const {
        return request(http::verb::get, target, std::move(authorization));
    }
    HttpResponse authorizedGet(std::string_view target) const { return get(target, basic(kKey)); }

    /// The JSON body of a response, checking its content type.
    static Json body(const HttpResponse& response) {
        EXPECT_EQ(response[http::field::content_type], "application/json");
        const Json parsed = Json::parse(response.body(), nullptr, false);
        EXPECT_FALSE(parsed.is_discarded()) << response.body();
        return parsed;
    }

    /// A chat op as `identity`, through the chat service, to set up data.
    Json op(const std::string& identity, std::string_view name, Json args) {
        args["id"] = 1;
        args["op"] = name;
        const auto parsed = protocol::parseRequest(args.dump());
        EXPECT_TRUE(parsed);
        std::promise<OpResult> done;
        chat_->handle(identity, *parsed, [&done](OpResult result) { done.set_value(result); });
        const auto result = done.get_future().get();
        EXPECT_TRUE(result) << name << " " << args.dump();
        return result ? *result : Json{};
    }
    std::string createChannel(const std::string& identity, const std::string& name,
                              const std::string& type) {
        clock_.advance(1ms);
        return op(identity, "channel.create", {{"unique_name", name}, {"type", type}})
            .at("channel")
            .at("sid")
            .get<std::string>();
    }
    void sendMessages(const std::string& channel, int count) {
        for (int i = 0; i < count; ++i) {
            op("alice", "message.send", {{"channel", channel}, {"body", "m" + std::to_string(i)}});
        }
    }
    std::vector<std::int64_t> indexes(const HttpResponse& response) {
        std::vector<std::int64_t> out;
        for (const Json& message : body(response).value("messages", Json::array())) {
            out.push_back(message.at("index").get<std::int64_t>());
        }
        return out;
    }

    std::filesystem::path directory_;
    token::ManualClock clock_{token::TimePoint{std::chrono::milliseconds{kStartMillis}}};
    Metrics metrics_;
    MemoryBroker broker_;
    Hub hub_{broker_};
    StoreWorkers workers_{2};
    std::unique_ptr<SqliteStore> store_;
    std::unique_ptr<TokenGate> tokens_;
    std::unique_ptr<ChatService> chat_;
    std::unique_ptr<ServerContext> context_;
    std::unique_ptr<RestApi> rest_;
};

using Indexes = std::vector<std::int64_t>;

TEST(RestApiBase64, TheTestEncoderAgreesWithKnownValues) {
    EXPECT_EQ(base64(kKey.sid + ":" + kKey.secret), kKeyCredentials);
    EXPECT_EQ(base64(kOtherKey.sid + ":" + kOtherKey.secret), kOtherKeyCredentials);
    EXPECT_EQ(base64(""), "");
    EXPECT_EQ(base64("f"), "Zg==");
    EXPECT_EQ(base64("fo"), "Zm8=");
    EXPECT_EQ(base64("foo"), "Zm9v");
}

// ---- open endpoints ----

TEST_F(RestApiTest, HealthzIsOkWithoutAuthentication) {
    const HttpResponse response = get("/healthz");
    EXPECT_EQ(response.result(), http::status::ok);
    EXPECT_EQ(response.body(), "ok\n");
    EXPECT_EQ(response[http::field::content_type], "text/plain");
    EXPECT_EQ(response[http::field::content_length], "3");
    EXPECT_EQ(response.version(), 11U);
}

TEST_F(RestApiTest, HealthzIgnoresAQueryString) {
    EXPECT_EQ(get("/healthz?probe=1").result(), http::status::ok);
}

TEST_F(RestApiTest, HeadIsAllowedWhereGetIs) {
    EXPECT_EQ(request(http::verb::head, "/healthz").result(), http::status::ok);
}

TEST_F(RestApiTest, HeadSendsTheHeadersOfGetWithoutTheBody) {
    createChannel("alice", "general", "public");
    for (const std::string_view target : {"/healthz", "/v1/channels"}) {
        const HttpResponse got = get(target, basic(kKey));
        const HttpResponse head = request(http::verb::head, target, basic(kKey));
        EXPECT_EQ(head.result(), got.result()) << target;
        EXPECT_TRUE(head.body().empty()) << target << ": " << head.body();
        EXPECT_EQ(head[http::field::content_length], std::to_string(got.body().size())) << target;
        EXPECT_EQ(head[http::field::content_type], got[http::field::content_type]) << target;
    }
}

TEST_F(RestApiTest, MetricsIsPrometheusTextWithoutAuthentication) {
    metrics_.connectionOpened();
    const HttpResponse response = get("/metrics");
    EXPECT_EQ(response.result(), http::status::ok);
    EXPECT_EQ(response[http::field::content_type], "text/plain; version=0.0.4");
    EXPECT_NE(response.body().find("parley_connections_open 1\n"), std::string::npos)
        << response.body();
    EXPECT_NE(response.body().find("# TYPE parley_store_commit_seconds histogram"),
              std::string::npos);
}

TEST_F(RestApiTest, TheWebSocketPathWithoutAnUpgradeIs426) {
    const HttpResponse response = get("/v1/ws");
    EXPECT_EQ(response.result(), http::status::upgrade_required);
    EXPECT_EQ(body(response).at("code"), 426);
}

TEST_F(RestApiTest, OtherMethodsThanGetAndHeadAre405) {
    for (const http::verb method :
         {http::verb::post, http::verb::put, http::verb::delete_, http::verb::patch}) {
        for (const std::string_view target : {"/v1/channels", "/healthz", "/v1/ws"}) {
            const HttpResponse response = request(method, target, basic(kKey));
            EXPECT_EQ(response.result(), http::status::method_not_allowed)
                << http::to_string(method) << " " << target;
            EXPECT_EQ(body(response).at("code"), 405);
        }
    }
}

TEST_F(RestApiTest, AnUnknownPathIs404) {
    for (const std::string_view target :
         {"/", "/v1", "/v1/nothing", "/healthz/x", "/v1/channelsx"}) {
        const HttpResponse response = get(target, basic(kKey));
        EXPECT_EQ(response.result(), http::status::not_found) << target;
        EXPECT_EQ(body(response).at("code"), 404) << target;
    }
}

// ---- authentication ----

TEST_F(RestApiTest, ChannelsWithoutAuthenticationIs401WithAChallenge) {
    const HttpResponse response = get("/v1/channels");
    EXPECT_EQ(response.result(), http::status::unauthorized);
    EXPECT_EQ(response[http::field::www_authenticate], R"(Basic realm="parley")");
    EXPECT_EQ(body(response).at("code"), 401);
}

TEST_F(RestApiTest, WrongCredentialsAre401) {
    for (const std::string& authorization :
         {basic({.sid = kKey.sid, .secret = "wrong!"}), basic({.sid = kKey.sid, .secret = "s3cre"}),
          basic({.sid = kKey.sid, .secret = "s3crett"}), basic({.sid = kKey.sid, .secret = ""}),
          basic({.sid = "SK33333333333333333333333333333333", .secret = kKey.secret}),
          basic({.sid = kKey.sid, .secret = kOtherKey.secret}),
          "Basic " + base64(kKey.sid + kKey.secret), // no colon
          "Bearer " + base64(kKey.sid + ":" + kKey.secret), std::string{"Basic "},
          std::string{"Basic !!!!not base64!!!!"}, std::string{""}}) {
        std::optional<HttpResponse> response;
        ASSERT_NO_THROW(response = get("/v1/channels", authorization)) << authorization;
        EXPECT_EQ(response->result(), http::status::unauthorized) << authorization;
    }
}

TEST_F(RestApiTest, TheRightKeyIsAcceptedWithPadding) {
    EXPECT_EQ(get("/v1/channels", "Basic " + std::string{kKeyCredentials}).result(),
              http::status::ok);
    EXPECT_EQ(get("/v1/channels", "Basic " + std::string{kOtherKeyCredentials}).result(),
              http::status::ok);
}

TEST_F(RestApiTest, ASecretMayContainAColon) {
    const token::ApiKey colon_key{.sid = "SK44444444444444444444444444444444",
                                  .secret = "pass:word:"};
    tokens_->replaceKeys({colon_key});
    EXPECT_EQ(get("/v1/channels", basic(colon_key)).result(), http::status::ok);
}

TEST_F(RestApiTest, ARemovedKeyStopsWorkingAtOnce) {
    tokens_->replaceKeys({kOtherKey});
    EXPECT_EQ(get("/v1/channels", basic(kKey)).result(), http::status::unauthorized);
    EXPECT_EQ(get("/v1/channels", basic(kOtherKey)).result(), http::status::ok);
}

// RFC 7235 section 2.1: the authentication scheme is a case-insensitive token.
TEST_F(RestApiTest, TheBasicSchemeNameIsCaseInsensitive) {
    const std::string credentials = base64(kKey.sid + ":" + kKey.secret);
    EXPECT_EQ(get("/v1/channels", "basic " + credentials).result(), http::status::ok);
    EXPECT_EQ(get("/v1/channels", "BASIC " + credentials).result(), http::status::ok);
}

TEST_F(RestApiTest, MessagesNeedAuthenticationBeforeRevealingWhetherAChannelExists) {
    createChannel("alice", "general", "public");
    EXPECT_EQ(get("/v1/channels/general/messages").result(), http::status::unauthorized);
    EXPECT_EQ(get("/v1/channels/nowhere/messages").result(), http::status::unauthorized);
}

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
    EXPECT_EQ(body(response), (Json{{"channels", Json::array()}}));
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
