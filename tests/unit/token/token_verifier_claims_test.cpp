// TokenVerifier on the claims of a correctly signed token: exp, nbf and iat against the clock
// (20104, 20105, 20157, leeway), the identity and the grants (20106), and garbage of any shape.

#include "test_tokens.hpp"
#include "token_verifier_fixture.hpp"

#include <parley/token/access_token_builder.hpp>
#include <parley/token/token_verifier.hpp>

#include <gtest/gtest.h>

namespace parley::token {
namespace {

TEST_F(TokenVerifierTest, ExpiresExactlyAtExp) {
    const std::string token = valid(600);
    clock_.set(kNow + 599s);
    EXPECT_TRUE(verifier_.verify(token).has_value());
    clock_.set(kNow + 599s + 999ms);
    EXPECT_TRUE(verifier_.verify(token).has_value());
    clock_.set(kNow + 600s);
    EXPECT_EQ(codeOf(token), TokenError::kExpired);
    clock_.set(kNow + 601s);
    EXPECT_EQ(codeOf(token), TokenError::kExpired);
}

TEST_F(TokenVerifierTest, LeewayExtendsExpiryAndNotBefore) {
    const TokenVerifier tolerant{KeySet{{kKey}}, VerifyPolicy{.leeway = 5s}, clock_};
    const std::string token = valid(600);
    clock_.set(kNow + 604s);
    EXPECT_TRUE(tolerant.verify(token).has_value());
    clock_.set(kNow + 605s);
    EXPECT_EQ(codeOf(tolerant, token), TokenError::kExpired);
}

TEST_F(TokenVerifierTest, RejectsMissingOrNonIntegerExpWith20104) {
    const std::string base = R"({"grants":{"identity":"a"},"iss":")" + kKey.sid + R"(","sub":")" +
                             kKey.account_sid + "\"";
    EXPECT_EQ(codeOf(signRaw(testing::canonicalHeader(), base + "}")), TokenError::kExpired);
    for (const char* exp : {R"("1795914000")", "1795914000.5", "null", "true", "1.7959e9"}) {
        EXPECT_EQ(codeOf(signRaw(testing::canonicalHeader(), base + R"(,"exp":)" + exp + "}")),
                  TokenError::kExpired)
            << exp;
    }
}

TEST_F(TokenVerifierTest, RejectsAbsurdExpValuesWithoutOverflow) {
    const std::string base = R"({"grants":{"identity":"a"},"iss":")" + kKey.sid + R"(","sub":")" +
                             kKey.account_sid + "\",\"exp\":";
    EXPECT_EQ(codeOf(signRaw(testing::canonicalHeader(), base + "-9223372036854775808}")),
              TokenError::kExpired);
    EXPECT_EQ(codeOf(signRaw(testing::canonicalHeader(), base + "9223372036854775807}")),
              TokenError::kLifetimeTooLong);
    EXPECT_EQ(codeOf(signRaw(testing::canonicalHeader(), base + "18446744073709551615}")),
              TokenError::kExpired);
    EXPECT_EQ(codeOf(signRaw(testing::canonicalHeader(), base + "1e400}")),
              TokenError::kInvalidToken);
}

// An integer beyond 64 bits is valid JSON: the token is not malformed (20101), its exp is just
// not an integer the server can use, like 2^63 above.
TEST_F(TokenVerifierTest, GivesAnExpBeyond64Bits20104NotMalformed) {
    const std::string base = R"({"grants":{"identity":"a"},"iss":")" + kKey.sid + R"(","sub":")" +
                             kKey.account_sid + "\",\"exp\":";
    for (const char* exp :
         {"18446744073709551616", "-9223372036854775809", "123456789012345678901234567890"}) {
        EXPECT_EQ(codeOf(signRaw(testing::canonicalHeader(), base + exp + "}")),
                  TokenError::kExpired)
            << exp;
    }
}

TEST_F(TokenVerifierTest, AcceptsAHugeIntegerInAnotherGrantAndKeepsStringsAsWritten) {
    const std::string grants =
        R"({"identity":"18446744073709551616","custom":{"n":18446744073709551616}})";
    const auto claims = verifier_.verify(
        signRaw(testing::canonicalHeader(), payloadJson(nowSeconds(), nowSeconds() + 600, grants)));
    ASSERT_TRUE(claims.has_value()) << claims.error().message;
    EXPECT_EQ(claims->grants.identity, "18446744073709551616");
    EXPECT_TRUE(claims->grants.other.contains("custom"));
}

