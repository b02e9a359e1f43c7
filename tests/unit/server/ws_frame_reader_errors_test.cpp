// WsFrameReader's failures (each error whatever the split of the input, and a reader stays failed)
// and the memory it holds between messages (heapBytes(), which the fuzz target checks against
// idle()).

#include "ws_frame_fixture.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace {

using namespace parley::server;
using namespace parley::server::ws_frame_fixture;

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

} // namespace
