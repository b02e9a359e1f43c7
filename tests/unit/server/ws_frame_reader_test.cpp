// WsFrameReader on client frames built by hand (a test helper below) and on RFC 6455's own
// examples: every error, every split of the input, the size limit's boundary, and the memory it
// holds between messages (heapBytes(), which the fuzz target checks against idle()). Also the
// server control frames of ws_control_frame.hpp, masked as a client would and read back.

#include "server/ws_control_frame.hpp"
#include "server/ws_frame_reader.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace parley::server {
// Readable failures: the kind, the close code and the payload.
void PrintTo(const WsEvent& event, std::ostream* out) { // NOLINT(readability-identifier-naming)
    *out << "{kind " << static_cast<int>(event.kind) << ", code " << event.close_code << ", "
         << event.payload.size() << " bytes \"" << event.payload.substr(0, 40) << "\"}";
}
} // namespace parley::server

namespace {

using parley::server::closeCodeFor;
using parley::server::closeFrame;
using parley::server::pingFrame;
using parley::server::pongFrame;
using parley::server::WsEvent;
using parley::server::WsEventKind;
using parley::server::WsFrameReader;
using parley::server::WsReadError;

constexpr std::size_t kMax = 64 * 1024;
constexpr std::array<std::uint8_t, 4> kMask{0x37, 0xfa, 0x21, 0x3d};

constexpr std::uint8_t kText = 0x81; // FIN + opcode
constexpr std::uint8_t kBinary = 0x82;
constexpr std::uint8_t kClose = 0x88;
constexpr std::uint8_t kPing = 0x89;
constexpr std::uint8_t kPong = 0x8A;
constexpr std::uint8_t kTextFirst = 0x01; // FIN clear
constexpr std::uint8_t kContinue = 0x00;
constexpr std::uint8_t kContinueLast = 0x80;

// Test helper: a client frame laid out as RFC 6455 5.2 says, with the shortest length encoding,
// its payload masked with `mask`.
std::string clientFrame(std::uint8_t first_byte, std::string_view payload,
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
std::string maskServerFrame(const std::string& frame) {
    EXPECT_GE(frame.size(), 2U);
    EXPECT_EQ(static_cast<std::uint8_t>(frame[1]) & 0x80, 0) << "server frames are unmasked";
    EXPECT_LT(static_cast<std::uint8_t>(frame[1]), 126);
    return clientFrame(static_cast<std::uint8_t>(frame[0]), std::string_view{frame}.substr(2));
}

std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (const int value : values) {
        out += static_cast<char>(value);
    }
    return out;
}

std::string closePayload(std::uint16_t code, std::string_view reason = "") {
    std::string payload{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    payload += reason;
    return payload;
}

struct Outcome {
    std::vector<WsEvent> events;
    std::optional<WsReadError> error;
};

void drain(WsFrameReader& reader, Outcome& outcome) {
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
Outcome readInPieces(std::string_view input, std::size_t piece, std::size_t max = kMax) {
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

Outcome readAll(std::string_view input, std::size_t max = kMax) {
    return readInPieces(input, std::max<std::size_t>(input.size(), 1), max);
}

// The same bytes read whole, byte by byte, and split in two at every offset give `expected`.
void expectEverySplit(const std::string& input, const std::vector<WsEvent>& expected,
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

WsEvent text(std::string payload) {
    return {.kind = WsEventKind::kText, .payload = std::move(payload)};
}
WsEvent binary(std::string payload) {
    return {.kind = WsEventKind::kBinary, .payload = std::move(payload)};
}
WsEvent ping(std::string payload) {
    return {.kind = WsEventKind::kPing, .payload = std::move(payload)};
}
WsEvent pong(std::string payload) {
    return {.kind = WsEventKind::kPong, .payload = std::move(payload)};
}
WsEvent closeEvent(std::uint16_t code, std::string reason = "") {
    return {.kind = WsEventKind::kClose, .payload = std::move(reason), .close_code = code};
}

TEST(WsFrameReader, ReadsRfc6455MaskedHelloExample) {
    // RFC 6455 5.7: "A single-frame masked text message".
    const auto frame = bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
    EXPECT_EQ(frame, clientFrame(kText, "Hello"));
    expectEverySplit(frame, {text("Hello")});
}

TEST(WsFrameReader, ReadsRfc6455MaskedPongExample) {
    // RFC 6455 5.7: "Unsolicited pong ... masked": its ping example with opcode 0xA and the mask.
    const auto frame = bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
    expectEverySplit(frame, {pong("Hello")});
}

TEST(WsFrameReader, RefusesRfc6455UnmaskedExamplesFromAClient) {
    // RFC 6455 5.7's unmasked frames are server frames; from a client they are a protocol error.
    expectEverySplit(bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}), {},
                     WsReadError::kUnmaskedFrame);
    expectEverySplit(bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}), {},
                     WsReadError::kUnmaskedFrame);
}

TEST(WsFrameReader, ReassemblesFragmentsWithControlFramesBetween) {
    const std::string input = clientFrame(kTextFirst, "Hel") + clientFrame(kPing, "p1") +
                              clientFrame(kContinue, "l") + clientFrame(kPong, "") +
                              clientFrame(kContinueLast, "o!") +
                              clientFrame(kBinary, std::string("\x00\xff", 2)) +
                              clientFrame(kClose, closePayload(1000, "bye"));
    expectEverySplit(input, {ping("p1"), pong(""),
                             text("Hell"
                                  "o!"),
                             binary(std::string("\x00\xff", 2)), closeEvent(1000, "bye")});
}

TEST(WsFrameReader, ReturnsSeveralEventsFedAtOnceInOrder) {
    std::string input;
    std::vector<WsEvent> expected;
    for (int i = 0; i < 50; ++i) {
        input += clientFrame(kText, "m" + std::to_string(i)) + clientFrame(kPing, "");
        expected.push_back(text("m" + std::to_string(i)));
        expected.push_back(ping(""));
    }
    EXPECT_EQ(readAll(input).events, expected);
    EXPECT_EQ(readInPieces(input, 7).events, expected);
}

TEST(WsFrameReader, KeepsBytesFedBeforeTheLastEventWasRead) {
    WsFrameReader reader{kMax};
    reader.feed(clientFrame(kText, "a") + clientFrame(kPing, "b"));
    reader.feed(clientFrame(kText, "c"));
    Outcome outcome;
    drain(reader, outcome);
    EXPECT_EQ(outcome.events, (std::vector<WsEvent>{text("a"), ping("b"), text("c")}));
    EXPECT_TRUE(reader.idle());
}

TEST(WsFrameReader, ReadsEmptyMessagesAndEmptyFragments) {
    expectEverySplit(clientFrame(kText, "") + clientFrame(kTextFirst, "") +
                         clientFrame(kContinueLast, "") + clientFrame(kBinary, ""),
                     {text(""), text(""), binary("")});
}

TEST(WsFrameReader, ReadsLengthsAtEveryEncodingBoundary) {
    for (const std::size_t size : {125U, 126U, 127U, 65535U, 65536U, 65537U}) {
        const std::string payload(size, 'x');
        const std::string frame = clientFrame(kBinary, payload);
        const std::size_t header = size <= 125 ? 6 : size <= 0xFFFF ? 8 : 14;
        EXPECT_EQ(frame.size(), header + size);
        for (const std::size_t piece : {frame.size(), std::size_t{1}, std::size_t{1000}}) {
            EXPECT_EQ(readInPieces(frame, piece, 1 << 20).events,
                      std::vector<WsEvent>{binary(payload)})
                << size << " bytes in pieces of " << piece;
        }
    }
}

TEST(WsFrameReader, AcceptsAMessageOfExactlyTheLimit) {
    const std::string payload(1000, 'a');
    EXPECT_EQ(readAll(clientFrame(kText, payload), 1000).events, std::vector{text(payload)});
    // Counted over the fragments.
    const std::string fragmented = clientFrame(kTextFirst, payload.substr(0, 600)) +
                                   clientFrame(kContinueLast, payload.substr(600));
    EXPECT_EQ(readAll(fragmented, 1000).events, std::vector{text(payload)});
}

TEST(WsFrameReader, RefusesOneByteOverTheLimitFromTheHeaderAlone) {
    const std::string frame = clientFrame(kText, std::string(1001, 'a'));
    WsFrameReader reader{1000};
    reader.feed(std::string_view{frame}.substr(0, 8)); // the header only: 2 + 2 + mask
    const auto result = reader.next();
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error(), WsReadError::kMessageTooBig);
    EXPECT_EQ(closeCodeFor(result.error()), 1009);

