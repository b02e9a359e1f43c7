#include "test_tokens.hpp"

#include <parley/token/access_token_builder.hpp>
#include <parley/token/inspect.hpp>
#include <parley/token/token_verifier.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

namespace parley::token {
namespace {

using namespace std::chrono_literals;
using testing::kKey;
using testing::kNow;

nlohmann::ordered_json segmentJson(const std::string& token, int index) {
    std::size_t start = 0;
    for (int i = 0; i < index; ++i) {
        start = token.find('.', start) + 1;
    }
    const std::size_t end = token.find('.', start);
    return nlohmann::ordered_json::parse(*base64url::decode(token.substr(start, end - start)));
}

std::vector<std::string> keysOf(const nlohmann::ordered_json& object) {
    std::vector<std::string> keys;
    for (const auto& [key, value] : object.items()) {
        keys.push_back(key);
    }
    return keys;
}

class AccessTokenBuilderTest : public ::testing::Test {
protected:
    ManualClock clock_{kNow};
    AccessTokenBuilder builder_ = AccessTokenBuilder{kKey}.identity("alice");
};

TEST_F(AccessTokenBuilderTest, WritesTwiliosHeaderAndClaimOrder) {
    const auto token = builder_.ttl(600s)
                           .notBefore(kNow + 10s)
                           .chat(ChatGrant{.service_sid = testing::kChatService})
                           .mint(clock_);
    ASSERT_TRUE(token.has_value());
    const auto header = segmentJson(*token, 0);
    EXPECT_EQ(header.dump(), R"({"alg":"HS256","typ":"JWT","cty":"twilio-fpa;v=1"})");
    const auto payload = segmentJson(*token, 1);
    EXPECT_EQ(keysOf(payload),
              (std::vector<std::string>{"jti", "grants", "nbf", "iat", "exp", "iss", "sub"}));
    EXPECT_EQ(payload["iat"], testing::nowSeconds());
    EXPECT_EQ(payload["exp"], testing::nowSeconds() + 600);
    EXPECT_EQ(payload["nbf"], testing::nowSeconds() + 10);
    EXPECT_EQ(payload["iss"], kKey.sid);
    EXPECT_EQ(payload["sub"], kKey.account_sid);
    EXPECT_EQ(payload["grants"].dump(),
              R"({"identity":"alice","chat":{"service_sid":")" + testing::kChatService + "\"}}");
}

TEST_F(AccessTokenBuilderTest, MakesAUniqueJtiFromKeyTimeAndRandomness) {
    std::set<std::string> ids;
    for (int i = 0; i < 100; ++i) {
        const auto payload = segmentJson(*builder_.mint(clock_), 1);
        const std::string jti = payload["jti"];
        EXPECT_TRUE(jti.starts_with(kKey.sid + "-" + std::to_string(testing::nowSeconds()) + "-"))
            << jti;
        ids.insert(jti);
    }
    EXPECT_EQ(ids.size(), 100U);
}

TEST_F(AccessTokenBuilderTest, RefusesTtlOutsideThreeMinutesToOneDay) {
    for (auto ttl : {179s, 86401s, 0s, -5s}) {
        const auto token = builder_.ttl(ttl).mint(clock_);
        ASSERT_FALSE(token.has_value()) << ttl.count();
        EXPECT_EQ(token.error().code, MintError::kTtlOutOfRange);
    }
    EXPECT_TRUE(builder_.ttl(180s).mint(clock_).has_value());
    EXPECT_TRUE(builder_.ttl(86400s).mint(clock_).has_value());
}

TEST_F(AccessTokenBuilderTest, AcceptsShortTtlsWhenTheMinimumIsLowered) {
    EXPECT_FALSE(builder_.ttl(5s).mint(clock_).has_value());
    EXPECT_TRUE(builder_.ttl(5s).minimumTtl(1s).mint(clock_).has_value());
}

TEST_F(AccessTokenBuilderTest, RefusesAnEmptyIdentityOrAnIncompleteKey) {
    EXPECT_EQ(AccessTokenBuilder{kKey}.mint(clock_).error().code, MintError::kMissingIdentity);
    EXPECT_EQ(AccessTokenBuilder{ApiKey{.sid = kKey.sid}}.identity("a").mint(clock_).error().code,
              MintError::kInvalidApiKey);
}

TEST_F(AccessTokenBuilderTest, RefusesARawGrantThatIsNotJson) {
    EXPECT_EQ(builder_.grant("custom", "{oops").mint(clock_).error().code,
              MintError::kInvalidGrant);
}

TEST_F(AccessTokenBuilderTest, RoundTripsEveryGrantThroughTheVerifier) {
    VoiceGrant voice;
    voice.incoming = VoiceGrant::Incoming{.allow = true};
    voice.outgoing = VoiceGrant::Outgoing{.application_sid = "AP1", .params_json = R"({"a":1})"};
    voice.endpoint_id = "e3";
    const Grants expected{
        .identity = "alice",
        .chat = ChatGrant{"IS1", "e1", "RL1", "CR1"},
        .sync = SyncGrant{"IS2", "e2"},
        .video = VideoGrant{"room-1"},
        .voice = voice,
        .other = {{"custom", R"({"x":[1,2]})"}},
    };
    const auto token = builder_.chat(*expected.chat)
                           .sync(*expected.sync)
                           .video(*expected.video)
                           .voice(*expected.voice)
                           .grant("custom", R"({ "x": [1, 2] })")
                           .algorithm(Algorithm::kHs384)
                           .region("us1")
                           .mint(clock_);
    ASSERT_TRUE(token.has_value());
    EXPECT_EQ(segmentJson(*token, 0)["twr"], "us1");
    const TokenVerifier verifier{KeySet{{kKey}}, VerifyPolicy{}, clock_};
    const auto claims = verifier.verify(*token);
    ASSERT_TRUE(claims.has_value()) << claims.error().message;
    EXPECT_EQ(claims->grants, expected);
    EXPECT_EQ(claims->algorithm, Algorithm::kHs384);
}

} // namespace
} // namespace parley::token

