#include "server/server_config.hpp"

#include "server/sid.hpp"

#include <fcntl.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace parley::server {
namespace {

std::string describeError(const toml::parse_error& error) {
    std::ostringstream out;
    out << error.description() << " at line " << error.source().begin.line;
    return out.str();
}

std::expected<std::vector<token::ApiKey>, std::string> readKeys(const toml::table& table) {
    std::vector<token::ApiKey> keys;
    const toml::node* node = table.get("keys");
    if (node == nullptr) {
        return keys;
    }
    const toml::array* array = node->as_array();
    if (array == nullptr) {
        return std::unexpected(std::string{"keys must be an array of tables ([[keys]])"});
    }
    for (const toml::node& entry : *array) {
        const toml::table* key = entry.as_table();
        if (key == nullptr) {
            return std::unexpected(std::string{"each [[keys]] entry must be a table"});
        }
        auto sid = (*key)["api_key"].value<std::string>();
        auto secret = (*key)["api_secret"].value<std::string>();
        auto account = (*key)["account_sid"].value<std::string>();
        if (!sid || !secret || !account || sid->empty() || secret->empty() || account->empty()) {
            return std::unexpected(
                std::string{"each [[keys]] entry needs account_sid, api_key and api_secret"});
        }
        keys.push_back(token::ApiKey{.sid = std::move(*sid),
                                     .account_sid = std::move(*account),
                                     .secret = std::move(*secret)});
    }
    return keys;
}

// Values that parse but make no sense are refused at start rather than taken as given.
std::optional<std::string> checkRanges(const ConfigFile& config) {
    if (config.about_to_expire_window &&
        (*config.about_to_expire_window < 0 || *config.about_to_expire_window > 86400)) {
        return "about_to_expire_window must be 0 to 86400 seconds";
    }
    if (config.threads && (*config.threads < 1 || *config.threads > 1024)) {
        return "threads must be 1 to 1024";
    }
    if (config.init_timeout_ms && *config.init_timeout_ms < 1) {
        return "init_timeout_ms must be positive";
    }
    if ((config.rate_per_second && *config.rate_per_second <= 0) ||
        (config.rate_burst && *config.rate_burst < 1)) {
        return "limits.rate_per_second must be positive and limits.rate_burst at least 1";
    }
    if (config.max_connections_per_identity && *config.max_connections_per_identity < 1) {
        return "limits.max_connections_per_identity must be at least 1";
    }
    return std::nullopt;
}

} // namespace

std::expected<ConfigFile, std::string> loadConfigFile(const std::filesystem::path& file) {
    toml::table table;
    try {
        table = toml::parse_file(file.string());
    } catch (const toml::parse_error& error) {
        return std::unexpected(file.string() + ": " + describeError(error));
    }
    ConfigFile config;
    config.listen = table["listen"].value<std::string>();
    if (auto data = table["data"].value<std::string>()) {
        config.data_dir = *data;
    }
    config.store = table["store"].value<std::string>();
    config.broker = table["broker"].value<std::string>();
    config.chat_service_sid = table["chat_service"].value<std::string>();
    config.about_to_expire_window = table["about_to_expire_window"].value<std::int64_t>();
    config.threads = table["threads"].value<std::int64_t>();
    config.init_timeout_ms = table["init_timeout_ms"].value<std::int64_t>();
    config.rate_per_second = table["limits"]["rate_per_second"].value<double>();
    config.rate_burst = table["limits"]["rate_burst"].value<double>();
    config.max_connections_per_identity =
        table["limits"]["max_connections_per_identity"].value<std::int64_t>();
    if (auto cert = table["tls_cert"].value<std::string>()) {
        config.tls_cert = *cert;
    }
    if (auto key = table["tls_key"].value<std::string>()) {
        config.tls_key = *key;
    }
    if (auto problem = checkRanges(config)) {
        return std::unexpected(file.string() + ": " + *problem);
    }
    auto keys = readKeys(table);
    if (!keys) {
        return std::unexpected(file.string() + ": " + keys.error());
    }
    config.keys = std::move(*keys);
    return config;
}

std::expected<std::pair<std::string, std::uint16_t>, std::string>
parseListenAddress(std::string_view text) {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
        return std::unexpected("listen address \"" + std::string{text} + "\" is not HOST:PORT");
    }
    std::string_view host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    const std::string_view port_text = text.substr(colon + 1);
    unsigned port = 0;
    const auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
        return std::unexpected("listen port \"" + std::string{port_text} + "\" is not 0-65535");
    }
    return std::pair{std::string{host}, static_cast<std::uint16_t>(port)};
}

std::expected<DevKeys, std::string> loadOrCreateDevKeys(const std::filesystem::path& data_dir) {
    DevKeys dev{.file = data_dir / "dev-keys.toml"};
    std::error_code fs_error;
    if (std::filesystem::exists(dev.file, fs_error)) {
        auto config = loadConfigFile(dev.file);
        if (!config) {
            return std::unexpected(config.error());
        }
        if (config->keys.empty()) {
            return std::unexpected(dev.file.string() + " has no [[keys]]");
        }
        dev.key = config->keys.front();
        return dev;
    }
    std::filesystem::create_directories(data_dir, fs_error);
    if (fs_error) {
        return std::unexpected("cannot create " + data_dir.string() + ": " + fs_error.message());
    }
    // The secret is 32 hex digits of randomness: the same shape as a Twilio API secret.
    dev.key = token::ApiKey{
        .sid = makeSid("SK"), .account_sid = makeSid("AC"), .secret = makeSid("").substr(0, 32)};
    dev.created = true;
    {
        // Created 0600 from the start: the secret is never readable by others, even briefly.
        const int fd = ::open(dev.file.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd < 0) {
            return std::unexpected("cannot create " + dev.file.string());
        }
        ::close(fd);
        std::ofstream out{dev.file};
        out << "# Development API key made by `parley serve` on first start. Not for production:\n"
            << "# configure your own keys with --config or --api-key/--api-secret.\n"
            << "[[keys]]\n"
            << "account_sid = \"" << dev.key.account_sid << "\"\n"
            << "api_key = \"" << dev.key.sid << "\"\n"
            << "api_secret = \"" << dev.key.secret << "\"\n";
        if (!out) {
            return std::unexpected("cannot write " + dev.file.string());
        }
    }
    return dev;
}

} // namespace parley::server
