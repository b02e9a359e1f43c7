// TokenVerifier on the token's structure, header, key and signature: each way to be wrong gives
// its code (20101-20103, 20107) before any claim is read. Claims: token_verifier_claims_test.cpp.

#include "test_tokens.hpp"
#include "token_verifier_fixture.hpp"

#include <parley/token/access_token_builder.hpp>
#include <parley/token/token_verifier.hpp>

#include <gtest/gtest.h>

namespace parley::token {
namespace {

TEST_F(TokenVerifierTest, AcceptsAWellFormedTokenAndReturnsItsClaims) {
    const auto claims = verifier_.verify(valid());
    ASSERT_TRUE(claims.has_value()) << claims.error().message;
    EXPECT_EQ(claims->identity(), "alice");
    EXPECT_EQ(claims->issuer, kKey.sid);
    EXPECT_EQ(claims->subject, kKey.account_sid);
    EXPECT_EQ(claims->expires_at, kNow + 3600s);
    EXPECT_EQ(claims->issued_at, kNow);
    ASSERT_TRUE(claims->grants.chat.has_value());
    EXPECT_EQ(claims->grants.chat->service_sid, kChatService);
}

TEST_F(TokenVerifierTest, AcceptsTokensMintedByTheBuilderWithEveryAlgorithm) {
    for (Algorithm alg : {Algorithm::kHs256, Algorithm::kHs384, Algorithm::kHs512}) {
        const auto token =
            AccessTokenBuilder{kOtherKey}.identity("bob").algorithm(alg).mint(clock_);
        ASSERT_TRUE(token.has_value());
        const auto claims = verifier_.verify(*token);
        ASSERT_TRUE(claims.has_value()) << claims.error().message;
        EXPECT_EQ(claims->algorithm, alg);
        EXPECT_EQ(claims->identity(), "bob");
    }
}

// 20101 -------------------------------------------------------------------------------------

TEST_F(TokenVerifierTest, RejectsMalformedStructureWith20101) {
    const std::string token = valid();
    const std::size_t second_dot = token.rfind('.');
    EXPECT_EQ(codeOf(""), TokenError::kInvalidToken);
    EXPECT_EQ(codeOf("abc"), TokenError::kInvalidToken);
    EXPECT_EQ(codeOf(token.substr(0, second_dot)), TokenError::kInvalidToken);
    EXPECT_EQ(codeOf(token + ".x"), TokenError::kInvalidToken);
    EXPECT_EQ(codeOf(".." + token.substr(second_dot + 1)), TokenError::kInvalidToken);
}

TEST_F(TokenVerifierTest, GivesAnUnsignedAlgNoneToken20102AndAnEmptySignature20107) {
    const std::string payload = payloadJson(nowSeconds(), nowSeconds() + 60);
    const std::string unsigned_none = base64url::encode(testing::canonicalHeader("none")) + "." +
                                      base64url::encode(payload) + ".";
    EXPECT_EQ(codeOf(unsigned_none), TokenError::kInvalidHeader);
    const std::string token = valid();
    EXPECT_EQ(codeOf(token.substr(0, token.rfind('.') + 1)), TokenError::kInvalidSignature);
}

TEST_F(TokenVerifierTest, RejectsBadBase64urlAndNonJsonWith20101) {
    const std::string token = valid();
    const std::size_t first_dot = token.find('.');
    EXPECT_EQ(codeOf("e$J." + token.substr(first_dot + 1)), TokenError::kInvalidToken);
    EXPECT_EQ(codeOf(token.substr(0, first_dot) + ".bm90IGpzb24." + "abc"),
              TokenError::kInvalidToken);
    EXPECT_EQ(codeOf(signRaw(testing::canonicalHeader(), "[1,2,3]")), TokenError::kInvalidToken);
    EXPECT_EQ(codeOf(signRaw("not json", payloadJson(nowSeconds(), nowSeconds() + 60))),
              TokenError::kInvalidToken);
}

TEST_F(TokenVerifierTest, RejectsTokensOver16KiBBeforeAnyWork) {
    const std::string huge_grant(17 * 1024, 'x');
    const std::string token = signRaw(
        testing::canonicalHeader(), payloadJson(nowSeconds(), nowSeconds() + 60,
                                                R"({"identity":"a","big":")" + huge_grant + "\"}"));
    ASSERT_GT(token.size(), kMaxTokenBytes);
    const auto result = verifier_.verify(token);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, TokenError::kInvalidToken);
    EXPECT_NE(result.error().message.find("16 KiB"), std::string::npos);
    EXPECT_EQ(codeOf(std::string(kMaxTokenBytes + 1, 'a')), TokenError::kInvalidToken);
}

TEST_F(TokenVerifierTest, RejectsARepeatedClaimWith20101) {
    const std::string payload = payloadJson(nowSeconds(), nowSeconds() + 60, R"({"identity":"a"})",
                                            R"(,"exp":)" + std::to_string(nowSeconds() + 86000));
    EXPECT_EQ(codeOf(signRaw(testing::canonicalHeader(), payload)), TokenError::kInvalidToken);
}

// 20102 -------------------------------------------------------------------------------------

