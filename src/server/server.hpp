#pragma once

// parleyd: owns every part of the server and the io threads that run it. `main` only builds a
// ServerOptions and calls run().

#include "server/backfill.hpp"
#include "server/io_pool.hpp"
#include "server/server_context.hpp"
#include "server/store/store.hpp"
#include "server/store_workers.hpp"
#include "server/tls_context.hpp"
#include "server/web_routes.hpp"

#include <parley/token/api_key.hpp>
#include <parley/token/clock.hpp>
#include <parley/token/scheduler.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace parley::server {

struct ServerOptions {
    std::string host = "127.0.0.1";
    /// 0 picks a free port (tests); the chosen one is in endpoint().
    std::uint16_t port = 8080;
    std::filesystem::path data_dir = "data";
    /// Where channels and messages live: "sqlite:DIR", or "" for SQLite in data_dir.
    std::string store;
    /// How events reach the sessions of every node: "memory" (one node) or "redis://HOST:PORT".
    std::string broker = "memory";
    /// How often a node whose store every node shares (PostgreSQL) reads the revocations again,
    /// so one the broker failed to bring is enforced within about this long (plus one read).
    std::chrono::milliseconds revocation_reload{500};
    /// This node's name among several (logs, /healthz); empty for none.
    std::string node_id;
    /// Threads that run store work, off the io threads.
    unsigned store_threads = 2;
    std::vector<token::ApiKey> keys;
    /// When set, tokens must carry a chat grant for this service.
    std::optional<std::string> chat_service_sid;
    SessionSettings session;
    /// Per-identity quotas of the chat ops.
    ChatServiceOptions chat;
    /// io threads; one per core by default.
    unsigned threads = std::max(1U, std::thread::hardware_concurrency());
    /// How long shutdown waits for connections to close before dropping them.
    std::chrono::milliseconds shutdown_grace{5000};
    /// Serve https:// and wss:// with this certificate and key (the same port, the same
    /// endpoints); plain http:// and ws:// when unset.
    std::optional<TlsFiles> tls;
    /// What the web app at / is told (its token endpoint, the about-to-expire window is taken
    /// from `session`).
    WebOptions web;
};

class Listener;
class RestApi;
class RevocationList;
class RevocationStore;
class Revocations;

/// "HOST:PORT" as a URL's authority: an IPv6 host in brackets ("[::1]:8080").
std::string hostPort(std::string_view host, std::uint16_t port);

class Server {
public:
    /// Binds the port, then loads the TLS files (if any) and opens the broker and the store; an
    /// error message if any fails. A busy port or a bad certificate fails before anything is
    /// written to disk. `options.keys` may be empty, to be filled with replaceKeys() before run().
    static std::expected<std::unique_ptr<Server>, std::string> create(ServerOptions options,
                                                                      const token::Clock& clock);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Serves until SIGTERM/SIGINT or stop(), then shuts down gracefully. SIGHUP calls
    /// `on_reload` (if set) and installs the keys it returns.
    int run(std::function<std::optional<std::vector<token::ApiKey>>()> on_reload = {});
    /// Asks run() to shut down; thread-safe.
    void stop();
    /// Installs a new set of API keys (what SIGHUP does); thread-safe.
    void replaceKeys(const std::vector<token::ApiKey>& keys);
    /// The development setup: POST /v1/dev/token mints tokens with `key` for the web app. Only
    /// on a loopback listener (false, and nothing enabled, otherwise); call before run().
    bool enableDevTokens(const token::ApiKey& key, const std::string& chat_service_sid);

    boost::asio::ip::tcp::endpoint endpoint() const;
    Metrics& metrics() { return *metrics_; }

private:
    Server(ServerOptions options, std::unique_ptr<IoPool> pool);
    /// Makes the parts between the store and the listener.
    void wire(const token::Clock& clock);
    /// Makes the revocations' parts and loads those in force.
    std::expected<void, std::string> wireRevocations(const token::Clock& clock);
    void shutdown();

    ServerOptions options_;
    // Destroyed first (see ~Server): handlers still queued hold sessions that reference the parts
    // below.
    std::unique_ptr<IoPool> pool_;
    std::unique_ptr<Store> store_;
    std::unique_ptr<Metrics> metrics_;
    std::unique_ptr<Broker> broker_;
    std::unique_ptr<StoreWorkers> workers_;
    std::unique_ptr<Backfill> backfill_;
    std::unique_ptr<Hub> hub_;
    std::unique_ptr<RevocationStore> revocation_store_;
    std::unique_ptr<RevocationList> revocation_list_;
    // The revocations' reload timer, on the main io thread; destroyed before pool_ (see ~Server).
    std::unique_ptr<token::Scheduler> revocation_timer_;
    // Subscribed to the broker: destroyed before the hub and the broker.
    std::unique_ptr<Revocations> revocations_;
    std::unique_ptr<TokenGate> tokens_;
    std::unique_ptr<ChatService> chat_;
    std::unique_ptr<ServerContext> context_;
    std::unique_ptr<WebRoutes> web_;
    std::unique_ptr<RestApi> rest_;
    std::shared_ptr<Listener> listener_;
    std::unique_ptr<boost::asio::ssl::context> tls_;
    bool stopping_ = false;
};

} // namespace parley::server
