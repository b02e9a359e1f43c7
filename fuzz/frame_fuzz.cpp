// A whole server session on untrusted frames: arbitrary bytes, split into frames at newlines, go
// into a SessionCore (the protocol logic of one connection) that has been initialized with a
// valid token, backed by the real chat service, SQLite store, broker and hub; time is a manual
// clock. Nothing may crash, leak, throw or hang, and every error reply must carry a documented
// code (50xxx or a token's 201xx).

#include "protocol/codes.hpp"
#include "protocol/frame.hpp"
#include "protocol/requests.hpp"
#include "server/session_core.hpp"
#include "server_backend.hpp"

#include <parley/token/access_token_builder.hpp>
#include <parley/token/manual_scheduler.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

namespace {

using namespace parley;
using namespace std::chrono_literals;

bool documented(int code) {
    const bool token_code = code / 100 == 201;
    return token_code ||
           std::any_of(protocol::kAllErrorCodes.begin(), protocol::kAllErrorCodes.end(),
                       [code](auto known) { return static_cast<int>(known) == code; });
}

// The connection's socket: checks every frame the core sends and counts reads.
class FuzzSession final : public server::SessionSink,
                          public server::SessionTransport,
                          public std::enable_shared_from_this<FuzzSession> {
public:
    FuzzSession(server::ServerContext& context, token::ManualScheduler& scheduler)
        : core(context, scheduler, *this) {}
    void deliver(const server::Payload& /*payload*/) override {}
    void close(protocol::CloseCode /*code*/) override {}
    void send(server::Payload frame) override {
        const auto json = protocol::Json::parse(*frame, nullptr, false);
        if (json.is_discarded() || !json.is_object()) {
            __builtin_trap(); // the server must only ever send JSON objects
        }
        if (json.contains("error") && !documented(json["error"].value("code", 0))) {
            __builtin_trap();
        }
    }
    void closeAfterQueued(protocol::CloseCode /*code*/) override { closed = true; }
    void readNext() override { ++reads; }

    server::SessionCore core;
    bool closed = false;
    int reads = 0;
};

struct Harness : fuzz::ServerBackend {
    Harness() : ServerBackend("frame-fuzz") {
        // Enough rate for any input: the limits are tested elsewhere, the parsers here.
        context->settings.rate_per_second = 1e9;
        context->settings.rate_burst = 1e9;
        context->settings.max_protocol_errors = 1'000'000;
    }

    // Feeds one frame and runs the session until it asks for the next (or has closed).
    void feed(FuzzSession& session, std::string_view frame) {
        const int reads = session.reads;
        session.core.onFrame(frame);
        if (!scheduler.runUntil([&] { return session.reads > reads || session.closed; }, 10s)) {
            __builtin_trap(); // a frame left the session waiting forever
        }
    }

    std::string token(const std::string& identity) {
        auto minted =
            token::AccessTokenBuilder{fuzz::kBackendKey}.identity(identity).ttl(3600s).mint(clock);
        if (!minted) {
            std::abort();
        }
        return *minted;
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Harness harness;
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes as text.
    std::string_view input{reinterpret_cast<const char*>(data), size};
    // The first byte picks the identity, so inputs exercise membership between several users.
    const std::string identity = size > 0 ? "user" + std::to_string(data[0] % 4) : "user0";
    auto session = std::make_shared<FuzzSession>(*harness.context, harness.scheduler);
    session->core.start(session);
    harness.feed(*session, protocol::encodeRequest(
                               0, protocol::InitRequest{.token = harness.token(identity)}));
    while (!input.empty() && !session->closed) {
        const std::size_t end = std::min(input.find('\n'), input.size());
        harness.feed(*session, input.substr(0, end));
        input.remove_prefix(std::min(end + 1, input.size()));
        harness.clock.advance(std::chrono::milliseconds{1});
    }
    session->core.finish(server::CloseReason::kClientClosed);
    harness.scheduler.runReady();
    return 0;
}
