// answerUpgrade against RFC 6455's example key and, request by request, against what Beast's
// websocket::stream::accept writes for the same request (over Beast's in-memory test stream):
// the handshake must look the same from outside once Beast's stream is gone.

#include "server/ws_handshake.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/version.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using parley::server::answerUpgrade;
using parley::server::validWebSocketKey;
using parley::server::webSocketAccept;
using Request = http::request<http::string_body>;

constexpr std::string_view kRfcKey = "dGhlIHNhbXBsZSBub25jZQ==";

Request upgradeRequest(const std::function<void(Request&)>& change = {}) {
    Request request{http::verb::get, "/ws", 11};
    request.set(http::field::host, "chat.example.com");
    request.set(http::field::upgrade, "websocket");
    request.set(http::field::connection, "Upgrade");
    request.set(http::field::sec_websocket_key, kRfcKey);
    request.set(http::field::sec_websocket_version, "13");
    if (change) {
        change(request);
    }
    return request;
}

// What Beast's websocket::stream::accept wrote for `request`, and the code it completed with.
std::pair<std::string, boost::system::error_code> beastAccept(const Request& request) {
    boost::asio::io_context io;
    websocket::stream<beast::test::stream> server{io};
    beast::test::stream client{io};
    server.next_layer().connect(client);
    boost::system::error_code error;
    server.accept(request, error);
    return {std::string{client.str()}, error};
}

http::response<http::string_body> parseResponse(std::string_view text) {
    http::response_parser<http::string_body> parser;
    boost::system::error_code error;
    while (!parser.is_done() && !error && !text.empty()) {
        text.remove_prefix(parser.put(boost::asio::buffer(text.data(), text.size()), error));
    }
    EXPECT_FALSE(error) << error.message();
    EXPECT_TRUE(parser.is_done());
    EXPECT_TRUE(text.empty()) << "bytes after the response";
    return parser.release();
}

// RFC 6455 1.3 works this key through to "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" (4.2.2 and 1.2 print other
// examples); Python's hashlib agrees.
TEST(WsHandshake, ComputesRfc6455ExampleAcceptKey) {
    EXPECT_EQ(webSocketAccept(kRfcKey), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WsHandshake, AcceptsAnUpgradeWith101) {
    const auto answer = answerUpgrade(upgradeRequest());
    ASSERT_TRUE(answer.accepted());
    EXPECT_EQ(parseResponse(answer.response).result(), http::status::switching_protocols);
    EXPECT_EQ(answer.response, "HTTP/1.1 101 Switching Protocols\r\n"
                               "Upgrade: websocket\r\n"
                               "Connection: upgrade\r\n"
                               "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                               "Server: " BOOST_BEAST_VERSION_STRING "\r\n"
                               "\r\n");
}

TEST(WsHandshake, AnswersEveryRequestAsBeastDid) {
    struct Case {
        const char* name;
        Request request;
    };
    const std::vector<Case> cases = {
        {"valid", upgradeRequest()},
        {"token lists, any case", upgradeRequest([](Request& r) {
             r.set(http::field::connection, "keep-alive, UPGRADE");
             r.set(http::field::upgrade, "WebSocket");
         })},
        {"deflate offered, not taken", upgradeRequest([](Request& r) {
             r.set(http::field::sec_websocket_extensions, "permessage-deflate");
         })},
        {"HTTP/1.0", upgradeRequest([](Request& r) { r.version(10); })},
        {"POST", upgradeRequest([](Request& r) { r.method(http::verb::post); })},
        {"no Host", upgradeRequest([](Request& r) { r.erase(http::field::host); })},
        {"no Connection", upgradeRequest([](Request& r) { r.erase(http::field::connection); })},
        {"Connection without upgrade",
         upgradeRequest([](Request& r) { r.set(http::field::connection, "keep-alive"); })},
        {"no Upgrade", upgradeRequest([](Request& r) { r.erase(http::field::upgrade); })},
        {"Upgrade to another protocol",
         upgradeRequest([](Request& r) { r.set(http::field::upgrade, "h2c"); })},
        {"no key", upgradeRequest([](Request& r) { r.erase(http::field::sec_websocket_key); })},
        {"key over 24 characters", upgradeRequest([](Request& r) {
             r.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==A");
         })},
        {"no version",
         upgradeRequest([](Request& r) { r.erase(http::field::sec_websocket_version); })},
        {"version 8",
         upgradeRequest([](Request& r) { r.set(http::field::sec_websocket_version, "8"); })},
        {"version list",
         upgradeRequest([](Request& r) { r.set(http::field::sec_websocket_version, "13, 8"); })},
        {"two faults: the first decides", upgradeRequest([](Request& r) {
             r.method(http::verb::put);
             r.erase(http::field::sec_websocket_key);
         })},
    };
    for (const auto& test : cases) {
        SCOPED_TRACE(test.name);
        const auto [beast_response, beast_error] = beastAccept(test.request);
        const auto answer = answerUpgrade(test.request);
        EXPECT_EQ(answer.response, beast_response);
        EXPECT_EQ(answer.error, beast_error);
        EXPECT_EQ(answer.accepted(), !beast_error);
    }
}

TEST(WsHandshake, RefusesAnOtherVersionWith426) {
    const auto answer = answerUpgrade(
        upgradeRequest([](Request& r) { r.set(http::field::sec_websocket_version, "8"); }));
    EXPECT_FALSE(answer.accepted());
    EXPECT_EQ(answer.error, websocket::error::bad_sec_version);
    const auto response = parseResponse(answer.response);
    EXPECT_EQ(response.result(), http::status::upgrade_required);
    EXPECT_EQ(response[http::field::sec_websocket_version], "13");
    EXPECT_EQ(response[http::field::server], BOOST_BEAST_VERSION_STRING);
}

TEST(WsHandshake, RefusesAMissingKeyWith400) {
    const auto answer =
        answerUpgrade(upgradeRequest([](Request& r) { r.erase(http::field::sec_websocket_key); }));
    EXPECT_EQ(answer.error, websocket::error::no_sec_key);
    const auto response = parseResponse(answer.response);
    EXPECT_EQ(response.result(), http::status::bad_request);
    EXPECT_EQ(response.body(), answer.error.message());
}

// Stricter than Beast, which took any key of up to 24 characters: RFC 6455 4.2.1 asks for the
// base64 of 16 bytes, and a client library that sends anything else is broken.
TEST(WsHandshake, RefusesKeysThatAreNotBase64Of16Bytes) {
    for (const std::string_view key :
         {"", "short", "dGhlIHNhbXBsZSBub25jZQ",
          "dGhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25jZQ=A",
          "dGhlIHNhbXBsZSBub25j=Q==", "dGhlIHNhbXBsZSBub25jZ!==", "AAAAAAAAAAAAAAAAAAAAAAAA",
          " GhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZQ==A"}) {
        SCOPED_TRACE(key);
        EXPECT_FALSE(validWebSocketKey(key));
        const auto answer = answerUpgrade(
            upgradeRequest([key](Request& r) { r.set(http::field::sec_websocket_key, key); }));
        EXPECT_EQ(answer.error, websocket::error::bad_sec_key);
        EXPECT_EQ(parseResponse(answer.response).result(), http::status::bad_request);
    }
    EXPECT_TRUE(validWebSocketKey(kRfcKey));
    EXPECT_TRUE(validWebSocketKey("AAAAAAAAAAAAAAAAAAAAAA=="));
    EXPECT_TRUE(validWebSocketKey("/+/+/+/+/+/+/+/+/+/+/w=="));
}

} // namespace
