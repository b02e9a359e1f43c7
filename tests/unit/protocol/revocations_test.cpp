#include "protocol/revocations.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::protocol {
namespace {

const std::string kKeySid = "SK" + std::string(32, 'a');

TEST(RevocationRequest, ReadsEachKindOfName) {
    EXPECT_EQ(readRevocationRequest(R"({"identity":"alice"})"),
              (RevocationRequest{.kind = RevocationKind::kIdentity, .value = "alice"}));
    EXPECT_EQ(readRevocationRequest(R"({"jti":"SK-1","expires_at":1800000000})"),
              (RevocationRequest{
                  .kind = RevocationKind::kTokenId, .value = "SK-1", .expires_at = 1800000000}));
    EXPECT_EQ(readRevocationRequest(R"({"api_key":")" + kKeySid + R"("})"),
              (RevocationRequest{.kind = RevocationKind::kApiKey, .value = kKeySid}));
}

// Each malformed body gets a 50003 whose message says what is wrong.
TEST(RevocationRequest, RefusesWhatIsNotExactlyOneValidName) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "JSON object"},
        {"[]", "JSON object"},
        {"{", "JSON object"},
        {"{}", "one of"},
        {R"({"identity":"a","jti":"b"})", "exactly one"},
        {R"({"identity":""})", "non-empty"},
        {R"({"identity":7})", "non-empty"},
        {R"({"identity":null})", "non-empty"},
        {R"({"identity":"a","role":"x"})", "unknown field \"role\""},
        {R"({"api_key":"SK123"})", "SK followed by 32 hex"},
        {R"({"api_key":"AC)" + std::string(32, 'a') + R"("})", "SK followed by 32 hex"},
        {R"({"identity":"a","expires_at":5})", "with a jti only"},
        {R"({"jti":"a","expires_at":0})", "positive"},
        {R"({"jti":"a","expires_at":"soon"})", "positive"},
        {R"({"identity":")" + std::string(kMaxRevokedValueBytes + 1, 'x') + R"("})", "longer than"},
    };
    for (const auto& [body, says] : cases) {
        const auto read = readRevocationRequest(body);
        ASSERT_FALSE(read) << body;
        EXPECT_EQ(read.error().code, ErrorCode::kInvalidArgument) << body;
        EXPECT_NE(read.error().message.find(says), std::string::npos)
            << body << ": " << read.error().message;
    }
}

TEST(RevocationRequest, TakesAValueOfExactlyTheLimit) {
    const std::string longest(kMaxRevokedValueBytes, 'x');
    EXPECT_TRUE(readRevocationRequest(R"({"jti":")" + longest + R"("})"));
}

TEST(RevocationObject, RoundTripsThroughItsWireShape) {
    const RevocationObject revocation{.kind = RevocationKind::kTokenId,
                                      .value = "token-1",
                                      .revoked_at = 1'800'000'000,
                                      .lapses_at = 1'800'000'600};
    const Json wire = encodeRevocation(revocation);
    EXPECT_EQ(wire,
              Json::parse(R"({"jti":"token-1","revoked_at":1800000000,"lapses_at":1800000600})"));
    EXPECT_EQ(decodeRevocation(wire), revocation);
    EXPECT_EQ(revocationsReply({revocation}), (Json{{"revocations", Json::array({wire})}}));
}

TEST(RevocationObject, DecodingRefusesAnIncompleteOne) {
    EXPECT_FALSE(decodeRevocation(Json::parse(R"({"identity":"a","revoked_at":1})")));
    EXPECT_FALSE(decodeRevocation(Json::parse(R"({"revoked_at":1,"lapses_at":2})")));
    EXPECT_FALSE(decodeRevocation(Json::array()));
}

} // namespace
} // namespace parley::protocol