    const std::string fragmented = clientFrame(kTextFirst, std::string(600, 'a')) +
                                   clientFrame(kContinueLast, std::string(401, 'a'));
    EXPECT_EQ(readInPieces(fragmented, 1, 1000).error, WsReadError::kMessageTooBig);
    // Huge 64-bit lengths do not overflow the check.
    const auto huge =
        bytes({0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x02, 0x03, 0x04});
    EXPECT_EQ(readAll(huge).error, WsReadError::kMessageTooBig);
}

TEST(WsFrameReader, ControlFramesDoNotCountTowardsTheLimit) {
    const std::string input = clientFrame(kTextFirst, std::string(90, 'a')) +
                              clientFrame(kPing, std::string(125, 'p')) +
                              clientFrame(kContinueLast, std::string(10, 'a'));
    EXPECT_EQ(readInPieces(input, 3, 100).events,
              (std::vector{ping(std::string(125, 'p')), text(std::string(100, 'a'))}));
}

TEST(WsFrameReader, ReportsCloseWithoutPayloadAsNoStatus) {
    expectEverySplit(clientFrame(kClose, ""), {closeEvent(1005)});
}

TEST(WsFrameReader, AcceptsEveryCloseCodeAllowedOnTheWire) {
    for (const std::uint16_t code :
         std::initializer_list<std::uint16_t>{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011,
                                              1012, 1013, 1014, 3000, 3999, 4000, 4999}) {
        EXPECT_EQ(readAll(clientFrame(kClose, closePayload(code))).events,
                  std::vector{closeEvent(code)})
            << code;
    }
}

