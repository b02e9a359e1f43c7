// Arbitrary bytes as a client's side of a WebSocket connection, into WsFrameReader. The first byte
// picks the message limit, the next four seed the splits the rest is fed in. Nothing may crash,
// leak or throw; no message exceeds the limit and no control payload 125 bytes; text and close
// reasons are valid UTF-8; an idle reader holds no heap memory, a waiting one little more than
// the limit; after an error nothing more comes out; and the bytes read whole, byte by byte, and
// in the seeded splits (sometimes fed twice before draining) give the same events and error.

#include "fuzz_support.hpp"
#include "server/ws_frame_reader.hpp"

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace {

using parley::server::WsEvent;
using parley::server::WsEventKind;
using parley::server::WsFrameReader;
using parley::server::WsReadError;

struct Outcome {
    std::vector<WsEvent> events;
    std::optional<WsReadError> error;
};

void drain(WsFrameReader& reader, Outcome& outcome, std::size_t max) {
    for (;;) {
        auto event = reader.next();
        if (!event) {
            FUZZ_CHECK(!outcome.error || *outcome.error == event.error(), "error changed");
            outcome.error = event.error();
            return;
        }
        FUZZ_CHECK(!outcome.error, "an event after error %d", static_cast<int>(*outcome.error));
        if (event->kind == WsEventKind::kNone) {
            // Between messages nothing is held; inside one, the message and at most a partial
            // control frame, in strings that grow by doubling.
            FUZZ_CHECK(!reader.idle() || reader.heapBytes() == 0, "idle, holding %zu bytes",
                       reader.heapBytes());
            FUZZ_CHECK(reader.heapBytes() <= 2 * max + 256, "holding %zu bytes, limit %zu",
                       reader.heapBytes(), max);
            return;
        }
        const bool data = event->kind == WsEventKind::kText || event->kind == WsEventKind::kBinary;
        FUZZ_CHECK(event->payload.size() <= (data ? max : 125), "payload of %zu bytes",
                   event->payload.size());
        if (event->kind == WsEventKind::kText || event->kind == WsEventKind::kClose) {
            FUZZ_CHECK(simdjson::validate_utf8(event->payload), "not UTF-8: %s",
                       parley::fuzz::printable(event->payload).c_str());
        }
        if (event->kind == WsEventKind::kClose) {
            FUZZ_CHECK(event->close_code >= 1000 && event->close_code < 5000, "close code %u",
                       static_cast<unsigned>(event->close_code));
        }
        outcome.events.push_back(std::move(*event));
    }
}

// A small deterministic generator for the split sizes: xorshift32.
class Splits {
public:
    explicit Splits(std::uint32_t seed) : state_(seed | 1U) {}
    std::uint32_t next() {
        state_ ^= state_ << 13U;
        state_ ^= state_ >> 17U;
        state_ ^= state_ << 5U;
        return state_;
    }

private:
    std::uint32_t state_;
};

Outcome readSplit(std::string_view input, std::size_t max, std::optional<std::uint32_t> seed) {
    WsFrameReader reader{max};
    Outcome outcome;
    std::optional<Splits> splits;
    if (seed) {
        splits.emplace(*seed);
    }
    while (!input.empty()) {
        std::size_t piece = input.size();
        bool drain_after = true;
        if (splits) {
            const std::uint32_t draw = splits->next();
            // Mostly small pieces, sometimes large ones; now and then two feeds before a drain.
            piece = (draw & 0x8U) != 0 ? 1 + (draw >> 8U) % 300 : 1 + (draw >> 8U) % 8;
            drain_after = (draw & 0x30U) != 0;
        }
        piece = std::min(piece, input.size());
        reader.feed(input.substr(0, piece));
        input.remove_prefix(piece);
        if (drain_after || input.empty()) {
            drain(reader, outcome, max);
        }
    }
    drain(reader, outcome, max);
    if (outcome.error) { // stays failed whatever comes next
        reader.feed(std::string_view{"\x81\x80\x00\x00\x00\x00", 6});
        drain(reader, outcome, max);
    }
    return outcome;
}

Outcome readByteByByte(std::string_view input, std::size_t max) {
    WsFrameReader reader{max};
    Outcome outcome;
    for (const char byte : input) {
        reader.feed(std::string_view{&byte, 1});
        drain(reader, outcome, max);
    }
    return outcome;
}

void checkSame(const Outcome& a, const Outcome& b, const char* how) {
    FUZZ_CHECK(a.events.size() == b.events.size(), "%s: %zu events, whole: %zu", how,
               b.events.size(), a.events.size());
    for (std::size_t i = 0; i < a.events.size(); ++i) {
        FUZZ_CHECK(a.events[i] == b.events[i], "%s: event %zu differs", how, i);
    }
    const auto code = [](const std::optional<WsReadError>& error) {
        return error ? static_cast<int>(*error) : 0;
    };
    FUZZ_CHECK(a.error == b.error, "%s: error %d, whole: %d", how, code(b.error), code(a.error));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    constexpr std::size_t kPlanBytes = 5;
    if (size < kPlanBytes) {
        return 0;
    }
    // Limits at the edges of the length encodings, and the server's own 64 KiB.
    constexpr std::array<std::size_t, 8> kLimits{0, 1, 125, 126, 1000, 65535, 65536, 1 << 20};
    const std::size_t max = kLimits.at(data[0] % kLimits.size());
    const std::uint32_t seed = static_cast<std::uint32_t>(data[1]) << 24U |
                               static_cast<std::uint32_t>(data[2]) << 16U |
                               static_cast<std::uint32_t>(data[3]) << 8U | data[4];
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes as chars.
    const std::string_view input{reinterpret_cast<const char*>(data) + kPlanBytes,
                                 size - kPlanBytes};
    const Outcome whole = readSplit(input, max, std::nullopt);
    checkSame(whole, readByteByByte(input, max), "byte by byte");
    checkSame(whole, readSplit(input, max, seed), "seeded splits");
    return 0;
}
