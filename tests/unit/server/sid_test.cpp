#include "server/sid.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>

namespace parley::server {
namespace {

using namespace std::chrono_literals;

bool isSidOf(const std::string& sid, std::string_view prefix) {
    if (sid.size() != prefix.size() + 32 || !sid.starts_with(prefix)) {
        return false;
    }
    return sid.find_first_not_of("0123456789abcdef", prefix.size()) == std::string::npos;
}

TEST(SidTest, RandomSidsAreAPrefixAnd32HexDigits) {
    const std::string first = makeSid("CH");
    EXPECT_TRUE(isSidOf(first, "CH")) << first;
    EXPECT_NE(first, makeSid("CH"));
}

TEST(SidTest, OrderedSidsStartWithTheMillisecondInHex) {
    const std::chrono::system_clock::time_point at{1'795'942'097'633ms};
    const std::string sid = makeOrderedSid("IM", at);
    EXPECT_TRUE(isSidOf(sid, "IM")) << sid;
    EXPECT_EQ(sid.substr(2, 12), "01a2267da2e1") << sid; // 1795942097633 in 12 hex digits
}

// The point of ordered SIDs: a store's unique index on them takes each new one at its end.
TEST(SidTest, OrderedSidsSortInTheOrderOfTheirMillisecond) {
    const std::chrono::system_clock::time_point at{1'795'942'097'633ms};
    std::string previous = makeOrderedSid("IM", at);
    for (int step = 1; step <= 1000; ++step) {
        const std::string next = makeOrderedSid("IM", at + std::chrono::milliseconds{step});
        EXPECT_LT(previous, next);
        previous = next;
    }
}

TEST(SidTest, OrderedSidsOfOneMillisecondNeverMeet) {
    const std::chrono::system_clock::time_point at{1'795'942'097'633ms};
    std::set<std::string> seen;
    for (int i = 0; i < 10'000; ++i) {
        EXPECT_TRUE(seen.insert(makeOrderedSid("IM", at)).second);
    }
}

} // namespace
} // namespace parley::server