TEST_F(TokenVerifierTest, AllowsExactly24HoursAndRejectsOneSecondMoreWith20157) {
    const auto at_limit =
        signRaw(testing::canonicalHeader(), payloadJson(nowSeconds(), nowSeconds() + 86400));
    EXPECT_TRUE(verifier_.verify(at_limit).has_value());
    const auto over =
        signRaw(testing::canonicalHeader(), payloadJson(nowSeconds(), nowSeconds() + 86401));
    EXPECT_EQ(codeOf(over), TokenError::kLifetimeTooLong);
}

TEST_F(TokenVerifierTest, BoundsTokensWithoutIatByTheTimeLeft) {
    const std::string base = R"({"grants":{"identity":"a"},"iss":")" + kKey.sid + R"(","sub":")" +
                             kKey.account_sid + "\",\"exp\":";
    EXPECT_TRUE(verifier_
                    .verify(signRaw(testing::canonicalHeader(),
                                    base + std::to_string(nowSeconds() + 86400) + "}"))
                    .has_value());
    EXPECT_EQ(codeOf(signRaw(testing::canonicalHeader(),
                             base + std::to_string(nowSeconds() + 86401) + "}")),
              TokenError::kLifetimeTooLong);
}

TEST_F(TokenVerifierTest, RejectsAnIatInTheFutureThatHidesALongLifetime) {
    const auto sneaky = signRaw(testing::canonicalHeader(),
                                payloadJson(nowSeconds() + 86400, nowSeconds() + 86400 + 3600));
    EXPECT_EQ(codeOf(sneaky), TokenError::kLifetimeTooLong);
}

TEST_F(TokenVerifierTest, AcceptsNbfNowAndRejectsNbfLaterWith20105) {
    const auto now_nbf =
        signRaw(testing::canonicalHeader(),
                payloadJson(nowSeconds(), nowSeconds() + 600, R"({"identity":"a"})",
                            R"(,"nbf":)" + std::to_string(nowSeconds())));
    EXPECT_TRUE(verifier_.verify(now_nbf).has_value());
    const auto later = signRaw(testing::canonicalHeader(),
                               payloadJson(nowSeconds(), nowSeconds() + 600, R"({"identity":"a"})",
                                           R"(,"nbf":)" + std::to_string(nowSeconds() + 1)));
    EXPECT_EQ(codeOf(later), TokenError::kNotYetValid);
    clock_.set(kNow + 1s);
    EXPECT_TRUE(verifier_.verify(later).has_value());
    const auto text_nbf =
        signRaw(testing::canonicalHeader(), payloadJson(nowSeconds(), nowSeconds() + 600,
                                                        R"({"identity":"a"})", R"(,"nbf":"soon")"));
    EXPECT_EQ(codeOf(text_nbf), TokenError::kNotYetValid);
}

TEST_F(TokenVerifierTest, KeepsExpiredAndNotYetValidApart) {
    const auto token = signRaw(testing::canonicalHeader(),
                               payloadJson(nowSeconds(), nowSeconds() + 600, R"({"identity":"a"})",
                                           R"(,"nbf":)" + std::to_string(nowSeconds() + 300)));
    EXPECT_EQ(codeOf(token), TokenError::kNotYetValid);
    clock_.set(kNow + 600s);
    EXPECT_EQ(codeOf(token), TokenError::kExpired);
}

// 20106 -------------------------------------------------------------------------------------

TEST_F(TokenVerifierTest, RejectsMissingOrEmptyIdentityWith20106) {
    for (const char* grants : {R"({})", R"({"identity":""})", R"({"identity":42})",
                               R"({"chat":{"service_sid":"IS1"}})"}) {
        EXPECT_EQ(codeOf(signRaw(testing::canonicalHeader(),
                                 payloadJson(nowSeconds(), nowSeconds() + 60, grants))),
                  TokenError::kInvalidGrants)
            << grants;
    }
    const std::string no_grants = R"({"iat":)" + std::to_string(nowSeconds()) + R"(,"exp":)" +
                                  std::to_string(nowSeconds() + 60) + R"(,"iss":")" + kKey.sid +
                                  R"(","sub":")" + kKey.account_sid + "\"}";
    EXPECT_EQ(codeOf(signRaw(testing::canonicalHeader(), no_grants)), TokenError::kInvalidGrants);
}

