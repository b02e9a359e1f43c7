#include "protocol/frame.hpp"
#include "protocol/lifecycle_frames.hpp"
#include "protocol/names.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace parley::protocol {
namespace {

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

TEST(LifecycleFrames, AboutToExpireIsTheSameBytesAsTheJsonEventFrame) {
    for (const auto& [expires_at, server_time] :
         {std::pair<std::int64_t, std::int64_t>{1795951792, 1795951787001},
          {0, 0},
          {-1, 7},
          {kMax, kMin},
          {kMin, kMax}}) {
        EXPECT_EQ(tokenAboutToExpireFrame(expires_at, server_time),
                  eventFrame(event::kTokenAboutToExpire,
                             {{"expires_at", expires_at}, {"server_time", server_time}}));
    }
}

TEST(LifecycleFrames, ExpiredIsTheSameBytesAsTheJsonEventFrame) {
    for (const std::int64_t server_time :
         {std::int64_t{1795951792000}, std::int64_t{0}, std::int64_t{-12}, kMax, kMin}) {
        EXPECT_EQ(tokenExpiredFrame(server_time),
                  eventFrame(event::kTokenExpired, {{"server_time", server_time}}));
    }
}

TEST(LifecycleFrames, ParseAsJsonWithTheirFields) {
    const auto about = Json::parse(tokenAboutToExpireFrame(1795951792, 1795951787001));
    EXPECT_EQ(about.at("event"), event::kTokenAboutToExpire);
    EXPECT_EQ(about.at("expires_at"), 1795951792);
    EXPECT_EQ(about.at("server_time"), 1795951787001);
    const auto expired = Json::parse(tokenExpiredFrame(1795951792000));
    EXPECT_EQ(expired.at("event"), event::kTokenExpired);
    EXPECT_EQ(expired.at("server_time"), 1795951792000);
}

} // namespace
} // namespace parley::protocol
