// parseListenAddress: --listen and the config's `listen` as HOST:PORT, a bracketed IPv6 host,
// and a clear error for each way the text can be wrong.

#include "server/server_config.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::server {
namespace {

TEST(ParseListenAddress, SplitsHostAndPort) {
    const auto address = parseListenAddress("127.0.0.1:8080");
    ASSERT_TRUE(address) << address.error();
    EXPECT_EQ(address->first, "127.0.0.1");
    EXPECT_EQ(address->second, 8080);
}

TEST(ParseListenAddress, UnwrapsABracketedIpv6HostAndAcceptsPortZero) {
    const auto address = parseListenAddress("[::1]:0");
    ASSERT_TRUE(address) << address.error();
    EXPECT_EQ(address->first, "::1");
    EXPECT_EQ(address->second, 0);
}

TEST(ParseListenAddress, AcceptsANameAndTheHighestPort) {
    const auto address = parseListenAddress("localhost:65535");
    ASSERT_TRUE(address) << address.error();
    EXPECT_EQ(address->first, "localhost");
    EXPECT_EQ(address->second, 65535);
}

TEST(ParseListenAddress, RefusesAHostWithoutAPort) {
    const auto address = parseListenAddress("host");
    ASSERT_FALSE(address);
    EXPECT_NE(address.error().find("host"), std::string::npos) << address.error();
}

TEST(ParseListenAddress, RefusesAPortAboveTheRange) {
    for (const std::string_view text : {"h:99999", "h:65536", "h:4294967296"}) {
        const auto address = parseListenAddress(text);
        EXPECT_FALSE(address) << text;
    }
    const auto address = parseListenAddress("h:99999");
    ASSERT_FALSE(address);
    EXPECT_NE(address.error().find("99999"), std::string::npos) << address.error();
}

TEST(ParseListenAddress, RefusesAPortThatIsNotANumber) {
    for (const std::string_view text : {"h:x", "h:", "h:80x", "h:-1", "h: 80", "h:8 0"}) {
        EXPECT_FALSE(parseListenAddress(text)) << text;
    }
}

TEST(ParseListenAddress, RefusesAnEmptyHost) {
    EXPECT_FALSE(parseListenAddress(":8080"));
    EXPECT_FALSE(parseListenAddress(""));
}

} // namespace
} // namespace parley::server
