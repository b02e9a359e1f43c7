#include "test_tokens.hpp"

#include <parley/token/access_token_builder.hpp>
#include <parley/token/inspect.hpp>

#include <gtest/gtest.h>

namespace parley::token {
namespace {

using namespace std::chrono_literals;
using testing::kNow;

TEST(Inspect, DecodesWithoutCheckingSignatureOrTime) {
    ApiKey unknown = testing::kKey;
    unknown.secret = "nobody knows this";
    const ManualClock clock{kNow - 48h};
    const auto token = AccessTokenBuilder{unknown}.identity("dave").ttl(600s).mint(clock);
    const auto inspection = inspect(*token);
    ASSERT_TRUE(inspection.has_value());
    EXPECT_NE(inspection->header_json.find("twilio-fpa;v=1"), std::string::npos);
    EXPECT_NE(inspection->payload_json.find("\"dave\""), std::string::npos);
    ASSERT_TRUE(inspection->claims.has_value());
    EXPECT_EQ(inspection->claims->identity(), "dave");
    EXPECT_EQ(inspection->claims->expires_at, kNow - 48h + 600s);
}

TEST(Inspect, ReportsStructuralProblemsWith20101) {
    for (const char* bad : {"", "a.b", "a.b.c.d", "!!!.e30.x", "e30.!!!.x", "bm90.e30.x"}) {
        const auto inspection = inspect(bad);
        ASSERT_FALSE(inspection.has_value()) << bad;
        EXPECT_EQ(inspection.error().code, TokenError::kInvalidToken) << bad;
    }
    EXPECT_FALSE(inspect(std::string(kMaxTokenBytes + 1, 'a')).has_value());
}

TEST(Inspect, ShowsJsonThatIsNotAnAccessTokenAndSaysWhy) {
    const auto inspection = inspect(testing::signRaw(R"({"alg":"none"})", R"({"hello":1})"));
    ASSERT_TRUE(inspection.has_value());
    EXPECT_EQ(inspection->payload_json, R"({"hello":1})");
    EXPECT_FALSE(inspection->claims.has_value());
    ASSERT_TRUE(inspection->claims_problem.has_value());
    EXPECT_EQ(inspection->claims_problem->code, TokenError::kExpired);
}

} // namespace
} // namespace parley::token
