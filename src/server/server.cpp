#include "server/server.hpp"

#include "server/backends.hpp"
#include "server/listener.hpp"
#include "server/rest_api.hpp"

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

// With a chat service configured, tokens need a chat grant naming it (20106 otherwise). Without
// one, any valid token of a known key is accepted, so a development server takes the tokens
// `parley token mint` makes without extra flags.
token::VerifyPolicy policyFor(const ServerOptions& options) {
    token::VerifyPolicy policy;
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

} // namespace

Server::Server(ServerOptions options)
    : options_(std::move(options)), pool_(std::make_unique<IoPool>(options_.threads)) {}

Server::~Server() {
    // Sessions hold references into the context: make sure none outlives it. No new work first
    // (io threads, broker deliveries, store workers); then the store work still queued and the
    // io contexts are destroyed, and with them the last session references, while the io
    // contexts (for the first), the hub, metrics and store are still alive.
    pool_->stop();
    broker_->shutdown();
    workers_->stop();
    workers_.reset();
    listener_.reset();
    pool_.reset();
}

std::expected<std::unique_ptr<Server>, std::string> Server::create(ServerOptions options,
                                                                   const token::Clock& clock) {
    std::unique_ptr<asio::ssl::context> tls;
    if (options.tls) {
        auto loaded = loadServerTlsContext(*options.tls);
        if (!loaded) {
            return std::unexpected(loaded.error());
        }
        tls = std::move(*loaded);
    }
    // The broker first: a misspelt one is refused before the store makes any file.
    auto broker = openBroker(options.broker);
    if (!broker) {
        return std::unexpected(broker.error());
    }
    auto store = openStore(options.store, options.data_dir);
    if (!store) {
        return std::unexpected(store.error());
    }
    std::unique_ptr<Server> server{new Server(std::move(options))};
    server->store_ = std::move(*store);
    server->metrics_ = std::make_unique<Metrics>();
    server->broker_ = std::move(*broker);
    server->workers_ = std::make_unique<StoreWorkers>(std::max(1U, server->options_.store_threads));
    server->hub_ = std::make_unique<Hub>(*server->broker_);
    server->tokens_ = std::make_unique<TokenGate>(
        server->options_.keys, policyFor(server->options_), clock, *server->metrics_);
    server->chat_ = std::make_unique<ChatService>(*server->store_, *server->broker_,
                                                  *server->workers_, *server->metrics_, clock);
    server->context_ = std::make_unique<ServerContext>(ServerContext{
        .settings = server->options_.session,
        .tokens = *server->tokens_,
        .chat = *server->chat_,
        .hub = *server->hub_,
        .workers = *server->workers_,
        .metrics = *server->metrics_,
        .clock = clock,
        .tls = tls.get(),
    });
    server->tls_ = std::move(tls);
    server->rest_ = std::make_unique<RestApi>(*server->context_, *server->store_);
    boost::system::error_code address_error;
    const auto address = asio::ip::make_address(server->options_.host, address_error);
    if (address_error) {
        return std::unexpected("invalid listen address " + server->options_.host);
    }
    try {
        server->listener_ = std::make_shared<Listener>(
            *server->pool_, tcp::endpoint{address, server->options_.port}, *server->context_,
            *server->rest_);
    } catch (const boost::system::system_error& error) {
        return std::unexpected("cannot listen on " + server->options_.host + ":" +
                               std::to_string(server->options_.port) + ": " + error.what());
    }
    return server;
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
                    tokens_->replaceKeys(*keys);
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
    spdlog::info("parley serving on {}://{}:{}/v1/ws with {} threads", tls_ ? "wss" : "ws",
                 options_.host, endpoint().port(), pool_->size());
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