TEST_F(TokenVerifierTest, RejectsAMissingRequiredGrantWith20106) {
    const TokenVerifier needs_video{KeySet{{kKey}},
                                    VerifyPolicy{.required_grant = GrantKind::kVideo}, clock_};
    EXPECT_EQ(codeOf(needs_video, valid()), TokenError::kInvalidGrants);
}

TEST_F(TokenVerifierTest, RejectsAGrantForAnotherServiceWith20106) {
    const TokenVerifier other_chat{
        KeySet{{kKey}}, VerifyPolicy{.chat_service_sid = "IS99999999999999999999999999999999"},
        clock_};
    EXPECT_EQ(codeOf(other_chat, valid()), TokenError::kInvalidGrants);
    const TokenVerifier our_chat{KeySet{{kKey}}, VerifyPolicy{.chat_service_sid = kChatService},
                                 clock_};
    EXPECT_TRUE(our_chat.verify(valid()).has_value());
    const TokenVerifier our_sync{KeySet{{kKey}}, VerifyPolicy{.sync_service_sid = kSyncService},
                                 clock_};
    EXPECT_EQ(codeOf(our_sync, valid()), TokenError::kInvalidGrants);
}

TEST_F(TokenVerifierTest, RejectsMalformedKnownGrantsAndKeepsUnknownOnes) {
    EXPECT_EQ(codeOf(signRaw(testing::canonicalHeader(),
                             payloadJson(nowSeconds(), nowSeconds() + 60,
                                         R"({"identity":"a","chat":"yes"})"))),
              TokenError::kInvalidGrants);
    EXPECT_EQ(codeOf(signRaw(testing::canonicalHeader(),
                             payloadJson(nowSeconds(), nowSeconds() + 60,
                                         R"({"identity":"a","chat":{"service_sid":7}})"))),
              TokenError::kInvalidGrants);
    const auto claims = verifier_.verify(
        signRaw(testing::canonicalHeader(),
                payloadJson(nowSeconds(), nowSeconds() + 60,
                            R"({"identity":"a","ip_messaging":{"service_sid":"IS1"}})")));
    ASSERT_TRUE(claims.has_value()) << claims.error().message;
    EXPECT_EQ(claims->grants.other.at("ip_messaging"), R"({"service_sid":"IS1"})");
}

TEST_F(TokenVerifierTest, ReadsEveryFieldOfEveryKnownGrant) {
    const std::string grants = R"({"identity":"carol",
        "chat":{"service_sid":"IS1","endpoint_id":"e1","deployment_role_sid":"RL1","push_credential_sid":"CR1"},
        "data_sync":{"service_sid":"IS2","endpoint_id":"e2"},
        "video":{"room":"lobby"},
        "voice":{"incoming":{"allow":true},"outgoing":{"application_sid":"AP1","params":{"to":"x"}},
                 "push_credential_sid":"CR2","endpoint_id":"e3"}})";
    const auto claims = verifier_.verify(
        signRaw(testing::canonicalHeader(), payloadJson(nowSeconds(), nowSeconds() + 60, grants)));
    ASSERT_TRUE(claims.has_value()) << claims.error().message;
    const Grants& g = claims->grants;
    EXPECT_EQ(g.chat, (ChatGrant{"IS1", "e1", "RL1", "CR1"}));
    EXPECT_EQ(g.sync, (SyncGrant{"IS2", "e2"}));
    EXPECT_EQ(g.video, (VideoGrant{"lobby"}));
    ASSERT_TRUE(g.voice.has_value());
    EXPECT_TRUE(g.voice->incoming->allow);
    EXPECT_EQ(g.voice->outgoing->application_sid, "AP1");
    EXPECT_EQ(g.voice->outgoing->params_json, R"({"to":"x"})");
    EXPECT_EQ(g.voice->push_credential_sid, "CR2");
    EXPECT_EQ(g.voice->endpoint_id, "e3");
}

TEST_F(TokenVerifierTest, NeverThrowsOnGarbage) {
    const std::string token = valid();
    for (std::size_t cut = 0; cut < token.size(); ++cut) {
        EXPECT_NO_THROW((void)verifier_.verify(token.substr(0, cut)));
        std::string flipped = token;
        flipped[cut] = static_cast<char>(flipped[cut] ^ 0x20);
        EXPECT_FALSE(verifier_.verify(flipped).has_value()) << cut;
    }
}

} // namespace
} // namespace parley::token
