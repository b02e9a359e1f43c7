// The browser side of the HTTP port, on a real `parley serve`: the web app and the browser SDK
// served from the binary (types, validators, HEAD, 404/405), the page's config.json, and the
// development token endpoint with its limits, on only in the development setup.

#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace parley::testing {
namespace {

namespace http = boost::beast::http;

using Response = http::response<http::string_body>;

// One request on a fresh connection; `headers` are added as given.
Response send(const ServerProcess& server, http::verb method, const std::string& target,
              const std::string& body = "",
              const std::vector<std::pair<http::field, std::string>>& headers = {}) {
    boost::asio::io_context io;
    boost::beast::tcp_stream stream{io};
    stream.connect(
        boost::asio::ip::tcp::endpoint{boost::asio::ip::make_address("127.0.0.1"), server.port()});
    http::request<http::string_body> request{method, target, 11};
    request.set(http::field::host, "127.0.0.1");
    for (const auto& [field, value] : headers) {
        request.set(field, value);
    }
    request.body() = body;
    request.prepare_payload();
    http::write(stream, request);
    boost::beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.skip(method == http::verb::head); // a HEAD reply announces a body it does not send
    http::read(stream, buffer, parser);
    return parser.release();
}

Response postToken(const ServerProcess& server, const std::string& body,
                   const std::string& type = "application/json") {
    return send(server, http::verb::post, "/v1/dev/token", body,
                {{http::field::content_type, type}});
}

std::string sourceFile(const std::string& relative) {
    std::ifstream in{std::string{PARLEY_SOURCE_DIR} + "/" + relative, std::ios::binary};
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// The development setup: no key flags, so the server makes a key and mints for the page.
ServerProcess devServer() {
    return ServerProcess{{}, std::nullopt, /*with_test_key=*/false};
}

TEST(Web, ServesTheAppFromTheBinaryWithTypesAndValidators) {
    ServerProcess server = devServer();
    const Response index = send(server, http::verb::get, "/");
    ASSERT_EQ(index.result_int(), 200);
    EXPECT_EQ(index[http::field::content_type], "text/html; charset=utf-8");
    EXPECT_EQ(index.body(), sourceFile("web/index.html"));
    const std::string etag{index[http::field::etag]};
    ASSERT_FALSE(etag.empty());
    EXPECT_EQ(
        send(server, http::verb::get, "/", "", {{http::field::if_none_match, etag}}).result_int(),
        304);
    const Response script = send(server, http::verb::get, "/web/app.js?v=1");
    ASSERT_EQ(script.result_int(), 200);
    EXPECT_EQ(script[http::field::content_type], "text/javascript; charset=utf-8");
    EXPECT_EQ(script.body(), sourceFile("web/app.js"));
    EXPECT_EQ(send(server, http::verb::get, "/web/style.css")[http::field::content_type],
              "text/css; charset=utf-8");
    const Response head = send(server, http::verb::head, "/web/app.js");
    EXPECT_EQ(head.result_int(), 200);
    EXPECT_EQ(head[http::field::content_length], std::to_string(script.body().size()));
    EXPECT_EQ(send(server, http::verb::get, "/web/missing.js").result_int(), 404);
    EXPECT_EQ(send(server, http::verb::get, "/web/../CMakeLists.txt").result_int(), 404);
    EXPECT_EQ(send(server, http::verb::get, "/index.html").result_int(), 404);
    const Response post = send(server, http::verb::post, "/", "x");
    EXPECT_EQ(post.result_int(), 405);
    EXPECT_EQ(post[http::field::allow], "GET, HEAD");
    EXPECT_EQ(send(server, http::verb::get, "/healthz").result_int(), 200) << "others unchanged";
}

TEST(Web, ServesTheBrowserSdkModulesAndTypes) {
    ServerProcess server = devServer();
    const Response sdk = send(server, http::verb::get, "/sdk/parley.js");
    ASSERT_EQ(sdk.result_int(), 200);
    EXPECT_EQ(sdk[http::field::content_type], "text/javascript; charset=utf-8");
    EXPECT_EQ(sdk.body(), sourceFile("sdk/js/parley.js"));
    const Response types = send(server, http::verb::get, "/sdk/parley.d.ts");
    ASSERT_EQ(types.result_int(), 200);
    EXPECT_EQ(types[http::field::content_type], "application/typescript; charset=utf-8");
    EXPECT_EQ(send(server, http::verb::get, "/sdk/package.json").result_int(), 404);
}

TEST(Web, DevTokenEndpointMintsTokensTheServerAccepts) {
    ServerProcess server = devServer();
    const Json config = Json::parse(send(server, http::verb::get, "/web/config.json").body());
    EXPECT_EQ(config["tokenUrl"], "/v1/dev/token");
    EXPECT_EQ(config["development"], true);
    EXPECT_EQ(config["aboutToExpireWindow"], 180);
    const Response minted = postToken(server, R"({"identity":"alice","ttl":600})");
    ASSERT_EQ(minted.result_int(), 200) << minted.body();
    EXPECT_EQ(minted[http::field::cache_control], "no-store");
    const std::string token = Json::parse(minted.body())["token"];
    WsTestClient client{server.port()};
    const Json init = client.request("init", {{"token", token}});
    ASSERT_EQ(init["ok"], true) << init.dump();
    EXPECT_EQ(init["identity"], "alice");
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    EXPECT_NEAR(init["expires_at"].get<double>(), static_cast<double>(now + 600), 5);
    // Without a ttl: an hour.
    EXPECT_EQ(postToken(server, R"({"identity":"bob"})").result_int(), 200);
}

// The status, and the body's code, of a refused dev token request.
void expectRefused(const Response& response, int status, int code) {
    EXPECT_EQ(response.result_int(), status) << response.body();
    const Json body = Json::parse(response.body(), nullptr, false);
    ASSERT_TRUE(body.is_object()) << response.body();
    EXPECT_EQ(body["code"], code);
    EXPECT_FALSE(body["message"].get<std::string>().empty());
}

TEST(Web, DevTokenEndpointRefusesBadRequestsWithClearErrors) {
    ServerProcess server = devServer();
    constexpr int kInvalidArgument = 50003;
    expectRefused(postToken(server, R"({"identity":"a","ttl":179})"), 400, kInvalidArgument);
    expectRefused(postToken(server, R"({"identity":"a","ttl":86401})"), 400, kInvalidArgument);
    expectRefused(postToken(server, R"({"identity":"a","ttl":"600"})"), 400, kInvalidArgument);
    expectRefused(postToken(server, R"({"identity":"a","ttl":600.5})"), 400, kInvalidArgument);
    expectRefused(postToken(server, R"({"ttl":600})"), 400, kInvalidArgument);
    expectRefused(postToken(server, R"({"identity":""})"), 400, kInvalidArgument);
    expectRefused(postToken(server, R"({"identity":7})"), 400, kInvalidArgument);
    expectRefused(postToken(server, R"({"identity":"a\nb"})"), 400, kInvalidArgument);
    expectRefused(postToken(server, Json{{"identity", std::string(257, 'x')}}.dump()), 400,
                  kInvalidArgument);
    EXPECT_EQ(postToken(server, Json{{"identity", std::string(256, 'x')}}.dump()).result_int(),
              200);
    expectRefused(postToken(server, "not json"), 400, kInvalidArgument);
    expectRefused(postToken(server, R"(["alice"])"), 400, kInvalidArgument);
    expectRefused(postToken(server, R"({"identity":"a"})", "text/plain"), 415, 415);
    expectRefused(postToken(server, R"({"identity":")" + std::string(5000, 'x') + "\"}"), 413, 413);
    const Response get = send(server, http::verb::get, "/v1/dev/token");
    expectRefused(get, 405, 405);
    EXPECT_EQ(get[http::field::allow], "POST");
}

TEST(Web, DevTokenEndpointIsOffWhenAKeyIsConfigured) {
    ServerProcess server; // started with an API key: not the development setup
    expectRefused(postToken(server, R"({"identity":"alice","ttl":600})"), 404, 404);
    const Json config = Json::parse(send(server, http::verb::get, "/web/config.json").body());
    EXPECT_TRUE(config["tokenUrl"].is_null());
    EXPECT_EQ(config["development"], false);
    EXPECT_EQ(send(server, http::verb::get, "/").result_int(), 200) << "the app is still served";
}

TEST(Web, ConfigNamesTheOperatorsTokenUrlAndWindow) {
    ServerProcess server{
        {"--web-token-url", "https://example.com/parley/token", "--about-to-expire-window", "30"}};
    const Json config = Json::parse(send(server, http::verb::get, "/web/config.json").body());
    EXPECT_EQ(config["tokenUrl"], "https://example.com/parley/token");
    EXPECT_EQ(config["aboutToExpireWindow"], 30);
}

} // namespace
} // namespace parley::testing
