#include "rest_api_fixture.hpp"
#include "server/rest_api.hpp"

namespace parley::server {
namespace {

using namespace rest_fixture;
using protocol::Json;
namespace http = boost::beast::http;

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

// "sid:secret" of 41 bytes is 56 base64 characters with one "=": without it, the decoder was
// given a buffer for 54 bytes of the 55 it wrote (a heap overflow any client could cause).
TEST_F(RestApiTest, TheRightKeyIsAcceptedWithoutPaddingAndAnyLengthIsSafe) {
    std::string unpadded{kKeyCredentials};
    unpadded.pop_back();
    EXPECT_EQ(get("/v1/channels", "Basic " + unpadded).result(), http::status::ok);
    for (std::size_t length = 1; length <= 12; ++length) {
        const std::string garbage(length, 'i');
        EXPECT_EQ(get("/v1/channels", "Basic " + garbage).result(), http::status::unauthorized)
            << garbage;
    }
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

} // namespace
} // namespace parley::server