namespace parley::token {
namespace {

class AccessTokenBuilderRefusals : public ::testing::Test {
protected:
    ManualClock clock_{testing::kNow};
    AccessTokenBuilder builder_ = AccessTokenBuilder{testing::kKey}.identity("alice");

    MintError codeOf(const AccessTokenBuilder& builder) const {
        const auto token = builder.mint(clock_);
        EXPECT_FALSE(token.has_value());
        return token ? MintError{} : token.error().code;
    }
};

TEST_F(AccessTokenBuilderRefusals, TextThatIsNotUtf8FailsWithoutThrowing) {
    EXPECT_EQ(codeOf(AccessTokenBuilder{testing::kKey}.identity("al\xff"
                                                                "ice")),
              MintError::kInvalidGrant);
    EXPECT_EQ(codeOf(AccessTokenBuilder{builder_}.region("\xff")), MintError::kInvalidGrant);
    EXPECT_EQ(codeOf(AccessTokenBuilder{builder_}.chat(ChatGrant{.endpoint_id = "\xc3"})),
              MintError::kInvalidGrant);
}

TEST_F(AccessTokenBuilderRefusals, AKeyWithoutItsAccountCannotMint) {
    ApiKey no_account = testing::kKey;
    no_account.account_sid.clear();
    EXPECT_EQ(codeOf(AccessTokenBuilder{no_account}.identity("a")), MintError::kInvalidApiKey);
}

TEST_F(AccessTokenBuilderRefusals, VoiceParamsMustBeAnObject) {
    VoiceGrant voice;
    voice.outgoing = VoiceGrant::Outgoing{.application_sid = "AP1", .params_json = "5"};
    EXPECT_EQ(codeOf(AccessTokenBuilder{builder_}.voice(voice)), MintError::kInvalidGrant);
}

TEST_F(AccessTokenBuilderRefusals, RawGrantsCannotHideNulsOrReplaceTypedGrants) {
    EXPECT_EQ(codeOf(AccessTokenBuilder{builder_}.grant("rtc", std::string{"{\"a\":1}\0x", 9})),
              MintError::kInvalidGrant);
    EXPECT_EQ(codeOf(AccessTokenBuilder{builder_}.grant("identity", "\"mallory\"")),
              MintError::kInvalidGrant);
    EXPECT_EQ(codeOf(AccessTokenBuilder{builder_}.grant("chat", "{}")), MintError::kInvalidGrant);
}

} // namespace
} // namespace parley::token
