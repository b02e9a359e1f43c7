#pragma once

// The server's backend as Server::create wires it, for the fuzz targets that drive the server:
// a real SQLite store in a fresh file per process, the chat service, broker, hub and store
// workers, on a manual clock. State carries over between inputs, as on a live server.

#include "server/broker/memory_broker.hpp"
#include "server/chat_service.hpp"
#include "server/hub.hpp"
#include "server/metrics.hpp"
#include "server/server_context.hpp"
#include "server/store/sqlite_store.hpp"
#include "server/store_workers.hpp"
#include "server/token_gate.hpp"

#include <parley/token/manual_scheduler.hpp>

#include <openssl/rand.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <string>

namespace parley::fuzz {

inline const token::ApiKey kBackendKey{.sid = "SK" + std::string(32, 'f'),
                                       .account_sid = "AC" + std::string(32, 'f'),
                                       .secret = "frame-fuzz-secret"};

struct ServerBackend {
    token::ManualClock clock{token::TimePoint{std::chrono::milliseconds{1795910400000}}};
    token::ManualScheduler scheduler{clock};
    server::Metrics metrics;
    server::TokenGate tokens{{kBackendKey}, token::VerifyPolicy{}, clock, metrics};
    server::MemoryBroker broker;
    server::Hub hub{broker};
    server::StoreWorkers workers{1};
    std::unique_ptr<server::Store> store;
    std::unique_ptr<server::ChatService> chat;
    std::unique_ptr<server::ServerContext> context;

    explicit ServerBackend(const std::string& name) {
        const auto file = std::filesystem::temp_directory_path() /
                          ("parley-" + name + "-" + std::to_string(::getpid()) + ".db");
        std::filesystem::remove(file);
        auto opened = server::SqliteStore::open(file);
        if (!opened) {
            std::abort();
        }
        store = std::move(*opened);
        chat = std::make_unique<server::ChatService>(*store, broker, workers, metrics, clock);
        context = std::make_unique<server::ServerContext>(server::ServerContext{.tokens = tokens,
                                                                                .chat = *chat,
                                                                                .hub = hub,
                                                                                .workers = workers,
                                                                                .metrics = metrics,
                                                                                .clock = clock});
        // OpenSSL keeps per-thread random state, made on a thread's first SID: made here, once,
        // so libFuzzer's leak check does not charge it to the first input.
        std::promise<void> warmed;
        workers.post([&warmed] {
            unsigned char byte = 0;
            (void)RAND_bytes(&byte, 1);
            warmed.set_value();
        });
        warmed.get_future().wait();
    }
};

} // namespace parley::fuzz
