#include "cli/serve_args.hpp"

#include "server/server_config.hpp"

#include <limits>

namespace parley::cli {

namespace {

// Where the server listens and keeps its data, and the key that signs the tokens it accepts.
void addPlaceOptions(CLI::App* serve, ServeArgs& args) {
    serve->add_option("--config", args.config, "TOML config file (keys, limits, listen, data)")
        ->check(CLI::ExistingFile);
    serve->add_option("--listen", args.listen, "HOST:PORT to listen on (default 127.0.0.1:8080)");
    serve->add_option("--data", args.data, "Data directory for the database (default ./data)");
    serve->add_option("--store", args.store,
                      "Where channels and messages live: sqlite:DIR (default: SQLite in --data) or "
                      "postgresql://USER@HOST:PORT/DB (several nodes)");
    serve->add_option("--broker", args.broker,
                      "How events reach every node's sessions: memory (default, one node) or "
                      "redis://HOST:PORT (several nodes)");
    serve->add_option("--node-id", args.node_id, "This node's name among several (/healthz)");
    serve->add_option("--account-sid", args.account_sid, "Account SID the API key belongs to")
        ->envname("PARLEY_ACCOUNT_SID");
    serve->add_option("--api-key", args.api_key, "API key SID that signs tokens")
        ->envname("PARLEY_API_KEY");
    serve->add_option("--api-secret", args.api_secret, "That key's secret")
        ->envname("PARLEY_API_SECRET");
    serve->add_option("--chat-service", args.chat_service,
                      "Require tokens' chat grant to name this service (IS...)");
}

// The lifecycle window, threads, and what one connection or identity may do.
void addLimitOptions(CLI::App* serve, ServeArgs& args) {
    serve
        ->add_option("--about-to-expire-window", args.window,
                     "Seconds before exp that token_about_to_expire is sent (default 180)")
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{86400}));
    serve->add_option("--threads", args.threads, "io threads (default: one per core)")
        ->check(CLI::Range(1U, 1024U));
    serve
        ->add_option("--init-timeout", args.init_timeout,
                     "Seconds a connection has to send init (default 10)")
        ->check(CLI::PositiveNumber);
    serve
        ->add_option("--keep-alive", args.keep_alive,
                     "Seconds of silence before the server pings a connection; one silent for "
                     "twice that is dropped. Keep it under a proxy's idle timeout (default 150)")
        ->check(CLI::Range(std::int64_t{1}, server::kMaxKeepAlive.count()));
    serve->add_option("--rate-limit", args.rate, "Frames per second per connection (default 50)")
        ->check(CLI::PositiveNumber);
    serve->add_option("--rate-burst", args.burst, "Burst of frames per connection (default 100)")
        ->check(CLI::PositiveNumber);
    serve
        ->add_option("--max-connections-per-identity", args.max_per_identity,
                     "Connections one identity may hold (default 16)")
        ->check(CLI::PositiveNumber);
    serve
        ->add_option("--max-channels-per-identity", args.max_channels,
                     "Channels one identity may create (default 1000)")
        ->check(CLI::PositiveNumber);
    serve
        ->add_option("--max-outbox-bytes", args.max_outbox_bytes,
                     "Unsent bytes a connection may hold before it is closed as too slow "
                     "(default 4194304)")
        ->check(CLI::Range(server::kMinOutboxBytes, std::numeric_limits<std::size_t>::max()));
}

// TLS, the web app's token URL, and logging.
void addServiceOptions(CLI::App* serve, ServeArgs& args) {
    serve->add_option("--tls-cert", args.tls_cert,
                      "PEM certificate chain: serve https:// and wss:// (with --tls-key)");
    serve->add_option("--tls-key", args.tls_key, "PEM private key of --tls-cert");
    serve
        ->add_option("--web-token-url", args.web_token_url,
                     "Where the web app gets tokens: it POSTs {\"identity\"} (with cookies) and "
                     "expects {\"token\"}")
        ->check([](const std::string& url) { return server::checkWebTokenUrl(url).value_or(""); });
    serve->add_option("--log-level", args.log_level, "Log detail")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
        ->capture_default_str();
}

} // namespace

void addServeOptions(CLI::App* serve, ServeArgs& args) {
    addPlaceOptions(serve, args);
    addLimitOptions(serve, args);
    addServiceOptions(serve, args);
}

} // namespace parley::cli
