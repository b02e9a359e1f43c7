#include "cli/serve_command.hpp"

#include "server/log_text.hpp"
#include "server/server.hpp"
#include "server/server_config.hpp"

#include <spdlog/spdlog.h>

#include <iostream>
#include <limits>

namespace parley::cli {
namespace {

using server::ServerOptions;

struct ServeArgs {
    std::string config;
    std::string listen;
    std::string data;
    std::string store;
    std::string broker;
    std::string node_id;
    std::string account_sid;
    std::string api_key;
    std::string api_secret;
    std::string chat_service;
    std::optional<std::int64_t> window;
    std::optional<unsigned> threads;
    std::optional<double> init_timeout;
    std::optional<std::int64_t> keep_alive;
    std::optional<double> rate;
    std::optional<double> burst;
    std::optional<std::size_t> max_per_identity;
    std::optional<std::size_t> max_channels;
    std::optional<std::size_t> max_outbox_bytes;
    std::string log_level = "info";
    std::string tls_cert;
    std::string tls_key;
    std::string web_token_url;
};

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
void applyFlags(const ServeArgs& args, ServerOptions& options) {
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
    if (!args.web_token_url.empty()) {
        options.web.token_url = args.web_token_url;
    }
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
    serve->add_option("--config", args->config, "TOML config file (keys, limits, listen, data)")
        ->check(CLI::ExistingFile);
    serve->add_option("--listen", args->listen, "HOST:PORT to listen on (default 127.0.0.1:8080)");
    serve->add_option("--data", args->data, "Data directory for the database (default ./data)");
    serve->add_option("--store", args->store,
                      "Where channels and messages live: sqlite:DIR (default: SQLite in --data) or "
                      "postgresql://USER@HOST:PORT/DB (several nodes)");
    serve->add_option("--broker", args->broker,
                      "How events reach every node's sessions: memory (default, one node) or "
                      "redis://HOST:PORT (several nodes)");
    serve->add_option("--node-id", args->node_id, "This node's name among several (/healthz)");
    serve->add_option("--account-sid", args->account_sid, "Account SID the API key belongs to")
        ->envname("PARLEY_ACCOUNT_SID");
    serve->add_option("--api-key", args->api_key, "API key SID that signs tokens")
        ->envname("PARLEY_API_KEY");
    serve->add_option("--api-secret", args->api_secret, "That key's secret")
        ->envname("PARLEY_API_SECRET");
    serve->add_option("--chat-service", args->chat_service,
                      "Require tokens' chat grant to name this service (IS...)");
    serve
        ->add_option("--about-to-expire-window", args->window,
                     "Seconds before exp that token_about_to_expire is sent (default 180)")
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{86400}));
    serve->add_option("--threads", args->threads, "io threads (default: one per core)")
        ->check(CLI::Range(1U, 1024U));
    serve
        ->add_option("--init-timeout", args->init_timeout,
                     "Seconds a connection has to send init (default 10)")
        ->check(CLI::PositiveNumber);
    serve
        ->add_option("--keep-alive", args->keep_alive,
                     "Seconds of silence before the server pings a connection; one silent for "
                     "twice that is dropped. Keep it under a proxy's idle timeout (default 150)")
        ->check(CLI::Range(std::int64_t{1}, server::kMaxKeepAlive.count()));
    serve->add_option("--rate-limit", args->rate, "Frames per second per connection (default 50)")
        ->check(CLI::PositiveNumber);
    serve->add_option("--rate-burst", args->burst, "Burst of frames per connection (default 100)")
        ->check(CLI::PositiveNumber);
    serve
        ->add_option("--max-connections-per-identity", args->max_per_identity,
                     "Connections one identity may hold (default 16)")
        ->check(CLI::PositiveNumber);
    serve->add_option("--tls-cert", args->tls_cert,
                      "PEM certificate chain: serve https:// and wss:// (with --tls-key)");
    serve->add_option("--tls-key", args->tls_key, "PEM private key of --tls-cert");
    serve
        ->add_option("--web-token-url", args->web_token_url,
                     "Where the web app gets tokens: it POSTs {\"identity\"} (with cookies) and "
                     "expects {\"token\"}")
        ->check([](const std::string& url) { return server::checkWebTokenUrl(url).value_or(""); });
    serve
        ->add_option("--max-channels-per-identity", args->max_channels,
                     "Channels one identity may create (default 1000)")
        ->check(CLI::PositiveNumber);
    serve
        ->add_option("--max-outbox-bytes", args->max_outbox_bytes,
                     "Unsent bytes a connection may hold before it is closed as too slow "
                     "(default 4194304)")
        ->check(CLI::Range(server::kMinOutboxBytes, std::numeric_limits<std::size_t>::max()));
    serve->add_option("--log-level", args->log_level, "Log detail")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
        ->capture_default_str();
    serve->callback([args, &exit_code, program] { exit_code = runServe(*args, program); });
}

} // namespace parley::cli
