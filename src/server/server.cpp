#include "server/server.hpp"

#include "server/asio_timer_scheduler.hpp"
#include "server/backends.hpp"
#include "server/listener.hpp"
#include "server/rest_api.hpp"
#include "server/revocations.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <csignal>

namespace parley::server {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Every token needs a chat grant (20106 otherwise): a key may also sign tokens for other
// products (video, voice), and those must not open chat. With a chat service configured, the
// grant must name it; without one, a grant for any service is accepted.
token::VerifyPolicy policyFor(const ServerOptions& options) {
    token::VerifyPolicy policy;
    policy.required_grant = token::GrantKind::kChat;
    policy.chat_service_sid = options.chat_service_sid;
    return policy;
}

// Polls until every connection has closed or the grace period is over, then stops the loop.
void stopWhenDrained(IoPool& pool, Metrics& metrics, std::chrono::steady_clock::time_point deadline,
                     const std::shared_ptr<asio::steady_timer>& timer) {
    if (metrics.openConnections() <= 0 || std::chrono::steady_clock::now() >= deadline) {
        if (metrics.openConnections() > 0) {
            spdlog::warn("shutdown: dropping {} connections that did not close in time",
                         metrics.openConnections());
        }
        pool.stop();
        return;
    }
    timer->expires_after(std::chrono::milliseconds{20});
    timer->async_wait([&pool, &metrics, deadline, timer](boost::system::error_code) {
        stopWhenDrained(pool, metrics, deadline, timer);
    });
}

// The TLS context of `options.tls`, or none without it.
std::expected<std::unique_ptr<asio::ssl::context>, std::string>
loadTls(const ServerOptions& options) {
    if (!options.tls) {
        return nullptr;
    }
    return loadServerTlsContext(*options.tls);
}

} // namespace

std::string hostPort(std::string_view host, std::uint16_t port) {
    // An IPv6 address in a URL is bracketed (RFC 3986, section 3.2.2): ws://[::1]:8080.
    const bool ipv6 = host.find(':') != std::string_view::npos;
    return (ipv6 ? "[" + std::string{host} + "]" : std::string{host}) + ":" + std::to_string(port);
}

Server::Server(ServerOptions options, std::unique_ptr<IoPool> pool)
    : options_(std::move(options)), pool_(std::move(pool)) {}

Server::~Server() {
    // Sessions hold references into the context: make sure none outlives it. No new work first
    // (io threads, broker deliveries, store workers); then the store work still queued and the
    // io contexts are destroyed, and with them the last session references, while the io
    // contexts (for the first), the hub, metrics and store are still alive.
    pool_->stop();
    broker_->shutdown();
    workers_->stop();
    workers_.reset();
    revocation_timer_.reset(); // its timers are the main io context's, destroyed next
    listener_.reset();
    pool_.reset();
}

std::expected<std::unique_ptr<Server>, std::string> Server::create(ServerOptions options,
                                                                   const token::Clock& clock) {
    boost::system::error_code address_error;
    const auto address = asio::ip::make_address(options.host, address_error);
    if (address_error) {
        return std::unexpected("invalid listen address " + options.host);
    }
    // The address first: a busy port is refused before anything is made on disk.
    auto pool = std::make_unique<IoPool>(options.threads);
    auto acceptor = Listener::bind(pool->main(), tcp::endpoint{address, options.port});
    if (!acceptor) {
        return std::unexpected("cannot listen on " + hostPort(options.host, options.port) + ": " +
                               acceptor.error());
    }
    // The TLS files next: a wrong certificate or key is refused before the store makes any file
    // (and before `parley serve` makes a development key).
    auto tls = loadTls(options);
    if (!tls) {
        return std::unexpected(tls.error());
    }
    // The broker next: a misspelt one is refused before the store makes any file.
    auto broker = openBroker(options.broker, options.node_id);
    if (!broker) {
        return std::unexpected(broker.error());
    }
    auto store = openStore(options.store, options.data_dir);
    if (!store) {
        return std::unexpected(store.error());
    }
    std::unique_ptr<Server> server{new Server(std::move(options), std::move(pool))};
    server->store_ = std::move(*store);
    server->broker_ = std::move(*broker);
    server->tls_ = std::move(*tls);
    if (auto revocations = server->wireRevocations(clock); !revocations) {
        return std::unexpected(revocations.error());
    }
    server->wire(clock);
    server->listener_ = std::make_shared<Listener>(*server->pool_, std::move(*acceptor),
                                                   *server->context_, *server->rest_);
    return server;
}