TEST(WsFrameReader, RefusesCloseCodesNotAllowedOnTheWire) {
    for (const std::uint16_t code : std::initializer_list<std::uint16_t>{
             0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535}) {
        const auto outcome = readAll(clientFrame(kClose, closePayload(code, "x")));
        EXPECT_TRUE(outcome.events.empty()) << code;
        EXPECT_EQ(outcome.error, WsReadError::kBadCloseCode) << code;
    }
}

TEST(WsFrameReader, ChecksUtf8AcrossFragmentsOnlyForText) {
    // "é" (C3 A9) split between two fragments is valid once whole.
    expectEverySplit(clientFrame(kTextFirst, "caf\xC3") + clientFrame(kContinueLast, "\xA9"),
                     {text("caf\xC3\xA9")});
    expectEverySplit(clientFrame(kBinary, "\xC3"), {binary("\xC3")});
    expectEverySplit(clientFrame(kText, "ok") + clientFrame(kText, "\xC3\x28"), {text("ok")},
                     WsReadError::kTextNotUtf8);
    expectEverySplit(clientFrame(kClose, closePayload(1000, "\xFF")), {},
                     WsReadError::kCloseReasonNotUtf8);
    EXPECT_EQ(readAll(clientFrame(kClose, closePayload(1000, "\xC3\xA9"))).events,
              std::vector{closeEvent(1000, "\xC3\xA9")});
}

struct ErrorCase {
    const char* name;
    std::string input;
    WsReadError error;
};

