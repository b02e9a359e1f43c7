// Picking the broker from `--broker`: the forms accepted, and what a wrong one is told.

#include "server/backends.hpp"

#include <gtest/gtest.h>

namespace parley::server {
namespace {

TEST(Backends, ParsesARedisHostAndPort) {
    const auto address = parseRedisAddress("redis://10.0.0.5:6380");
    ASSERT_TRUE(address.has_value()) << address.error();
    EXPECT_EQ(address->host, "10.0.0.5");
    EXPECT_EQ(address->port, 6380);
    const auto slash = parseRedisAddress("redis://cache.internal:6379/");
    ASSERT_TRUE(slash.has_value());
    EXPECT_EQ(slash->host, "cache.internal");
}

TEST(Backends, RefusesABadRedisUrlSayingWhatIsWrong) {
    const auto error = [](std::string_view spec) {
        const auto address = parseRedisAddress(spec);
        EXPECT_FALSE(address.has_value()) << spec;
        return address ? std::string{} : address.error();
    };
    EXPECT_NE(error("redis://host").find("host and a port"), std::string::npos);
    EXPECT_NE(error("redis://:6379").find("host and a port"), std::string::npos);
    EXPECT_NE(error("redis://host:0").find("1 to 65535"), std::string::npos);
    EXPECT_NE(error("redis://host:65536").find("1 to 65535"), std::string::npos);
    EXPECT_NE(error("redis://host:63x9").find("1 to 65535"), std::string::npos);
    EXPECT_NE(error("redis://host:6379/2").find("only HOST:PORT"), std::string::npos);
    EXPECT_NE(error("redis://user:pw@host:6379").find("only HOST:PORT"), std::string::npos);
    EXPECT_NE(error("http://host:6379").find("not a redis:// URL"), std::string::npos);
}

TEST(Backends, OpensTheNamedBrokerOrSaysWhichAreKnown) {
    EXPECT_TRUE(openBroker("").has_value());
    EXPECT_FALSE(openBroker("memory").value()->mayLoseEvents());
    const auto unknown = openBroker("kafka://x:1");
    ASSERT_FALSE(unknown.has_value());
    EXPECT_NE(unknown.error().find("expected memory or redis://HOST:PORT"), std::string::npos);
    const auto bad = openBroker("redis://x");
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().find("bad broker \"redis://x\""), std::string::npos);
    // Nothing listens there: the broker is made all the same, and keeps trying.
    const auto redis = openBroker("redis://127.0.0.1:1");
    ASSERT_TRUE(redis.has_value());
    EXPECT_TRUE(redis.value()->mayLoseEvents());
    EXPECT_EQ(redis.value()->health(), "redis 127.0.0.1:1 unreachable");
    redis.value()->shutdown();
}

} // namespace
} // namespace parley::server
