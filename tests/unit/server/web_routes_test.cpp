// The web routes without a socket: dev tokens only on loopback, minted on the server's clock;
// the --web-token-url / web_token_url check; the config file key.

#include "server/server.hpp"
#include "server/server_config.hpp"
#include "server/web_routes.hpp"
#include "temp_directory.hpp"

#include <parley/token/inspect.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace parley::server {
namespace {

namespace fs = std::filesystem;
namespace http = boost::beast::http;

const token::ApiKey kDevKey{.sid = "SK11111111111111111111111111111111",
                            .account_sid = "AC0123456789abcdef0123456789abcdef",
                            .secret = "s3cret"};

using TempDir = parley::testing::TempDirectory;

// Whether a server listening on `host` turns the development token endpoint on.
bool devTokensOn(const std::string& host) {
    TempDir data;
    ServerOptions options{.host = host, .port = 0, .data_dir = data.path(), .threads = 1};
    auto server = Server::create(options, token::SystemClock::instance());
    if (!server) {
        throw std::runtime_error(server.error());
    }
    return (*server)->enableDevTokens(kDevKey, "IS0123456789abcdef0123456789abcdef");
}

TEST(WebRoutes, DevTokensOnlyOnALoopbackListener) {
    EXPECT_TRUE(devTokensOn("127.0.0.1"));
    EXPECT_TRUE(devTokensOn("::1"));
    EXPECT_FALSE(devTokensOn("0.0.0.0"));
    EXPECT_FALSE(devTokensOn("::"));
}

TEST(WebRoutes, DevTokensAreMintedOnTheServersClock) {
    const token::ManualClock clock{token::TimePoint{std::chrono::milliseconds{1'800'000'000'000}}};
    WebRoutes routes{WebOptions{}, clock};
    routes.enableDevTokens(kDevKey, "IS0123456789abcdef0123456789abcdef");
    HttpRequest request{http::verb::post, "/v1/dev/token", 11};
    request.set(http::field::content_type, "application/json; charset=utf-8");
    request.body() = R"({"identity":"alice","ttl":180})";
    const auto response = routes.answer(request);
    ASSERT_TRUE(response.has_value());
    ASSERT_EQ(response->result(), http::status::ok) << response->body();
    const auto token = nlohmann::json::parse(response->body())["token"].get<std::string>();
    const auto inspected = token::inspect(token);
    ASSERT_TRUE(inspected.has_value() && inspected->claims.has_value());
    const token::Claims& claims = *inspected->claims;
    EXPECT_EQ(claims.issued_at, token::UnixSeconds{std::chrono::seconds{1'800'000'000}});
    EXPECT_EQ(claims.expires_at, token::UnixSeconds{std::chrono::seconds{1'800'000'180}});
    EXPECT_EQ(claims.identity(), "alice");
}

TEST(WebRoutes, LeavesOtherPathsToTheRestApi) {
    const token::ManualClock clock{token::TimePoint{}};
    WebRoutes routes{WebOptions{}, clock};
    for (const char* path : {"/healthz", "/metrics", "/v1/channels", "/v1/ws", "/webx", "/sdk"}) {
        EXPECT_FALSE(routes.answer(HttpRequest{http::verb::get, path, 11}).has_value()) << path;
    }
    EXPECT_EQ(routes.answer(HttpRequest{http::verb::post, "/v1/dev/token", 11})->result(),
              http::status::not_found)
        << "off until enabled";
}

TEST(WebRoutes, TokenUrlMustBeHttpOrAPathWithoutOddCharacters) {
    for (const char* good :
         {"https://example.com/token", "http://127.0.0.1:9000/t?x=1", "/token"}) {
        EXPECT_FALSE(checkWebTokenUrl(good).has_value()) << good;
    }
    for (const char* bad :
         {"", "ftp://example.com", "//example.com/token", "token", "javascript:alert(1)",
          "https://example.com/a b", "https://example.com/\"", "/a\nb"}) {
        EXPECT_TRUE(checkWebTokenUrl(bad).has_value()) << bad;
    }
    EXPECT_TRUE(checkWebTokenUrl("https://example.com/" + std::string(2100, 'a')).has_value());
}

TEST(WebRoutes, ConfigFileKeyIsCheckedToo) {
    TempDir dir;
    const fs::path good = dir.path() / "good.toml";
    std::ofstream{good} << "web_token_url = \"https://example.com/token\"\n";
    const auto config = loadConfigFile(good);
    ASSERT_TRUE(config.has_value()) << config.error();
    EXPECT_EQ(config->web_token_url, "https://example.com/token");
    const fs::path bad = dir.path() / "bad.toml";
    std::ofstream{bad} << "\nweb_token_url = \"ftp://example.com\"\n";
    const auto refused = loadConfigFile(bad);
    ASSERT_FALSE(refused.has_value());
    EXPECT_NE(refused.error().find("web_token_url must be an http:// or https:// URL"),
              std::string::npos)
        << refused.error();
    EXPECT_NE(refused.error().find("line 2"), std::string::npos) << refused.error();
}

} // namespace
} // namespace parley::server
