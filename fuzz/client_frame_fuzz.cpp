// What the client does with bytes from the network and from the user, as the client does it.
// The first byte picks the mode; the rest is the input.
//
//   0     the server URL a user types (parseWsUrl).
//   1-3   one server frame: the protocol's parseServerFrame, then every reader the client uses
//         (from_protocol), then the per-channel sequencer the messages feed.
//   4-7   a whole session: lines fed to a connected ClientCore on a ManualScheduler through an
//         in-memory transport. A line is a server frame, or `close N` (the connection ends with
//         close code N), `open` (time passes until the client reconnects, and the connection
//         opens) or `tick` (ten seconds pass). The client asked to join CH1 and to ping before
//         init, so replies with small ids reach real requests.
//
// Properties: nothing crashes or leaks; a frame over the size limit is refused; the sequencer
// and the session never deliver a channel's index twice or out of order (until the channel is
// left); every frame the client sends is a request with a fresh id; the client holds at most one
// connection.

#include "client/channel_sequencer.hpp"
#include "client/client_core.hpp"
#include "client/from_protocol.hpp"
#include "client/ws_url.hpp"
#include "protocol/events.hpp"
#include "protocol/frame.hpp"

#include <parley/lifecycle/manual_scheduler.hpp>
#include <parley/token/access_token_builder.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string_view>
#include <utility>
#include <variant>

namespace {

using namespace parley;
using namespace std::chrono_literals;

void check(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "property failed: %s\n", what);
        __builtin_trap();
    }
}

// Delivered indexes per channel: each one the next (a channel's first may be any index).
struct OrderCheck {
    std::map<std::string, std::int64_t> last;
    void operator()(const client::Message& message) {
        const auto found = last.find(message.channel);
        check(found == last.end() || message.index == found->second + 1,
              "a message was delivered twice or out of order");
        last[message.channel] = message.index;
    }
};

void fuzzFrame(std::string_view text) {
    auto frame = protocol::parseServerFrame(text);
    check(text.size() <= protocol::kMaxServerFrameBytes || !frame, "an oversized frame was read");
    if (!frame) {
        return;
    }
    client::ChannelSequencer sequencer;
    OrderCheck order;
    auto deliver = [&order](const std::vector<client::Message>& messages) {
        for (const auto& message : messages) {
            order(message);
        }
    };
    if (auto* event = std::get_if<protocol::Event>(&*frame)) {
        (void)client::memberFromEvent(event->body);
        (void)client::expiryFromEvent(event->body);
        if (auto read = client::messageFromEvent(event->body)) {
            deliver(sequencer.setBaseline(read->index > 0 ? read->index - 1 : -1));
            deliver(sequencer.accept(client::Message{*read}));
            deliver(sequencer.accept(std::move(*read))); // a duplicate is never delivered twice
        }
        return;
    }
    const auto& body = std::get<protocol::Reply>(*frame).body;
    (void)client::channelFromReply(body);
    (void)client::channelsFromReply(body);
    (void)client::membersFromReply(body);
    (void)client::messageFromReply(body);
    (void)client::serverTimeFromReply(body);
    (void)client::tokenFromReply(body);
    if (auto messages = client::messagesFromReply(body)) {
        deliver(sequencer.setBaseline(std::nullopt));
        for (auto& message : *messages) {
            deliver(sequencer.accept(std::move(message)));
        }
    }
}

class FuzzConnection final : public client::Connection {
public:
    explicit FuzzConnection(client::ConnectionHandlers handlers) : handlers(std::move(handlers)) {}
    void send(std::string text) override {
        auto request = protocol::parseRequest(text);
        check(request.has_value(), "the client sent a frame that is not a request");
        // Unique, not increasing: a request queued while the connection was down keeps the id it
        // got then and goes out after the new connection's init.
        check(sent_ids.insert(request->id).second, "the client reused a request id");
    }
    void close() override {}
    void abort() override { handlers = {}; }

    client::ConnectionHandlers handlers;
    static inline std::set<std::uint64_t> sent_ids;
};

