#include "server/server_config.hpp"
#include "temp_directory.hpp"

#include <parley/token/api_key.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace parley::server {
namespace {

namespace fs = std::filesystem;

class ServerConfigTest : public ::testing::Test {
protected:
    fs::path write(const std::string& name, const std::string& text) const {
        const fs::path file = directory_ / name;
        std::ofstream{file} << text;
        return file;
    }

    /// The error loading `text` gives; fails the test if it loads.
    std::string loadError(const std::string& text) const {
        const fs::path file = write("bad.toml", text);
        const auto config = loadConfigFile(file);
        EXPECT_FALSE(config) << text;
        if (config) {
            return {};
        }
        EXPECT_NE(config.error().find(file.string()), std::string::npos)
            << "error does not name the file: " << config.error();
        return config.error();
    }

    parley::testing::TempDirectory directory_{"parley-config"};
};

// ---- loadConfigFile ----

TEST_F(ServerConfigTest, ReadsEveryDocumentedKey) {
    const fs::path file = write("parley.toml", R"(
listen = "0.0.0.0:8080"
data = "/var/lib/parley"
chat_service = "IS0123456789abcdef0123456789abcdef"
about_to_expire_window = 120
threads = 4
init_timeout_ms = 2500
keep_alive = 25
tls_cert = "/etc/parley/cert.pem"
tls_key = "/etc/parley/key.pem"

[limits]
rate_per_second = 12.5
rate_burst = 40.0
max_connections_per_identity = 3
max_channels_per_identity = 25
max_outbox_bytes = 8388608

[[keys]]
account_sid = "AC0123456789abcdef0123456789abcdef"
api_key = "SK11111111111111111111111111111111"
api_secret = "current secret"

[[keys]]
account_sid = "AC0123456789abcdef0123456789abcdef"
api_key = "SK22222222222222222222222222222222"
api_secret = "next secret"
)");
    const auto config = loadConfigFile(file);
    ASSERT_TRUE(config) << config.error();
    EXPECT_EQ(config->listen, "0.0.0.0:8080");
    EXPECT_EQ(config->data_dir, fs::path{"/var/lib/parley"});
    EXPECT_EQ(config->chat_service_sid, "IS0123456789abcdef0123456789abcdef");
    EXPECT_EQ(config->about_to_expire_window, 120);
    EXPECT_EQ(config->threads, 4);
    EXPECT_EQ(config->init_timeout_ms, 2500);
    EXPECT_EQ(config->keep_alive, 25);
    EXPECT_EQ(config->tls_cert, fs::path{"/etc/parley/cert.pem"});
    EXPECT_EQ(config->tls_key, fs::path{"/etc/parley/key.pem"});
    EXPECT_EQ(config->rate_per_second, 12.5);
    EXPECT_EQ(config->rate_burst, 40.0);
    EXPECT_EQ(config->max_connections_per_identity, 3);
    EXPECT_EQ(config->max_channels_per_identity, 25);
    EXPECT_EQ(config->max_outbox_bytes, 8388608);
    ASSERT_EQ(config->keys.size(), 2U);
    EXPECT_EQ(config->keys[0].sid, "SK11111111111111111111111111111111");
    EXPECT_EQ(config->keys[0].account_sid, "AC0123456789abcdef0123456789abcdef");
    EXPECT_EQ(config->keys[0].secret, "current secret");
    EXPECT_EQ(config->keys[1].sid, "SK22222222222222222222222222222222");
    EXPECT_EQ(config->keys[1].account_sid, "AC0123456789abcdef0123456789abcdef");
    EXPECT_EQ(config->keys[1].secret, "next secret");
}

TEST_F(ServerConfigTest, AnEmptyFileSetsNothing) {
    const auto config = loadConfigFile(write("empty.toml", ""));
    ASSERT_TRUE(config) << config.error();
    EXPECT_FALSE(config->listen);
    EXPECT_FALSE(config->data_dir);
    EXPECT_FALSE(config->chat_service_sid);
    EXPECT_FALSE(config->about_to_expire_window);
    EXPECT_FALSE(config->threads);
    EXPECT_FALSE(config->init_timeout_ms);
    EXPECT_FALSE(config->keep_alive);
    EXPECT_FALSE(config->rate_per_second);
    EXPECT_FALSE(config->rate_burst);
    EXPECT_FALSE(config->max_connections_per_identity);
    EXPECT_TRUE(config->keys.empty());
}

TEST_F(ServerConfigTest, RateLimitsWrittenAsWholeNumbersAreRead) {
    // The documented example writes `rate_per_second = 50`, a TOML integer.
    const auto config =
        loadConfigFile(write("ints.toml", "[limits]\nrate_per_second = 50\nrate_burst = 100\n"));
    ASSERT_TRUE(config) << config.error();
    EXPECT_EQ(config->rate_per_second, 50.0);
    EXPECT_EQ(config->rate_burst, 100.0);
}

// A misspelt key would otherwise be silently dropped: `[[key]]` for `[[keys]]` even fell back to
// a development key.
TEST_F(ServerConfigTest, RefusesAnUnknownKeyNamingItAndItsLine) {
    struct Case {
        const char* toml;
        const char* name;
        const char* line;
    };
    const Case cases[] = {
        {"listen = \"127.0.0.1:8080\"\ncolour = \"blue\"\n", "\"colour\"", "line 2"},
        {"[[key]]\naccount_sid = \"AC0123456789abcdef0123456789abcdef\"\n"
         "api_key = \"SK11111111111111111111111111111111\"\napi_secret = \"s\"\n",
         "\"key\"", "line 1"},
        {"[limits]\nrate_per_second = 5\nrate_burts = 10\n", "\"limits.rate_burts\"", "line 3"},
        {"[[keys]]\naccount_sid = \"AC0123456789abcdef0123456789abcdef\"\n"
         "api_key = \"SK11111111111111111111111111111111\"\napi_secret = \"s\"\nregion = \"x\"\n",
         "\"keys.region\"", "line 5"},
        {"[limit]\nrate_burst = 10\n", "\"limit\"", "line 1"},
    };
    for (const Case& bad : cases) {
        const std::string error = loadError(bad.toml);
        EXPECT_NE(error.find("unknown key " + std::string{bad.name}), std::string::npos) << error;
        EXPECT_NE(error.find(bad.line), std::string::npos) << error;
    }
}

TEST_F(ServerConfigTest, RefusesAKnownKeyOfTheWrongTypeNamingItAndItsLine) {
    struct Case {
        const char* toml;
        const char* name;
        const char* line;
    };
    const Case cases[] = {
        {"listen = 8080\n", "listen must be a string", "line 1"},
        {"\nthreads = \"four\"\n", "threads must be an integer", "line 2"},
        {"threads = 4.0\n", "threads must be an integer", "line 1"},
        {"keep_alive = \"60s\"\n", "keep_alive must be an integer", "line 1"},
        {"data = [\"a\"]\n", "data must be a string", "line 1"},
        {"[limits]\nmax_connections_per_identity = \"many\"\n",
         "limits.max_connections_per_identity must be an integer", "line 2"},
        {"[limits]\nrate_per_second = \"fast\"\n", "limits.rate_per_second must be a number",
         "line 2"},
        {"limits = 5\n", "limits must be a table", "line 1"},
        {"[[keys]]\naccount_sid = \"AC0123456789abcdef0123456789abcdef\"\n"
         "api_key = \"SK11111111111111111111111111111111\"\napi_secret = 5\n",
         "keys.api_secret must be a string", "line 4"},
    };
    for (const Case& bad : cases) {
        const std::string error = loadError(bad.toml);
        EXPECT_NE(error.find(bad.name), std::string::npos) << error;
        EXPECT_NE(error.find(bad.line), std::string::npos) << error;
    }
}

TEST_F(ServerConfigTest, AValueOutOfRangeNamesItsLine) {
    const std::string error = loadError("listen = \"127.0.0.1:8080\"\nthreads = 0\n");
    EXPECT_NE(error.find("threads must be 1 to 1024 at line 2"), std::string::npos) << error;
}

TEST_F(ServerConfigTest, ABadTomlFileNamesTheFileAndTheLine) {
    const std::string error = loadError("listen = \"127.0.0.1:8080\"\n\nthreads = = 4\n");
    EXPECT_NE(error.find("line 3"), std::string::npos) << error;
}

TEST_F(ServerConfigTest, AnUnterminatedStringNamesItsLine) {
    const std::string error = loadError("# comment\nlisten = \"127.0.0.1:8080\n");
    EXPECT_NE(error.find("line 2"), std::string::npos) << error;
}

TEST_F(ServerConfigTest, AMissingFileIsAnErrorNamingIt) {
    const fs::path missing = directory_ / "no-such.toml";
    const auto config = loadConfigFile(missing);
    ASSERT_FALSE(config);
    EXPECT_NE(config.error().find(missing.string()), std::string::npos) << config.error();
}

TEST_F(ServerConfigTest, AKeyEntryWithoutApiSecretIsRefused) {
    const std::string error =
        loadError("[[keys]]\naccount_sid = \"AC0123456789abcdef0123456789abcdef\"\n"
                  "api_key = \"SK11111111111111111111111111111111\"\n");
    EXPECT_NE(error.find("api_secret"), std::string::npos) << error;
}

TEST_F(ServerConfigTest, AKeyEntryWithoutApiKeyIsRefused) {
    const std::string error = loadError(
        "[[keys]]\naccount_sid = \"AC0123456789abcdef0123456789abcdef\"\napi_secret = \"s\"\n");
    EXPECT_NE(error.find("api_key"), std::string::npos) << error;
}

TEST_F(ServerConfigTest, AKeyEntryWithAnEmptySecretIsRefused) {
    const std::string error =
        loadError("[[keys]]\naccount_sid = \"AC0123456789abcdef0123456789abcdef\"\n"
                  "api_key = \"SK11111111111111111111111111111111\"\napi_secret = \"\"\n");
    EXPECT_NE(error.find("api_secret"), std::string::npos) << error;
}

// The three go together (src/cli/serve_command.cpp says why): without its account a key would not
// check `sub` (20103).
TEST_F(ServerConfigTest, AKeyEntryWithoutAccountSidIsRefused) {
    const std::string error = loadError(
        "[[keys]]\napi_key = \"SK11111111111111111111111111111111\"\napi_secret = \"s\"\n");
    EXPECT_NE(error.find("account_sid"), std::string::npos) << error;
}

TEST_F(ServerConfigTest, ABadSecondKeyEntryRefusesTheWholeFile) {
    loadError("[[keys]]\naccount_sid = \"AC0123456789abcdef0123456789abcdef\"\n"
              "api_key = \"SK11111111111111111111111111111111\"\napi_secret = \"a\"\n"
              "[[keys]]\naccount_sid = \"AC0123456789abcdef0123456789abcdef\"\n"
              "api_key = \"SK22222222222222222222222222222222\"\n");
}

// ---- value ranges: both sides of every boundary ----

struct RangeCase {
    const char* toml;
    const char* key; // named in the error when refused
    bool accepted;
};

TEST_F(ServerConfigTest, RefusesValuesOutsideTheirRangesNamingTheKey) {
    const RangeCase cases[] = {
        {"about_to_expire_window = -1", "about_to_expire_window", false},
        {"about_to_expire_window = 0", "about_to_expire_window", true},
        {"about_to_expire_window = 86400", "about_to_expire_window", true},
        {"about_to_expire_window = 86401", "about_to_expire_window", false},
        {"threads = 0", "threads", false},
        {"threads = 1", "threads", true},
        {"threads = 1024", "threads", true},
        {"threads = 1025", "threads", false},
        {"init_timeout_ms = 0", "init_timeout_ms", false},
        {"init_timeout_ms = 1", "init_timeout_ms", true},
        // 0 would ping on every check; past an hour a ping keeps nothing alive.
        {"keep_alive = 0", "keep_alive", false},
        {"keep_alive = 1", "keep_alive", true},
        {"keep_alive = 3600", "keep_alive", true},
        {"keep_alive = 3601", "keep_alive", false},
        {"[limits]\nrate_per_second = 0", "rate_per_second", false},
        {"[limits]\nrate_per_second = 0.5", "rate_per_second", true},
        {"[limits]\nrate_burst = 0.5", "rate_burst", false},
        {"[limits]\nrate_burst = 1", "rate_burst", true},
        {"[limits]\nmax_connections_per_identity = 0", "max_connections_per_identity", false},
        {"[limits]\nmax_connections_per_identity = 1", "max_connections_per_identity", true},
        {"[limits]\nmax_channels_per_identity = 0", "max_channels_per_identity", false},
        {"[limits]\nmax_channels_per_identity = 1", "max_channels_per_identity", true},
        // Below 2 MiB a single 1 MiB history reply could close its own reader.
        {"[limits]\nmax_outbox_bytes = 2097151", "max_outbox_bytes", false},
        {"[limits]\nmax_outbox_bytes = 2097152", "max_outbox_bytes", true},
    };
    for (const RangeCase& range : cases) {
        if (range.accepted) {
            const auto config = loadConfigFile(write("ok.toml", std::string{range.toml} + "\n"));
            EXPECT_TRUE(config) << range.toml << ": " << (config ? "" : config.error());
        } else {
            const std::string error = loadError(std::string{range.toml} + "\n");
            EXPECT_NE(error.find(range.key), std::string::npos) << range.toml << ": " << error;
        }
    }
}

TEST_F(ServerConfigTest, KeysThatAreNotAnArrayOfTablesAreRefused) {
    loadError("keys = \"SK11111111111111111111111111111111\"\n");
    loadError("keys = [\"SK11111111111111111111111111111111\"]\n");
}

// ---- loadOrCreateDevKeys ----

TEST_F(ServerConfigTest, MakesADevKeyOnceInAPrivateFile) {
    const fs::path data = directory_ / "data"; // does not exist yet
    const auto first = loadOrCreateDevKeys(data);
    ASSERT_TRUE(first) << first.error();
    EXPECT_TRUE(first->created);
    EXPECT_EQ(first->file, data / "dev-keys.toml");
    ASSERT_TRUE(fs::exists(first->file));
    EXPECT_EQ(fs::status(first->file).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);

    EXPECT_TRUE(token::isSid(first->key.sid, "SK")) << first->key.sid;
    EXPECT_TRUE(token::isSid(first->key.account_sid, "AC")) << first->key.account_sid;
    EXPECT_EQ(first->key.secret.size(), 32U);
    EXPECT_EQ(first->key.secret.find_first_not_of("0123456789abcdef"), std::string::npos)
        << first->key.secret;
}

TEST_F(ServerConfigTest, ReturnsTheSameDevKeyOnTheSecondCall) {
    const auto first = loadOrCreateDevKeys(directory_.path());
    ASSERT_TRUE(first) << first.error();
    const auto second = loadOrCreateDevKeys(directory_.path());
    ASSERT_TRUE(second) << second.error();
    EXPECT_FALSE(second->created);
    EXPECT_EQ(second->file, first->file);
    EXPECT_EQ(second->key.sid, first->key.sid);
    EXPECT_EQ(second->key.account_sid, first->key.account_sid);
    EXPECT_EQ(second->key.secret, first->key.secret);
    EXPECT_EQ(fs::status(second->file).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(ServerConfigTest, TheDevKeyFileIsAValidConfigFile) {
    const auto dev = loadOrCreateDevKeys(directory_.path());
    ASSERT_TRUE(dev) << dev.error();
    const auto config = loadConfigFile(dev->file);
    ASSERT_TRUE(config) << config.error();
    ASSERT_EQ(config->keys.size(), 1U);
    EXPECT_EQ(config->keys[0].sid, dev->key.sid);
    EXPECT_EQ(config->keys[0].secret, dev->key.secret);
}

TEST_F(ServerConfigTest, TwoDataDirectoriesGetDifferentKeys) {
    const auto one = loadOrCreateDevKeys(directory_ / "one");
    const auto two = loadOrCreateDevKeys(directory_ / "two");
    ASSERT_TRUE(one && two);
    EXPECT_NE(one->key.sid, two->key.sid);
    EXPECT_NE(one->key.secret, two->key.secret);
}

TEST_F(ServerConfigTest, ADevKeyFileWithoutKeysIsAnError) {
    write("dev-keys.toml", "# emptied by hand\n");
    const auto dev = loadOrCreateDevKeys(directory_.path());
    ASSERT_FALSE(dev);
    EXPECT_NE(dev.error().find("dev-keys.toml"), std::string::npos) << dev.error();
}

TEST_F(ServerConfigTest, ADataDirectoryThatCannotBeMadeIsAnError) {
    write("occupied", "a file where the directory should go");
    const auto dev = loadOrCreateDevKeys(directory_ / "occupied" / "data");
    ASSERT_FALSE(dev);
    EXPECT_NE(dev.error().find("occupied"), std::string::npos) << dev.error();
}

} // namespace
} // namespace parley::server
