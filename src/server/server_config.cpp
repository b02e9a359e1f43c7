#include "server/server_config.hpp"

#include "server/server_context.hpp"
#include "server/sid.hpp"

#include <fcntl.h>
#include <spdlog/fmt/fmt.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

namespace parley::server {
namespace {

// A problem with one value of the file: what is wrong, and where.
struct Problem {
    std::string message;
    std::int64_t line = 0;
};

// How one key is read into the ConfigFile: its type and range are checked here, so a value the
// server would not use is refused rather than silently dropped. A new key is one entry in
// topLevelKeys() or limitsKeys() and one field of ConfigFile. A problem without a line (0) is
// about the value itself: readTable() adds the key's name and line.
using Reader = std::function<std::optional<Problem>(const toml::node&, ConfigFile&)>;

struct Key {
    std::string_view name;
    Reader read;
};

std::string typeName(const toml::node& node) {
    std::ostringstream out;
    out << node.type();
    return out.str();
}

// A string, kept as a std::string or a path.
template <typename Text> Reader text(std::optional<Text> ConfigFile::*member) {
    return [member](const toml::node& node, ConfigFile& config) -> std::optional<Problem> {
        if (!node.is_string()) {
            return Problem{"must be a string, not " + typeName(node)};
        }
        config.*member = Text{node.as_string()->get()};
        return std::nullopt;
    };
}

Reader integer(std::optional<std::int64_t> ConfigFile::*member, std::int64_t min,
               std::int64_t max) {
    return [=](const toml::node& node, ConfigFile& config) -> std::optional<Problem> {
        if (!node.is_integer()) {
            return Problem{"must be an integer, not " + typeName(node)};
        }
        const std::int64_t value = node.as_integer()->get();
        if (value < min || value > max) {
            return Problem{max == std::numeric_limits<std::int64_t>::max()
                               ? "must be at least " + std::to_string(min)
                               : "must be " + std::to_string(min) + " to " + std::to_string(max)};
        }
        config.*member = value;
        return std::nullopt;
    };
}

// A number (integer or float) at least `min`, or above it when `min_excluded`.
Reader number(std::optional<double> ConfigFile::*member, double min, bool min_excluded) {
    return [=](const toml::node& node, ConfigFile& config) -> std::optional<Problem> {
        const auto value = node.is_number() ? node.value<double>() : std::nullopt;
        if (!value) {
            return Problem{"must be a number, not " + typeName(node)};
        }
        if (*value < min || (min_excluded && *value == min) || std::isnan(*value)) {
            return Problem{min_excluded ? std::string{"must be positive"}
                                        : fmt::format("must be at least {}", min)};
        }
        config.*member = *value;
        return std::nullopt;
    };
}

Reader webTokenUrl() {
    return [](const toml::node& node, ConfigFile& config) -> std::optional<Problem> {
        if (!node.is_string()) {
            return Problem{"must be a string, not " + typeName(node)};
        }
        const std::string& url = node.as_string()->get();
        if (auto problem = checkWebTokenUrl(url)) {
            return Problem{*problem};
        }
        config.web_token_url = url;
        return std::nullopt;
    };
}

constexpr std::int64_t kNoMax = std::numeric_limits<std::int64_t>::max();

const std::vector<Key>& limitsKeys() {
    static const std::vector<Key> keys = {
        {"rate_per_second", number(&ConfigFile::rate_per_second, 0, true)},
        {"rate_burst", number(&ConfigFile::rate_burst, 1, false)},
        {"max_connections_per_identity",
         integer(&ConfigFile::max_connections_per_identity, 1, kNoMax)},
        {"max_channels_per_identity", integer(&ConfigFile::max_channels_per_identity, 1, kNoMax)},
        {"max_outbox_bytes", integer(&ConfigFile::max_outbox_bytes,
                                     static_cast<std::int64_t>(kMinOutboxBytes), kNoMax)},
    };
    return keys;
}

std::optional<Problem> readTable(const toml::table& table, const std::vector<Key>& keys,
                                 std::string_view prefix, ConfigFile& config);

Reader limitsTable() {
    return [](const toml::node& node, ConfigFile& config) -> std::optional<Problem> {
        if (!node.is_table()) {
            return Problem{"must be a table ([limits]), not " + typeName(node)};
        }
        return readTable(*node.as_table(), limitsKeys(), "limits.", config);
    };
}

const std::vector<Key>& topLevelKeys() {
    static const std::vector<Key> keys = {
        {"listen", text(&ConfigFile::listen)},
        {"data", text(&ConfigFile::data_dir)},
        {"store", text(&ConfigFile::store)},
        {"broker", text(&ConfigFile::broker)},
        {"chat_service", text(&ConfigFile::chat_service_sid)},
        {"about_to_expire_window", integer(&ConfigFile::about_to_expire_window, 0, 86400)},
        {"threads", integer(&ConfigFile::threads, 1, 1024)},
        {"init_timeout_ms", integer(&ConfigFile::init_timeout_ms, 1, kNoMax)},
        {"keep_alive", integer(&ConfigFile::keep_alive, 1, kMaxKeepAlive.count())},
        {"tls_cert", text(&ConfigFile::tls_cert)},
        {"tls_key", text(&ConfigFile::tls_key)},
        {"web_token_url", webTokenUrl()},
        {"limits", limitsTable()},
        // [[keys]] is read by readKeys(); listed so it is not taken for an unknown key.
        {"keys", nullptr},
    };
    return keys;
}

std::int64_t lineOf(const toml::node& node) {
    return static_cast<std::int64_t>(node.source().begin.line);
}

// Reads every key of `table`; the first unknown key or bad value is the problem.
std::optional<Problem> readTable(const toml::table& table, const std::vector<Key>& keys,
                                 std::string_view prefix, ConfigFile& config) {
    for (const auto& [name, node] : table) {
        const auto known = std::find_if(keys.begin(), keys.end(),
                                        [&](const Key& key) { return key.name == name.str(); });
        const std::string full_name = std::string{prefix} + std::string{name.str()};
        if (known == keys.end()) {
            return Problem{"unknown key \"" + full_name + "\"", lineOf(node)};
        }
        if (!known->read) {
            continue;
        }
        if (auto problem = known->read(node, config)) {
            if (problem->line == 0) {
                return Problem{full_name + " " + problem->message, lineOf(node)};
            }
            return problem;
        }
    }
    return std::nullopt;
}

std::optional<std::string> keyString(const toml::table& entry, std::string_view field,
                                     std::optional<std::string>& out) {
    const toml::node* node = entry.get(field);
    if (node == nullptr) {
        return std::nullopt;
    }
    if (!node->is_string()) {
        return "keys." + std::string{field} + " must be a string, not " + typeName(*node) +
               " at line " + std::to_string(lineOf(*node));
    }
    out = node->as_string()->get();
    return std::nullopt;
}

std::expected<token::ApiKey, std::string> readKeyEntry(const toml::table& entry) {
    for (const auto& [name, node] : entry) {
        if (name != "api_key" && name != "api_secret" && name != "account_sid") {
            return std::unexpected("unknown key \"keys." + std::string{name.str()} + "\" at line " +
                                   std::to_string(lineOf(node)));
        }
    }
    std::optional<std::string> sid;
    std::optional<std::string> secret;
    std::optional<std::string> account;
    for (auto problem : {keyString(entry, "api_key", sid), keyString(entry, "api_secret", secret),
                         keyString(entry, "account_sid", account)}) {
        if (problem) {
            return std::unexpected(*problem);
        }
    }
    if (!sid || !secret || !account || sid->empty() || secret->empty() || account->empty()) {
        return std::unexpected(
            "each [[keys]] entry needs account_sid, api_key and api_secret (entry at line " +
            std::to_string(lineOf(entry)) + ")");
    }
    return token::ApiKey{
        .sid = std::move(*sid), .account_sid = std::move(*account), .secret = std::move(*secret)};
}

std::expected<std::vector<token::ApiKey>, std::string> readKeys(const toml::table& table) {
    std::vector<token::ApiKey> keys;
    const toml::node* node = table.get("keys");
    if (node == nullptr) {
        return keys;
    }
    const toml::array* array = node->as_array();
    if (array == nullptr) {
        return std::unexpected("keys must be an array of tables ([[keys]]) at line " +
                               std::to_string(lineOf(*node)));
    }
    for (const toml::node& entry : *array) {
        const toml::table* key = entry.as_table();
        if (key == nullptr) {
            return std::unexpected("each [[keys]] entry must be a table, at line " +
                                   std::to_string(lineOf(entry)));
        }
        auto read = readKeyEntry(*key);
        if (!read) {
            return std::unexpected(read.error());
        }
        keys.push_back(std::move(*read));
    }
    return keys;
}

} // namespace

std::expected<ConfigFile, std::string> loadConfigFile(const std::filesystem::path& file) {
    toml::table table;
    try {
        table = toml::parse_file(file.string());
    } catch (const toml::parse_error& error) {
        return std::unexpected(file.string() + ": " + std::string{error.description()} +
                               " at line " + std::to_string(error.source().begin.line));
    }
    ConfigFile config;
    if (auto problem = readTable(table, topLevelKeys(), "", config)) {
        return std::unexpected(file.string() + ": " + problem->message + " at line " +
                               std::to_string(problem->line));
    }
    auto keys = readKeys(table);
    if (!keys) {
        return std::unexpected(file.string() + ": " + keys.error());
    }
    config.keys = std::move(*keys);
    return config;
}

std::optional<std::string> checkWebTokenUrl(std::string_view url) {
    constexpr std::size_t kMaxUrlBytes = 2048;
    const bool absolute = url.starts_with("http://") || url.starts_with("https://");
    const bool path = url.starts_with('/') && !url.starts_with("//");
    if (!absolute && !path) {
        return "must be an http:// or https:// URL or a path on this server (/...)";
    }
    const bool clean = std::none_of(url.begin(), url.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '"' || c == '\\';
    });
    if (url.size() > kMaxUrlBytes || !clean) {
        return "must be at most 2048 bytes, without spaces, quotes or control characters";
    }
    return std::nullopt;
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