class FuzzTransport final : public client::Transport {
public:
    std::shared_ptr<client::Connection> open(const client::WsUrl& /*url*/,
                                             client::ConnectionHandlers handlers) override {
        check(!current || !current->handlers.ended, "a second connection while one is open");
        current = std::make_shared<FuzzConnection>(std::move(handlers));
        return current;
    }
    std::shared_ptr<FuzzConnection> current;
};

class Recorder final : public client::ChatClientListener {
public:
    void onMessageAdded(const client::Message& message) override { order(message); }
    OrderCheck order;
};

// A refused request (a rejoin that finds no channel) or a member leaving may untrack a channel,
// which is then tracked afresh from any index.
bool mayUntrack(const std::string& line) {
    auto frame = protocol::parseServerFrame(line);
    if (!frame) {
        return false;
    }
    if (const auto* reply = std::get_if<protocol::Reply>(&*frame)) {
        return reply->error.has_value();
    }
    return std::get<protocol::Event>(*frame).kind == protocol::EventKind::kMemberLeft;
}

// A ClientCore on a manual clock, connected through a FuzzTransport, asked to join CH1 and to ping
// before its init is answered.
class Session {
public:
    Session() {
        FuzzConnection::sent_ids.clear();
        events_->add(recorder_).release();
        const token::ApiKey key{.sid = "SK0123456789abcdef0123456789abcdef",
                                .account_sid = "AC0123456789abcdef0123456789abcdef",
                                .secret = "fuzz-secret"};
        core_.start(*token::AccessTokenBuilder{key}.identity("alice").ttl(600s).mint(clock_));
        core_.join("CH1", [](auto) {});
        core_.ping([](auto) {});
        scheduler_.runReady();
        transport_.current->handlers.opened();
    }
    ~Session() {
        core_.shutdown({});
        scheduler_.runReady();
    }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    void play(const std::string& line) {
        auto& handlers = transport_.current->handlers;
        if (line == "tick") {
            scheduler_.advance(10s);
        } else if (line == "open") {
            scheduler_.advance(60s);
            if (transport_.current->handlers.opened) {
                transport_.current->handlers.opened();
            }
        } else if (line.starts_with("close ") && handlers.ended) {
            auto ended = std::exchange(handlers.ended, {});
            handlers = {};
            ended(std::atoi(line.c_str() + 6), "fuzz");
        } else if (handlers.frame) {
            if (mayUntrack(line)) {
                recorder_->order.last.clear();
            }
            handlers.frame(line);
        }
        scheduler_.runReady();
    }

private:
    token::ManualClock clock_{token::TimePoint{std::chrono::milliseconds{1'700'000'000'000}}};
    lifecycle::ManualScheduler scheduler_{clock_};
    FuzzTransport transport_;
    std::shared_ptr<Recorder> recorder_ = std::make_shared<Recorder>();
    std::shared_ptr<client::EventDispatcher> events_ = client::EventDispatcher::create(
        [this](std::function<void()> task) { scheduler_.post(std::move(task)); });
    client::ChatClientOptions options_{.about_to_expire_window = 60s};
    client::ClientCore core_{
        options_,
        std::vector{
            client::ServerUrl{.text = "ws://fuzz/",
                              .url = client::WsUrl{.host = "fuzz", .port = "80", .target = "/"}}},
        scheduler_,
        transport_,
        *events_,
        /*seed=*/7};
};

void fuzzSession(std::string_view script) {
    Session session;
    for (std::size_t begin = 0; begin <= script.size();) {
        const std::size_t end = std::min(script.find('\n', begin), script.size());
        session.play(std::string{script.substr(begin, end - begin)});
        begin = end + 1;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): libFuzzer hands out bytes
    const std::string_view text{reinterpret_cast<const char*>(data + 1), size - 1};
    const int mode = data[0] % 8;
    if (mode == 0) {
        (void)client::parseWsUrl(text);
    } else if (mode < 4) {
        fuzzFrame(text);
    } else if (size < 64 * 1024) {
        fuzzSession(text);
    }
    return 0;
}
