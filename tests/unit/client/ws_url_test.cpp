#include "client/ws_url.hpp"

#include <gtest/gtest.h>

namespace parley::client {
namespace {

TEST(WsUrl, SplitsHostPortAndTarget) {
    auto url = parseWsUrl("ws://127.0.0.1:8080/v1/ws");
    ASSERT_TRUE(url);
    EXPECT_EQ(url->host, "127.0.0.1");
    EXPECT_EQ(url->port, "8080");
    EXPECT_EQ(url->target, "/v1/ws");
}

TEST(WsUrl, DefaultsToPort80AndTheRootPath) {
    auto url = parseWsUrl("ws://chat.example.com");
    ASSERT_TRUE(url);
    EXPECT_EQ(url->port, "80");
    EXPECT_EQ(url->target, "/");
}

TEST(WsUrl, WssMeansTlsOnPort443ByDefault) {
    auto url = parseWsUrl("wss://chat.example.com/v1/ws");
    ASSERT_TRUE(url);
    EXPECT_TRUE(url->tls);
    EXPECT_EQ(url->host, "chat.example.com");
    EXPECT_EQ(url->port, "443");
    EXPECT_EQ(url->target, "/v1/ws");
    auto with_port = parseWsUrl("wss://127.0.0.1:8443/v1/ws");
    ASSERT_TRUE(with_port);
    EXPECT_TRUE(with_port->tls);
    EXPECT_EQ(with_port->port, "8443");
    EXPECT_FALSE(parseWsUrl("ws://127.0.0.1:8080/v1/ws")->tls);
}

TEST(WsUrl, RefusesWhatItCannotConnectTo) {
    for (const char* bad :
         {"", "http://x:1/", "https://x:1/", "wss://", "wss://x:/", "ws://", "ws://:80/",
          "ws://x:/", "ws://x:99999/", "ws://x:12a/", "ws://x:123456/"}) {
        EXPECT_FALSE(parseWsUrl(bad)) << bad;
    }
    EXPECT_EQ(parseWsUrl("http://x/").error(), "the URL must start with ws:// or wss://");
}

} // namespace
} // namespace parley::client
