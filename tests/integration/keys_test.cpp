// Keys: rotation through the config file (SIGHUP reloads it), and the development setup that
// makes and keeps a key when none is configured.

#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <regex>

namespace parley::testing {
namespace {

const token::ApiKey kOldKey{.sid = "SK0000000000000000000000000000000a",
                            .account_sid = "AC0000000000000000000000000000000a",
                            .secret = "old-secret-0000000000000000000000"};
const token::ApiKey kNewKey{.sid = "SK0000000000000000000000000000000b",
                            .account_sid = "AC0000000000000000000000000000000a",
                            .secret = "new-secret-1111111111111111111111"};

void writeConfig(const std::filesystem::path& file, const std::vector<token::ApiKey>& keys) {
    std::ofstream out{file};
    out << "about_to_expire_window = 5\n";
    for (const auto& key : keys) {
        out << "[[keys]]\naccount_sid = \"" << key.account_sid << "\"\napi_key = \"" << key.sid
            << "\"\napi_secret = \"" << key.secret << "\"\n";
    }
}

std::string tokenFor(const token::ApiKey& key, const std::string& identity) {
    return *token::AccessTokenBuilder{key}.identity(identity).chat({}).mint(
        token::SystemClock::instance());
}

Json initWith(std::uint16_t port, const std::string& token) {
    WsTestClient client{port};
    return client.request("init", {{"token", token}});
}

TEST(Keys, AnyConfiguredKeyVerifiesAndAReloadRemovesARetiredKey) {
    const auto config = std::filesystem::temp_directory_path() /
                        ("parley-keys-" + std::to_string(::getpid()) + ".toml");
    writeConfig(config, {kOldKey, kNewKey});
    ServerProcess server{{"--config", config.string()}, std::nullopt, false};
    EXPECT_EQ(initWith(server.port(), tokenFor(kOldKey, "alice"))["ok"], true);
    EXPECT_EQ(initWith(server.port(), tokenFor(kNewKey, "bob"))["ok"], true);

    // A connection made with the old key before the rotation keeps its token until its exp,
    // but renewing with the retired key fails.
    WsTestClient live{server.port()};
    ASSERT_EQ(live.request("init", {{"token", tokenFor(kOldKey, "carol")}})["ok"], true);

    writeConfig(config, {kNewKey});
    server.signal(SIGHUP);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    Json rejected;
    do {
        rejected = initWith(server.port(), tokenFor(kOldKey, "alice"));
    } while (rejected.value("ok", true) && std::chrono::steady_clock::now() < deadline);
    EXPECT_EQ(rejected["error"]["code"], 20103);
    EXPECT_EQ(initWith(server.port(), tokenFor(kNewKey, "bob"))["ok"], true);
    EXPECT_EQ(
        live.request("update_token", {{"token", tokenFor(kOldKey, "carol")}})["error"]["code"],
        20103);
    EXPECT_EQ(live.request("update_token", {{"token", tokenFor(kNewKey, "carol")}})["ok"], true);
    std::filesystem::remove(config);
}

TEST(Keys, DevelopmentSetupMakesAKeyOnceAndPrintsAMintCommandThatWorks) {
    const auto data_dir =
        std::filesystem::temp_directory_path() / ("parley-dev-" + std::to_string(::getpid()));
    std::filesystem::remove_all(data_dir);
    std::string first_key;
    {
        ServerProcess server{{}, data_dir, false};
        const std::string output = server.output();
        std::smatch match;
        const std::regex mint{
            "token mint --account-sid (AC[0-9a-f]{32}) --api-key (SK[0-9a-f]{32}) "
            "--api-secret ([0-9a-f]{32})"};
        ASSERT_TRUE(std::regex_search(output, match, mint)) << output;
        first_key = match[2];
        EXPECT_TRUE(std::filesystem::exists(data_dir / "dev-keys.toml"));
        const token::ApiKey printed{.sid = match[2], .account_sid = match[1], .secret = match[3]};
        EXPECT_EQ(initWith(server.port(), tokenFor(printed, "dev"))["ok"], true);
    }
    ServerProcess again{{}, data_dir, false};
    EXPECT_NE(again.output().find(first_key), std::string::npos)
        << "the development key must be kept across restarts";
    std::filesystem::remove_all(data_dir);
}

} // namespace
} // namespace parley::testing
