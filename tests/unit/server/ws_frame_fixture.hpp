#pragma once

// Client frames built by hand as RFC 6455 5.2 lays them out, and readers fed with them whole, in
// pieces and split at every offset: the helpers of the WsFrameReader and WsControlFrame tests.

#include "server/ws_control_frame.hpp"
#include "server/ws_frame_reader.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace parley::server {
// Readable failures: the kind, the close code and the payload.
inline void PrintTo(const WsEvent& event,
                    std::ostream* out) { // NOLINT(readability-identifier-naming)
    *out << "{kind " << static_cast<int>(event.kind) << ", code " << event.close_code << ", "
         << event.payload.size() << " bytes \"" << event.payload.substr(0, 40) << "\"}";
}
} // namespace parley::server

namespace parley::server::ws_frame_fixture {

inline constexpr std::size_t kMax = 64 * 1024;
inline constexpr std::array<std::uint8_t, 4> kMask{0x37, 0xfa, 0x21, 0x3d};
inline constexpr std::uint8_t kText = 0x81; // FIN + opcode
inline constexpr std::uint8_t kBinary = 0x82;
inline constexpr std::uint8_t kClose = 0x88;
inline constexpr std::uint8_t kPing = 0x89;
inline constexpr std::uint8_t kPong = 0x8A;
inline constexpr std::uint8_t kTextFirst = 0x01; // FIN clear
inline constexpr std::uint8_t kContinue = 0x00;
inline constexpr std::uint8_t kContinueLast = 0x80;

// Test helper: a client frame laid out as RFC 6455 5.2 says, with the shortest length encoding,
// its payload masked with `mask`.
inline std::string clientFrame(std::uint8_t first_byte, std::string_view payload,
                               std::array<std::uint8_t, 4> mask = kMask) {
    std::string frame(1, static_cast<char>(first_byte));
    const std::size_t size = payload.size();
    if (size <= 125) {
        frame += static_cast<char>(0x80 | size);
    } else if (size <= 0xFFFF) {
        frame += static_cast<char>(0x80 | 126);
        frame += static_cast<char>(size >> 8);
        frame += static_cast<char>(size & 0xFF);
    } else {
        frame += static_cast<char>(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8) {
            frame += static_cast<char>((static_cast<std::uint64_t>(size) >> shift) & 0xFF);
        }
    }
    for (const std::uint8_t byte : mask) {
        frame += static_cast<char>(byte);
    }
    for (std::size_t i = 0; i < size; ++i) {
        frame += static_cast<char>(static_cast<std::uint8_t>(payload[i]) ^ mask.at(i % 4));
    }
    return frame;
}

// Test helper: a server frame (unmasked, length under 126) masked as a client would send it.
inline std::string maskServerFrame(const std::string& frame) {
    EXPECT_GE(frame.size(), 2U);
    EXPECT_EQ(static_cast<std::uint8_t>(frame[1]) & 0x80, 0) << "server frames are unmasked";
    EXPECT_LT(static_cast<std::uint8_t>(frame[1]), 126);
    return clientFrame(static_cast<std::uint8_t>(frame[0]), std::string_view{frame}.substr(2));
}

inline std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (const int value : values) {
        out += static_cast<char>(value);
    }
    return out;
}

inline std::string closePayload(std::uint16_t code, std::string_view reason = "") {
    std::string payload{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    payload += reason;
    return payload;
}

struct Outcome {
    std::vector<WsEvent> events;
    std::optional<WsReadError> error;
};

inline void drain(WsFrameReader& reader, Outcome& outcome) {
    for (;;) {
        auto event = reader.next();
        if (!event) {
            outcome.error = event.error();
            return;
        }
        if (event->kind == WsEventKind::kNone) {
            return;
        }
        outcome.events.push_back(std::move(*event));
    }
}

// Feeds `input` in pieces of at most `piece` bytes, draining after each.
inline Outcome readInPieces(std::string_view input, std::size_t piece, std::size_t max = kMax) {
    WsFrameReader reader{max};
    Outcome outcome;
    while (!input.empty() && !outcome.error) {
        const auto part = input.substr(0, piece);
        reader.feed(part);
        input.remove_prefix(part.size());
        drain(reader, outcome);
    }
    return outcome;
}

inline Outcome readAll(std::string_view input, std::size_t max = kMax) {
    return readInPieces(input, std::max<std::size_t>(input.size(), 1), max);
}

// The same bytes read whole, byte by byte, and split in two at every offset give `expected`.
inline void expectEverySplit(const std::string& input, const std::vector<WsEvent>& expected,
                             std::optional<WsReadError> error = std::nullopt) {
    const auto check = [&](const Outcome& outcome, const std::string& how) {
        EXPECT_EQ(outcome.events, expected) << how;
        EXPECT_EQ(outcome.error, error) << how;
    };
    check(readAll(input), "whole");
    check(readInPieces(input, 1), "byte by byte");
    for (std::size_t cut = 1; cut < input.size(); ++cut) {
        WsFrameReader reader{kMax};
        Outcome outcome;
        reader.feed(std::string_view{input}.substr(0, cut));
        drain(reader, outcome);
        if (!outcome.error) {
            reader.feed(std::string_view{input}.substr(cut));
            drain(reader, outcome);
        }
        check(outcome, "cut at " + std::to_string(cut));
    }
}

inline WsEvent text(std::string payload) {
    return {.kind = WsEventKind::kText, .payload = std::move(payload)};
}
inline WsEvent binary(std::string payload) {
    return {.kind = WsEventKind::kBinary, .payload = std::move(payload)};
}
inline WsEvent ping(std::string payload) {
    return {.kind = WsEventKind::kPing, .payload = std::move(payload)};
}
inline WsEvent pong(std::string payload) {
    return {.kind = WsEventKind::kPong, .payload = std::move(payload)};
}
inline WsEvent closeEvent(std::uint16_t code, std::string reason = "") {
    return {.kind = WsEventKind::kClose, .payload = std::move(reason), .close_code = code};
}

} // namespace parley::server::ws_frame_fixture
