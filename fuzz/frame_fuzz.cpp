// The server's frame handling: arbitrary bytes, split into frames at newlines, go through
// protocol::parseRequest and, for chat ops, ChatService::handle against a real SQLite store, with
// every reply serialized as the session would. Nothing may crash, leak or throw; every failure
// must carry a documented 50xxx code.

#include "protocol/codes.hpp"
#include "protocol/frame.hpp"
#include "server/broker/memory_broker.hpp"
#include "server/chat_service.hpp"
#include "server/hub.hpp"
#include "server/metrics.hpp"
#include "server/store/sqlite_store.hpp"

#include <parley/token/clock.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string_view>

namespace {

using namespace parley;

struct Harness {
    std::unique_ptr<server::Store> store;
    server::Metrics metrics;
    server::MemoryBroker broker;
    server::Hub hub{broker};
    token::ManualClock clock{token::TimePoint{std::chrono::milliseconds{1795910400000}}};
    std::unique_ptr<server::ChatService> chat;

    Harness() {
        // One database per process: state carries over between inputs, as on a live server.
        const auto file = std::filesystem::temp_directory_path() /
                          ("parley-frame-fuzz-" + std::to_string(::getpid()) + ".db");
        std::filesystem::remove(file);
        auto opened = server::SqliteStore::open(file);
        if (!opened) {
            std::abort();
        }
        store = std::move(*opened);
        chat = std::make_unique<server::ChatService>(*store, broker, hub, metrics, clock);
    }
};

bool documented(protocol::ErrorCode code) {
    return std::find(protocol::kAllErrorCodes.begin(), protocol::kAllErrorCodes.end(), code) !=
           protocol::kAllErrorCodes.end();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Harness harness;
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes as text.
    std::string_view input{reinterpret_cast<const char*>(data), size};
    // The first byte picks the identity, so inputs exercise membership between several users.
    const std::string identity = size > 0 ? "user" + std::to_string(data[0] % 4) : "user0";
    while (!input.empty()) {
        const std::size_t end = std::min(input.find('\n'), input.size());
        const std::string_view frame = input.substr(0, end);
        input.remove_prefix(std::min(end + 1, input.size()));

        auto request = protocol::parseRequest(frame);
        if (!request) {
            if (!documented(request.error().code)) {
                __builtin_trap();
            }
            (void)protocol::errorReply(request.error().id, static_cast<int>(request.error().code),
                                       request.error().message);
            continue;
        }
        if (!server::ChatService::handles(request->op)) {
            continue;
        }
        auto result = harness.chat->handle(identity, *request);
        if (result) {
            (void)protocol::okReply(request->id, *result);
        } else if (!documented(result.error().code)) {
            __builtin_trap();
        } else {
            (void)protocol::errorReply(request->id, static_cast<int>(result.error().code),
                                       result.error().message);
        }
        harness.clock.advance(std::chrono::milliseconds{1});
    }
    return 0;
}
