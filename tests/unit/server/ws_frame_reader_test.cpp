// WsFrameReader on client frames built by hand (ws_frame_fixture.hpp) and on RFC 6455's own
// examples: messages and fragments, every split of the input, the size limit's boundary, close
// codes and UTF-8. Errors and the memory it holds: ws_frame_reader_errors_test.cpp.

#include "ws_frame_fixture.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace parley::server;
using namespace parley::server::ws_frame_fixture;

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

} // namespace