std::vector<ErrorCase> errorCases() {
    return {
        {"unmasked text", bytes({0x81, 0x01, 'a'}), WsReadError::kUnmaskedFrame},
        {"RSV1", clientFrame(0xC1, "a"), WsReadError::kReservedBits},
        {"RSV2", clientFrame(0xA1, "a"), WsReadError::kReservedBits},
        {"RSV3", clientFrame(0x91, "a"), WsReadError::kReservedBits},
        {"opcode 3", clientFrame(0x83, "a"), WsReadError::kUnknownOpcode},
        {"opcode 7", clientFrame(0x87, "a"), WsReadError::kUnknownOpcode},
        {"opcode B", clientFrame(0x8B, "a"), WsReadError::kUnknownOpcode},
        {"opcode F", clientFrame(0x8F, "a"), WsReadError::kUnknownOpcode},
        {"ping without FIN", clientFrame(0x09, "a"), WsReadError::kFragmentedControl},
        {"close without FIN", clientFrame(0x08, ""), WsReadError::kFragmentedControl},
        {"ping of 126 bytes", clientFrame(kPing, std::string(126, 'p')),
         WsReadError::kControlTooLong},
        {"pong of 64-bit length", bytes({0x8A, 0xFF}), WsReadError::kControlTooLong},
        {"continuation first", clientFrame(kContinueLast, "a"),
         WsReadError::kUnexpectedContinuation},
        {"continuation after a whole message", clientFrame(kText, "a") + clientFrame(kContinue, ""),
         WsReadError::kUnexpectedContinuation},
        {"text inside a fragmented message", clientFrame(kTextFirst, "a") + clientFrame(kText, "b"),
         WsReadError::kUnfinishedMessage},
        {"binary inside a fragmented message",
         clientFrame(kTextFirst, "a") + clientFrame(0x02, "b"), WsReadError::kUnfinishedMessage},
        {"16-bit length of 125", bytes({0x82, 0xFE, 0x00, 0x7D}), WsReadError::kNonMinimalLength},
        {"16-bit length of 0", bytes({0x82, 0xFE, 0x00, 0x00}), WsReadError::kNonMinimalLength},
        {"64-bit length of 65535",
         bytes({0x82, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF}),
         WsReadError::kNonMinimalLength},
        {"64-bit length of 1", bytes({0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0, 1}),
         WsReadError::kNonMinimalLength},
        {"64-bit length, top bit", bytes({0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0}),
         WsReadError::kLengthTopBit},
        {"close of 1 byte", clientFrame(kClose, "\x03"), WsReadError::kCloseTooShort},
        {"close code 1005", clientFrame(kClose, closePayload(1005)), WsReadError::kBadCloseCode},
        {"too big", clientFrame(kText, std::string(kMax + 1, 'a')), WsReadError::kMessageTooBig},
        {"text not UTF-8", clientFrame(kText, "\x80"), WsReadError::kTextNotUtf8},
        {"overlong UTF-8", clientFrame(kText, "\xC0\xAF"), WsReadError::kTextNotUtf8},
        {"UTF-16 surrogate", clientFrame(kText, "\xED\xA0\x80"), WsReadError::kTextNotUtf8},
        {"truncated UTF-8", clientFrame(kText, "ab\xE2\x82"), WsReadError::kTextNotUtf8},
        {"close reason not UTF-8", clientFrame(kClose, closePayload(1000, "\xC3")),
         WsReadError::kCloseReasonNotUtf8},
    };
}

TEST(WsFrameReader, ReportsEveryErrorWhateverTheSplit) {
    std::set<WsReadError> covered;
    for (const auto& test : errorCases()) {
        SCOPED_TRACE(test.name);
        const auto whole = readAll(test.input);
        EXPECT_EQ(whole.error, test.error);
        EXPECT_EQ(readInPieces(test.input, 1).error, test.error);
        covered.insert(test.error);
    }
    EXPECT_EQ(covered.size(), parley::server::kAllWsReadErrors.size()) << "a code without a case";
}

TEST(WsFrameReader, StaysFailedAfterAnError) {
    WsFrameReader reader{kMax};
    reader.feed(clientFrame(kText, "ok") + bytes({0x81, 0x01, 'a'}) + clientFrame(kText, "late"));
    auto first = reader.next();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(*first, text("ok"));
    for (int i = 0; i < 3; ++i) {
        reader.feed(clientFrame(kText, "more"));
        const auto result = reader.next();
        ASSERT_FALSE(result.has_value());
        EXPECT_EQ(result.error(), WsReadError::kUnmaskedFrame);
    }
}

TEST(WsFrameReader, DetectsHeaderErrorsBeforeTheRestOfTheFrame) {
    WsFrameReader reader{kMax};
    reader.feed(bytes({0xC1})); // RSV1: known from the first byte
    const auto result = reader.next();
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error(), WsReadError::kReservedBits);
}

