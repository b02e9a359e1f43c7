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

TEST(WsUrl, TakesAnIPv6AddressInBrackets) {
    auto url = parseWsUrl("ws://[::1]:8080/v1/ws");
    ASSERT_TRUE(url);
    EXPECT_EQ(url->host, "::1") << "without brackets, as the resolver takes it";
    EXPECT_EQ(url->port, "8080");
    EXPECT_EQ(url->target, "/v1/ws");
    EXPECT_EQ(url->hostHeader(), "[::1]:8080");
    auto no_port = parseWsUrl("ws://[fe80::1]/");
    ASSERT_TRUE(no_port);
    EXPECT_EQ(no_port->host, "fe80::1");
    EXPECT_EQ(no_port->port, "80");
    EXPECT_EQ(parseWsUrl("ws://127.0.0.1:9/")->hostHeader(), "127.0.0.1:9");
    auto tls = parseWsUrl("wss://[::1]/v1/ws");
    ASSERT_TRUE(tls);
    EXPECT_TRUE(tls->tls);
    EXPECT_EQ(tls->host, "::1");
    EXPECT_EQ(tls->hostHeader(), "[::1]:443");
}

TEST(WsUrl, RefusesWhatItCannotConnectTo) {
    for (const char* bad :
         {"", "http://x:1/", "https://x:1/", "wss://", "wss://x:/", "ws://", "ws://:80/",
          "ws://x:/", "ws://x:99999/", "ws://x:12a/", "ws://x:123456/", "ws://[::1",
          "ws://[::1]x:80/", "ws://[]:80/", "wss://[::1"}) {
        EXPECT_FALSE(parseWsUrl(bad)) << bad;
    }
    EXPECT_EQ(parseWsUrl("ftp://x/").error(), "the URL must start with ws:// or wss://");
}

// The page's address and the socket's share host and port, so an http(s) URL is most likely the
// page's; a bare HOST:PORT most likely the server's.
TEST(WsUrl, ARefusedUrlSaysWhatItLikelyMeant) {
    EXPECT_EQ(parseWsUrl("http://127.0.0.1:8080/v1/ws").error(),
              "the URL must start with ws:// or wss:// (did you mean ws://127.0.0.1:8080/v1/ws?)");
    EXPECT_EQ(parseWsUrl("https://chat.example/v1/ws").error(),
              "the URL must start with ws:// or wss:// (did you mean wss://chat.example/v1/ws?)");
    EXPECT_EQ(parseWsUrl("127.0.0.1:8080").error(),
              "the URL must start with ws:// or wss:// (did you mean ws://127.0.0.1:8080/v1/ws?)");
    EXPECT_EQ(parseWsUrl("localhost:8080/v1/ws").error(),
              "the URL must start with ws:// or wss:// (did you mean ws://localhost:8080/v1/ws?)");
}

} // namespace
} // namespace parley::client
