// The client's parsers of network and user bytes: server frames (parseServerFrame, then the
// readers of channels, messages and members, then the per-channel sequencer they feed) and the
// server URL a user types. The first byte picks which; the rest is the input.
//
// Properties: nothing crashes or leaks; a frame over the size limit is refused; the sequencer
// never delivers an index twice or out of order.

#include "client/channel_sequencer.hpp"
#include "client/server_frame.hpp"
#include "client/wire_types.hpp"
#include "client/ws_url.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <utility>
#include <variant>

namespace {

void check(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "property failed: %s\n", what);
        __builtin_trap();
    }
}

void fuzzFrame(std::string_view text) {
    auto frame = parley::client::parseServerFrame(text);
    if (!frame) {
        return;
    }
    parley::client::ChannelSequencer sequencer;
    std::optional<std::int64_t> last;
    auto deliver = [&](const std::vector<parley::client::Message>& messages) {
        for (const auto& message : messages) {
            check(!last || message.index == *last + 1, "sequencer delivered out of order");
            last = message.index;
        }
    };
    if (auto* event = std::get_if<parley::client::Event>(&*frame)) {
        const auto message = event->body.find("message");
        if (message != event->body.end()) {
            if (auto read = parley::client::readMessage(*message)) {
                deliver(sequencer.setBaseline(read->index > 0 ? read->index - 1 : -1));
                deliver(sequencer.accept(parley::client::Message{*read}));
                // A duplicate is never delivered twice.
                deliver(sequencer.accept(std::move(*read)));
            }
        }
        return;
    }
    const auto& reply = std::get<parley::client::Reply>(*frame);
    if (reply.error) {
        return;
    }
    (void)parley::client::readArray<parley::client::Channel>(reply.body, "channels",
                                                             parley::client::readChannel);
    (void)parley::client::readArray<parley::client::Member>(reply.body, "members",
                                                            parley::client::readMember);
    auto messages = parley::client::readArray<parley::client::Message>(reply.body, "messages",
                                                                       parley::client::readMessage);
    if (messages) {
        deliver(sequencer.setBaseline(std::nullopt));
        for (auto& message : *messages) {
            deliver(sequencer.accept(std::move(message)));
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): libFuzzer hands out bytes
    const std::string_view text{reinterpret_cast<const char*>(data + 1), size - 1};
    if (data[0] % 8 == 0) {
        (void)parley::client::parseWsUrl(text);
    } else {
        fuzzFrame(text);
    }
    return 0;
}