TEST(WsFrameReader, IsIdleWithNoHeapBeforeAndAfterMessages) {
    WsFrameReader reader{kMax};
    EXPECT_TRUE(reader.idle());
    EXPECT_EQ(reader.heapBytes(), 0U);

    const std::string big(60 * 1024, 'z');
    const std::string frame = clientFrame(kText, big);
    reader.feed(std::string_view{frame}.substr(0, 1000));
    EXPECT_FALSE(reader.idle()); // a partial frame
    EXPECT_EQ(reader.next()->kind, WsEventKind::kNone);
    EXPECT_GE(reader.heapBytes(), 1000U - 8U);
    reader.feed(std::string_view{frame}.substr(1000));
    EXPECT_FALSE(reader.idle()); // an unread event
    EXPECT_EQ(*reader.next(), text(big));
    EXPECT_TRUE(reader.idle());
    EXPECT_EQ(reader.heapBytes(), 0U);
}

TEST(WsFrameReader, IsNotIdleInsideAFragmentedMessageOrAPartialHeader) {
    WsFrameReader reader{kMax};
    reader.feed(clientFrame(kTextFirst, "a"));
    EXPECT_EQ(reader.next()->kind, WsEventKind::kNone);
    EXPECT_FALSE(reader.idle());
    reader.feed(clientFrame(kContinueLast, "b").substr(0, 3));
    EXPECT_EQ(reader.next()->kind, WsEventKind::kNone);
    EXPECT_FALSE(reader.idle());
    reader.feed(clientFrame(kContinueLast, "b").substr(3));
    EXPECT_EQ(*reader.next(), text("ab"));
    EXPECT_TRUE(reader.idle());
}

TEST(WsFrameReader, HoldsNoHeapWhileWaitingInAHeaderAfterAMessage) {
    WsFrameReader reader{kMax};
    const std::string next_frame = clientFrame(kText, std::string(70000, 'n'));
    reader.feed(clientFrame(kBinary, std::string(5000, 'b')) + next_frame.substr(0, 13));
    EXPECT_EQ(reader.next()->kind, WsEventKind::kBinary);
    EXPECT_EQ(reader.next()->kind, WsEventKind::kNone);
    EXPECT_FALSE(reader.idle());
    EXPECT_EQ(reader.heapBytes(), 0U); // 13 header bytes fit the string's inline buffer
}

TEST(WsControlFrame, BuildsUnmaskedFramesAReaderParses) {
    EXPECT_EQ(pingFrame("hi"), bytes({0x89, 0x02, 'h', 'i'}));
    EXPECT_EQ(pongFrame(""), bytes({0x8A, 0x00}));
    EXPECT_EQ(closeFrame(1000, ""), bytes({0x88, 0x02, 0x03, 0xE8}));
    const std::string input = maskServerFrame(pingFrame("ping?")) +
                              maskServerFrame(pongFrame("pong!")) +
                              maskServerFrame(closeFrame(4401, "token rejected"));
    expectEverySplit(input, {ping("ping?"), pong("pong!"), closeEvent(4401, "token rejected")});
}

TEST(WsControlFrame, CutsPayloadsTo125Bytes) {
    const std::string long_payload(200, 'p');
    EXPECT_EQ(pingFrame(long_payload).size(), 2U + 125U);
    EXPECT_EQ(readAll(maskServerFrame(pongFrame(long_payload))).events,
              std::vector{pong(std::string(125, 'p'))});
}

TEST(WsControlFrame, CutsACloseReasonAtACharacterBoundary) {
    // 61 two-byte characters: 122 bytes fit beside the code, the 62nd would straddle 123.
    std::string reason;
    for (int i = 0; i < 70; ++i) {
        reason += "\xC3\xA9";
    }
    const std::string frame = closeFrame(1001, reason);
    EXPECT_EQ(frame.size(), 2U + 2U + 122U);
    EXPECT_EQ(readAll(maskServerFrame(frame)).events,
              std::vector{closeEvent(1001, reason.substr(0, 122))});
    // An ASCII reason is cut at exactly 123 bytes.
    EXPECT_EQ(closeFrame(1000, std::string(300, 'r')).size(), 2U + 125U);
    // A four-byte character straddling the cut goes whole.
    const std::string emoji_reason = std::string(121, 'r') + "\xF0\x9F\x9A\x80";
    EXPECT_EQ(readAll(maskServerFrame(closeFrame(1000, emoji_reason))).events,
              std::vector{closeEvent(1000, std::string(121, 'r'))});
}

} // namespace
