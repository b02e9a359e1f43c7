#include "protocol/codes.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace parley::protocol {
namespace {

TEST(ErrorCode, EveryCodeHasADistinctValueInThe50000Range) {
    std::set<int> values;
    for (const ErrorCode code : kAllErrorCodes) {
        const int value = static_cast<int>(code);
        EXPECT_GE(value, 50000) << value;
        EXPECT_LT(value, 51000) << value;
        EXPECT_TRUE(values.insert(value).second) << "duplicate code " << value;
    }
}

TEST(ErrorCode, EveryCodeHasADistinctNonEmptyDescription) {
    std::set<std::string> descriptions;
    for (const ErrorCode code : kAllErrorCodes) {
        const std::string description{describe(code)};
        EXPECT_FALSE(description.empty()) << static_cast<int>(code);
        EXPECT_NE(description, "unknown error") << static_cast<int>(code);
        EXPECT_TRUE(descriptions.insert(description).second)
            << static_cast<int>(code) << " repeats \"" << description << "\"";
    }
}

TEST(ErrorCode, KeepsTheDocumentedWireValues) {
    EXPECT_EQ(static_cast<int>(ErrorCode::kMalformedFrame), 50001);
    EXPECT_EQ(static_cast<int>(ErrorCode::kUnknownOp), 50002);
    EXPECT_EQ(static_cast<int>(ErrorCode::kInvalidArgument), 50003);
    EXPECT_EQ(static_cast<int>(ErrorCode::kInitRequired), 50004);
    EXPECT_EQ(static_cast<int>(ErrorCode::kAlreadyInitialized), 50005);
    EXPECT_EQ(static_cast<int>(ErrorCode::kChannelNotFound), 50100);
    EXPECT_EQ(static_cast<int>(ErrorCode::kNotAMember), 50101);
    EXPECT_EQ(static_cast<int>(ErrorCode::kUniqueNameTaken), 50102);
    EXPECT_EQ(static_cast<int>(ErrorCode::kBodyTooLarge), 50103);
    EXPECT_EQ(static_cast<int>(ErrorCode::kInvalidAttributes), 50104);
    EXPECT_EQ(static_cast<int>(ErrorCode::kRateLimited), 50429);
    EXPECT_EQ(static_cast<int>(ErrorCode::kTooManyConnections), 50430);
    EXPECT_EQ(static_cast<int>(ErrorCode::kTooManyChannels), 50431);
    EXPECT_EQ(static_cast<int>(ErrorCode::kInternal), 50500);
    EXPECT_EQ(kAllErrorCodes.size(), 14U);
}

TEST(ErrorCode, AValueOutsideTheEnumStillHasADescription) {
    EXPECT_FALSE(describe(static_cast<ErrorCode>(12345)).empty());
}

TEST(CloseCode, EveryCodeHasADistinctValue) {
    std::set<int> values;
    for (const CloseCode code : kAllCloseCodes) {
        const int value = static_cast<int>(code);
        EXPECT_TRUE(values.insert(value).second) << "duplicate close code " << value;
        // RFC 6455: 1000-2999 are for the protocol, 4000-4999 for applications.
        EXPECT_TRUE((value >= 1000 && value < 3000) || (value >= 4000 && value < 5000)) << value;
    }
}

TEST(CloseCode, EveryCodeHasADistinctNonEmptyReasonThatFitsAControlFrame) {
    std::set<std::string> reasons;
    for (const CloseCode code : kAllCloseCodes) {
        const std::string reason{describe(code)};
        EXPECT_FALSE(reason.empty()) << static_cast<int>(code);
        EXPECT_NE(reason, "closed") << static_cast<int>(code);
        // A close frame's payload is at most 125 bytes, two of which carry the code.
        EXPECT_LE(reason.size(), 123U) << static_cast<int>(code);
        EXPECT_TRUE(reasons.insert(reason).second)
            << static_cast<int>(code) << " repeats \"" << reason << "\"";
    }
}

TEST(CloseCode, KeepsTheContractValues) {
    EXPECT_EQ(static_cast<int>(CloseCode::kNormal), 1000);
    EXPECT_EQ(static_cast<int>(CloseCode::kGoingAway), 1001);
    EXPECT_EQ(static_cast<int>(CloseCode::kFramingError), 1002);
    EXPECT_EQ(static_cast<int>(CloseCode::kInvalidUtf8), 1007);
    EXPECT_EQ(static_cast<int>(CloseCode::kMessageTooBig), 1009);
    EXPECT_EQ(static_cast<int>(CloseCode::kProtocolError), 4400);
    EXPECT_EQ(static_cast<int>(CloseCode::kTokenRejected), 4401);
    EXPECT_EQ(static_cast<int>(CloseCode::kTokenRevoked), 4403);
    EXPECT_EQ(static_cast<int>(CloseCode::kInitTimeout), 4408);
    EXPECT_EQ(static_cast<int>(CloseCode::kTokenExpired), 4410);
    EXPECT_EQ(static_cast<int>(CloseCode::kTooSlow), 4413);
    EXPECT_EQ(static_cast<int>(CloseCode::kRateLimited), 4429);
}

TEST(CloseCode, TheListHoldsExactlyTheContractCodes) {
    std::set<int> listed;
    for (const CloseCode code : kAllCloseCodes) {
        listed.insert(static_cast<int>(code));
    }
    EXPECT_EQ(listed, (std::set<int>{1000, 1001, 1002, 1007, 1009, 4400, 4401, 4403, 4408, 4410,
                                     4413, 4429}));
}

} // namespace
} // namespace parley::protocol
