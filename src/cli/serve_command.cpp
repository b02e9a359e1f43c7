#include "cli/serve_command.hpp"

#include "cli/serve_args.hpp"
#include "server/log_text.hpp"
#include "server/server.hpp"
#include "server/server_config.hpp"

#include <spdlog/spdlog.h>

#include <iostream>
#include <limits>

namespace parley::cli {
namespace {

using server::ServerOptions;

// The key from the flags (or PARLEY_* environment), if any. The three go together: a key without
// a secret would accept tokens signed with an empty one, and one without its account would not
// check `sub` (20103).
std::expected<std::optional<token::ApiKey>, std::string> flagKey(const ServeArgs& args) {
    if (args.api_key.empty() && args.api_secret.empty() && args.account_sid.empty()) {
        return std::nullopt;
    }
    if (args.api_key.empty() || args.api_secret.empty() || args.account_sid.empty()) {
        return std::unexpected(std::string{
            "--account-sid, --api-key and --api-secret (or PARLEY_ACCOUNT_SID, PARLEY_API_KEY, "
            "PARLEY_API_SECRET) must be given together"});
    }
    return token::ApiKey{
        .sid = args.api_key, .account_sid = args.account_sid, .secret = args.api_secret};
}

// Keys from the config file plus the flags; what SIGHUP reloads.
std::expected<std::vector<token::ApiKey>, std::string> configuredKeys(const ServeArgs& args) {
    std::vector<token::ApiKey> keys;
    if (!args.config.empty()) {
        auto config = server::loadConfigFile(args.config);
        if (!config) {
            return std::unexpected(config.error());
        }
        keys = std::move(config->keys);
    }
    auto key = flagKey(args);
    if (!key) {
        return std::unexpected(key.error());
    }
    if (*key) {
        keys.push_back(std::move(**key));
    }
    return keys;
}

// The [limits] table.
void applyConfigLimits(const server::ConfigFile& config, ServerOptions& options) {
    if (config.rate_per_second) {
        options.session.rate_per_second = *config.rate_per_second;
    }
    if (config.rate_burst) {
        options.session.rate_burst = *config.rate_burst;
    }
    if (config.max_connections_per_identity) {
        options.session.max_connections_per_identity =
            static_cast<std::size_t>(*config.max_connections_per_identity);
    }
    if (config.max_channels_per_identity) {
        options.chat.max_channels_per_identity =
            static_cast<std::size_t>(*config.max_channels_per_identity);
    }
    if (config.max_outbox_bytes) {
        options.session.max_outbox_bytes = static_cast<std::size_t>(*config.max_outbox_bytes);
    }
}

void applyConfigFile(const server::ConfigFile& config, ServerOptions& options) {
    if (config.data_dir) {
        options.data_dir = *config.data_dir;
    }
    if (config.store) {
        options.store = *config.store;
    }
    if (config.broker) {
        options.broker = *config.broker;
    }
    if (config.chat_service_sid) {
        options.chat_service_sid = config.chat_service_sid;
    }
    if (config.about_to_expire_window) {
        options.session.about_to_expire_window =
            std::chrono::seconds{*config.about_to_expire_window};
    }
    if (config.threads && *config.threads > 0) {
        options.threads = static_cast<unsigned>(*config.threads);
    }
    if (config.init_timeout_ms) {
        options.session.init_timeout = std::chrono::milliseconds{*config.init_timeout_ms};
    }
    if (config.keep_alive) {
        options.session.keep_alive = std::chrono::seconds{*config.keep_alive};
    }
    applyConfigLimits(config, options);
    if (config.web_token_url) {
        options.web.token_url = *config.web_token_url;
    }
    if (config.tls_cert || config.tls_key) {
        options.tls = server::TlsFiles{.certificate = config.tls_cert.value_or(""),
                                       .private_key = config.tls_key.value_or("")};
    }
}

// Flags override the config file.
// Where the data lives, how events travel, and what this node is called.
void applyPlaceFlags(const ServeArgs& args, ServerOptions& options) {
    if (!args.data.empty()) {
        options.data_dir = args.data;
    }
    if (!args.store.empty()) {
        options.store = args.store;
    }
    if (!args.broker.empty()) {
        options.broker = args.broker;
    }
    if (!args.node_id.empty()) {
        options.node_id = args.node_id;
    }
    if (!args.chat_service.empty()) {
        options.chat_service_sid = args.chat_service;
    }
    if (!args.web_token_url.empty()) {
        options.web.token_url = args.web_token_url;
    }
}

// What a connection and an identity may do.
void applySessionFlags(const ServeArgs& args, ServerOptions& options) {
    if (args.window) {
        options.session.about_to_expire_window = std::chrono::seconds{*args.window};
    }
    if (args.threads) {
        options.threads = std::max(1U, *args.threads);
    }
    if (args.init_timeout) {
        options.session.init_timeout =
            std::chrono::milliseconds{static_cast<std::int64_t>(*args.init_timeout * 1000)};
    }
    if (args.keep_alive) {
        options.session.keep_alive = std::chrono::seconds{*args.keep_alive};
    }
    if (args.rate) {
        options.session.rate_per_second = *args.rate;
    }
    if (args.burst) {
        options.session.rate_burst = *args.burst;
    }
    if (args.max_per_identity) {
        options.session.max_connections_per_identity = *args.max_per_identity;
    }
    if (args.max_channels) {
        options.chat.max_channels_per_identity = *args.max_channels;
    }
    if (args.max_outbox_bytes) {
        options.session.max_outbox_bytes = *args.max_outbox_bytes;
    }
}

void applyFlags(const ServeArgs& args, ServerOptions& options) {
    applyPlaceFlags(args, options);
    applySessionFlags(args, options);
}

// The certificate and key come together, each from its flag or else from the config file.
std::expected<std::optional<server::TlsFiles>, std::string>
tlsFiles(const ServeArgs& args, const std::optional<server::TlsFiles>& from_config) {
    server::TlsFiles files = from_config.value_or(server::TlsFiles{});
    if (!args.tls_cert.empty()) {
        files.certificate = args.tls_cert;
    }
    if (!args.tls_key.empty()) {
        files.private_key = args.tls_key;
    }
    if (files.certificate.empty() && files.private_key.empty()) {
        return std::nullopt;
    }
    if (files.certificate.empty() || files.private_key.empty()) {
        return std::unexpected(
            std::string{"--tls-cert and --tls-key (tls_cert, tls_key) must be given together"});
    }
    // Server::create loads them once it holds the port, before the development key is made.
    return files;
}

std::expected<ServerOptions, std::string> buildOptions(const ServeArgs& args) {
    ServerOptions options;
    std::optional<std::string> listen;
    if (!args.config.empty()) {
        auto config = server::loadConfigFile(args.config);
        if (!config) {
            return std::unexpected(config.error());
        }
        applyConfigFile(*config, options);
        listen = config->listen;
    }
    if (!args.listen.empty()) {
        listen = args.listen;
    }
    if (listen) {
        auto address = server::parseListenAddress(*listen);
        if (!address) {
            return std::unexpected(address.error());
        }
        options.host = address->first;
        options.port = address->second;
    }
    applyFlags(args, options);
    auto tls = tlsFiles(args, options.tls);
    if (!tls) {
        return std::unexpected(tls.error());
    }
    options.tls = *tls;
    auto keys = configuredKeys(args);
    if (!keys) {
        return std::unexpected(keys.error());
    }
    options.keys = std::move(*keys);
    return options;
}

// The server needs a chat grant in every token. Without --chat-service any service is accepted;
// this one is derived from the account, so the printed command stays the same across restarts.
std::string devChatService(const token::ApiKey& key) {
    return "IS" + key.account_sid.substr(2);
}

void printDevSetup(const server::DevKeys& dev, const ServerOptions& options, const char* program) {
    std::cout << (dev.created ? "Created" : "Using") << " the development API key in "
              << dev.file.string() << ".\nMint a token for it with:\n\n  " << program
              << " token mint --account-sid " << dev.key.account_sid << " --api-key " << dev.key.sid
              << " --api-secret " << dev.key.secret << " --identity alice --ttl 3600"
              << " --chat-service " << options.chat_service_sid.value_or(devChatService(dev.key));
    std::cout << "\n\n" << std::flush;
}

// The development key, made (or read) only once the server holds its port: a start that fails
// leaves no key behind and prints none.
bool useDevKeys(server::Server& server, ServerOptions& options, const char* program) {
    auto dev = server::loadOrCreateDevKeys(options.data_dir);
    if (!dev) {
        std::cerr << "error: " << dev.error() << '\n';
        return false;
    }
    options.keys.push_back(dev->key);
    server.replaceKeys(options.keys);
    printDevSetup(*dev, options, program);
    if (!server.enableDevTokens(dev->key,
                                options.chat_service_sid.value_or(devChatService(dev->key)))) {
        std::cout << "The web app's development sign-in (POST /v1/dev/token) is off: the "
                     "listener is not on loopback.\n\n";
    }
    return true;
}

std::optional<std::vector<token::ApiKey>> reloadKeys(const ServeArgs& args) {
    auto keys = configuredKeys(args);
    if (!keys) {
        spdlog::error("reload failed, keeping the current keys: {}", keys.error());
        return std::nullopt;
    }
    if (keys->empty()) {
        spdlog::warn("reload found no keys; keeping the current keys");
        return std::nullopt;
    }
    return std::move(*keys);
}

int runServe(const ServeArgs& args, const char* program) {
    spdlog::set_level(spdlog::level::from_str(args.log_level));
    server::useServerLogFormat();
    auto options = buildOptions(args);
    if (!options) {
        std::cerr << "error: " << options.error() << '\n';
        return 2;
    }
    auto server = server::Server::create(*options, token::SystemClock::instance());
    if (!server) {
        std::cerr << "error: " << server.error() << '\n';
        return 2;
    }
    if (options->keys.empty() && !useDevKeys(**server, *options, program)) {
        return 2;
    }
    const std::string address = server::hostPort(options->host, (*server)->endpoint().port());
    const std::string secure = options->tls ? "s" : "";
    std::cout << "Connect with: " << program << " chat --url ws" << secure << "://" << address
              << "/v1/ws --token <token>\n"
              << "Health: http" << secure << "://" << address << "/healthz\n"
              << "Web app: http" << secure << "://" << address << "/\n"
              << std::flush;
    return (*server)->run([args] { return reloadKeys(args); });
}

} // namespace

void addServeCommand(CLI::App& app, int& exit_code, const char* program) {
    auto* serve = app.add_subcommand("serve", "Run the chat server (WebSocket + HTTP)");
    auto args = std::make_shared<ServeArgs>();
    addServeOptions(serve, *args);
    serve->callback([args, &exit_code, program] { exit_code = runServe(*args, program); });
}

} // namespace parley::cli