TEST_F(TokenVerifierTest, RejectsAlgNoneAndOtherAlgorithmsWith20102) {
    const std::string payload = payloadJson(nowSeconds(), nowSeconds() + 60);
    for (const char* alg : {"none", "RS256", "hs256", "ES256", ""}) {
        EXPECT_EQ(codeOf(signRaw(testing::canonicalHeader(alg), payload)),
                  TokenError::kInvalidHeader)
            << alg;
    }
    EXPECT_EQ(codeOf(signRaw(R"({"typ":"JWT","cty":"twilio-fpa;v=1"})", payload)),
              TokenError::kInvalidHeader);
}

TEST_F(TokenVerifierTest, RejectsWrongTypOrCtyWith20102) {
    const std::string payload = payloadJson(nowSeconds(), nowSeconds() + 60);
    EXPECT_EQ(codeOf(signRaw(R"({"alg":"HS256","typ":"JWS","cty":"twilio-fpa;v=1"})", payload)),
              TokenError::kInvalidHeader);
    EXPECT_EQ(codeOf(signRaw(R"({"alg":"HS256","typ":"JWT","cty":"twilio-fpa;v=2"})", payload)),
              TokenError::kInvalidHeader);
    EXPECT_EQ(codeOf(signRaw(R"({"alg":"HS256","typ":"JWT"})", payload)),
              TokenError::kInvalidHeader);
}

TEST_F(TokenVerifierTest, AcceptsHeadersWithOtherKeyOrderAndARegion) {
    const std::string payload = payloadJson(nowSeconds(), nowSeconds() + 60);
    const auto claims = verifier_.verify(
        signRaw(R"({"cty":"twilio-fpa;v=1","typ":"JWT","alg":"HS256","twr":"us1"})", payload));
    EXPECT_TRUE(claims.has_value()) << claims.error().message;
}

// 20103 -------------------------------------------------------------------------------------

TEST_F(TokenVerifierTest, RejectsAnUnknownKeyOrAForeignAccountWith20103) {
    const ApiKey stranger{.sid = "SK99999999999999999999999999999999",
                          .account_sid = kKey.account_sid,
                          .secret = kKey.secret};
    const auto foreign = AccessTokenBuilder{stranger}.identity("a").mint(clock_);
    EXPECT_EQ(codeOf(*foreign), TokenError::kInvalidIssuer);

    ApiKey wrong_account = kKey;
    wrong_account.account_sid = kOtherKey.account_sid;
    const auto other_account = AccessTokenBuilder{wrong_account}.identity("a").mint(clock_);
    EXPECT_EQ(codeOf(*other_account), TokenError::kInvalidIssuer);

    const std::string no_iss =
        R"({"grants":{"identity":"a"},"exp":)" + std::to_string(nowSeconds() + 60) + "}";
    EXPECT_EQ(codeOf(signRaw(testing::canonicalHeader(), no_iss)), TokenError::kInvalidIssuer);
}

TEST_F(TokenVerifierTest, SkipsTheAccountCheckWhenTheKeyHasNoAccount) {
    const TokenVerifier lenient{KeySet{{ApiKey{.sid = kKey.sid, .secret = kKey.secret}}},
                                VerifyPolicy{}, clock_};
    EXPECT_TRUE(lenient.verify(valid()).has_value());
}

TEST_F(TokenVerifierTest, StopsVerifyingTokensOfARemovedKey) {
    const TokenVerifier rotated{KeySet{{kOtherKey}}, VerifyPolicy{}, clock_};
    EXPECT_EQ(codeOf(rotated, valid()), TokenError::kInvalidIssuer);
}

// 20107 -------------------------------------------------------------------------------------

TEST_F(TokenVerifierTest, RejectsAWrongSignatureWith20107) {
    ApiKey forged = kKey;
    forged.secret = "not the secret";
    EXPECT_EQ(codeOf(*AccessTokenBuilder{forged}.identity("a").mint(clock_)),
              TokenError::kInvalidSignature);
    std::string token = valid();
    token.back() = token.back() == 'A' ? 'Q' : 'A';
    EXPECT_EQ(codeOf(token), TokenError::kInvalidSignature);
    EXPECT_EQ(codeOf(token.substr(0, token.rfind('.') + 1) + "c2hvcnQ"),
              TokenError::kInvalidSignature);
}

TEST_F(TokenVerifierTest, ChecksTheSignatureBeforeReadingClaims) {
    // Expired, foreign account, no identity, absurd lifetime: all unsigned, so 20107 wins.
    const std::string payload =
        R"({"grants":{},"iat":0,"exp":1,"iss":")" + kKey.sid + R"(","sub":"ACnope"})";
    EXPECT_EQ(codeOf(signRaw(testing::canonicalHeader(), payload, kOtherKey)),
              TokenError::kInvalidSignature);
}

TEST_F(TokenVerifierTest, RejectsASignatureOfTheWrongAlgorithmLength) {
    const std::string payload = payloadJson(nowSeconds(), nowSeconds() + 60);
    const std::string hs512 =
        signRaw(testing::canonicalHeader("HS512"), payload, kKey, Algorithm::kHs512);
    const std::string relabelled =
        base64url::encode(testing::canonicalHeader("HS256")) + hs512.substr(hs512.find('.'));
    EXPECT_EQ(codeOf(relabelled), TokenError::kInvalidSignature);
}

// 20104 / 20105 / 20157: boundaries ----------------------------------------------------------

} // namespace
} // namespace parley::token
