#pragma once

// `parley serve` configuration from a TOML file, and the development key set kept in the data
// directory when no keys are configured. Example file (docs/operations.md has every key):
//
//     listen = "0.0.0.0:8080"
//     data = "/var/lib/parley"
//     store = "sqlite:/var/lib/parley"
//     broker = "memory"
//     chat_service = "IS..."
//     about_to_expire_window = 180
//     keep_alive = 150
//     tls_cert = "/etc/parley/cert.pem"
//     tls_key = "/etc/parley/key.pem"
//     web_token_url = "https://example.com/parley-token"
//     [[keys]]
//     account_sid = "AC..."
//     api_key = "SK..."
//     api_secret = "..."

#include "server/server.hpp"

#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace parley::server {

/// What a config file may set; unset fields keep the defaults or the command-line values.
struct ConfigFile {
    std::optional<std::string> listen;
    std::optional<std::filesystem::path> data_dir;
    std::optional<std::string> store;
    std::optional<std::string> broker;
    std::optional<std::string> chat_service_sid;
    std::optional<std::int64_t> about_to_expire_window;
    std::optional<std::int64_t> threads;
    std::optional<std::int64_t> init_timeout_ms;
    /// Seconds of silence before a keep-alive ping (SessionSettings::keep_alive).
    std::optional<std::int64_t> keep_alive;
    std::optional<double> rate_per_second;
    std::optional<double> rate_burst;
    std::optional<std::int64_t> max_connections_per_identity;
    std::optional<std::int64_t> max_channels_per_identity;
    std::optional<std::int64_t> max_outbox_bytes;
    std::optional<std::filesystem::path> tls_cert;
    std::optional<std::filesystem::path> tls_key;
    /// Where the web app gets its tokens (checked by checkWebTokenUrl).
    std::optional<std::string> web_token_url;
    std::vector<token::ApiKey> keys;
};

/// Reads and checks a config file; the error names the file, line and problem.
std::expected<ConfigFile, std::string> loadConfigFile(const std::filesystem::path& file);

/// "HOST:PORT" (IPv6 as "[::1]:8080") into its parts.
std::expected<std::pair<std::string, std::uint16_t>, std::string>
parseListenAddress(std::string_view text);

/// A --web-token-url / web_token_url value: an http(s) URL or a path on this server ("/..."),
/// without spaces or control characters; the message says what is wrong.
std::optional<std::string> checkWebTokenUrl(std::string_view url);

struct DevKeys {
    token::ApiKey key;
    /// True when this call made the key (first start with this data directory).
    bool created = false;
    std::filesystem::path file;
};

/// The development key kept in DATA/dev-keys.toml (mode 0600), made on first use.
std::expected<DevKeys, std::string> loadOrCreateDevKeys(const std::filesystem::path& data_dir);

} // namespace parley::server