// Revocations live in the chat store's PostgreSQL database, shared by every node, or, next to a
// SQLite store, in revocations.db of this node's data directory. Only a shared store is worth
// reading again on a timer: it holds what other nodes revoked.
std::expected<void, std::string> Server::wireRevocations(const token::Clock& clock) {
    // Made first: the destructor stops them, also when what follows fails.
    metrics_ = std::make_unique<Metrics>();
    workers_ = std::make_unique<StoreWorkers>(std::max(1U, options_.store_threads));
    // Over a broker that may lose events, the hub fills gaps from the store.
    if (broker_->mayLoseEvents()) {
        backfill_ = std::make_unique<Backfill>(*store_, *workers_);
    }
    hub_ = std::make_unique<Hub>(*broker_, backfill_.get());
    auto store = openRevocationStore(options_.store, options_.data_dir);
    if (!store) {
        return std::unexpected(store.error());
    }
    revocation_store_ = std::move(*store);
    revocation_list_ = std::make_unique<RevocationList>();
    revocation_timer_ = std::make_unique<AsioTimerScheduler>(pool_->main().get_executor(), clock);
    const RevocationsOptions reload{.reload_interval = revocation_store_->sharedByNodes()
                                                           ? options_.revocation_reload
                                                           : std::chrono::milliseconds::zero()};
    revocations_ = std::make_unique<Revocations>(*revocation_list_, *revocation_store_, *broker_,
                                                 *hub_, *workers_, *revocation_timer_, reload);
    return revocations_->start();
}

void Server::wire(const token::Clock& clock) {
    tokens_ = std::make_unique<TokenGate>(options_.keys, policyFor(options_), clock, *metrics_,
                                          revocation_list_.get());
    chat_ = std::make_unique<ChatService>(*store_, *broker_, *workers_, *metrics_, clock,
                                          options_.chat);
    context_ = std::make_unique<ServerContext>(ServerContext{
        .settings = options_.session,
        .tokens = *tokens_,
        .chat = *chat_,
        .hub = *hub_,
        .workers = *workers_,
        .metrics = *metrics_,
        .clock = clock,
        .tls = tls_.get(),
    });
    WebOptions web = options_.web;
    web.about_to_expire_window = options_.session.about_to_expire_window;
    web_ = std::make_unique<WebRoutes>(std::move(web), clock);
    rest_ = std::make_unique<RestApi>(*context_, *store_, web_.get(), revocations_.get());
    rest_->setHealthDetails([this](bool store_reachable) {
        std::string lines;
        if (!options_.node_id.empty()) {
            lines += "node: " + options_.node_id + "\n";
        }
        lines += "store: " + store_->describe() + (store_reachable ? " reachable" : " unreachable");
        return lines + "\nbroker: " + broker_->health() + "\n";
    });
}

void Server::replaceKeys(const std::vector<token::ApiKey>& keys) {
    tokens_->replaceKeys(keys);
}

bool Server::enableDevTokens(const token::ApiKey& key, const std::string& chat_service_sid) {
    // Anyone who reaches the endpoint gets a token for any identity: never off this machine.
    if (!endpoint().address().is_loopback()) {
        return false;
    }
    web_->enableDevTokens(key, chat_service_sid);
    return true;
}

tcp::endpoint Server::endpoint() const {
    return listener_->localEndpoint();
}

int Server::run(std::function<std::optional<std::vector<token::ApiKey>>()> on_reload) {
    asio::signal_set signals{pool_->main(), SIGINT, SIGTERM, SIGHUP};
    std::function<void(boost::system::error_code, int)> on_signal =
        [&](boost::system::error_code error, int signal) {
            if (error) {
                return;
            }
            if (signal == SIGHUP) {
                if (auto keys = on_reload ? on_reload() : std::nullopt) {
                    replaceKeys(*keys);
                    spdlog::info("reloaded {} API keys", keys->size());
                }
                signals.async_wait(on_signal);
                return;
            }
            spdlog::info("received signal {}: shutting down", signal);
            signals.cancel();
            shutdown();
        };
    signals.async_wait(on_signal);
    listener_->run();
    spdlog::info("parley serving on {}://{}/v1/ws with {} threads", tls_ ? "wss" : "ws",
                 hostPort(options_.host, endpoint().port()), pool_->size());
    pool_->run();
    spdlog::info("parley stopped");
    return 0;
}

void Server::stop() {
    asio::post(pool_->main(), [this] { shutdown(); });
}

void Server::shutdown() {
    if (stopping_) {
        return;
    }
    stopping_ = true;
    listener_->stop();
    const auto sessions = hub_->sessions();
    spdlog::info("shutdown: closing {} connections with 1001", sessions.size());
    for (const auto& session : sessions) {
        session->close(protocol::CloseCode::kGoingAway);
    }
    stopWhenDrained(*pool_, *metrics_, std::chrono::steady_clock::now() + options_.shutdown_grace,
                    std::make_shared<asio::steady_timer>(pool_->main()));
}

} // namespace parley::server
