#pragma once

// A TokenVerifier with the test keys and a clock fixed at kNow, and the shortcuts its tests
// share: the error code of a token expected to fail, a valid token of a given lifetime.

#include "test_tokens.hpp"

#include <parley/token/token_verifier.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace parley::token {

// The test tokens' names, for the verifier tests that include this.
using namespace std::chrono_literals;
using testing::kChatService;
using testing::kKey;
using testing::kNow;
using testing::kOtherKey;
using testing::kSyncService;
using testing::nowSeconds;
using testing::payloadJson;
using testing::signRaw;

class TokenVerifierTest : public ::testing::Test {
protected:
    ManualClock clock_{testing::kNow};
    TokenVerifier verifier_{KeySet{{testing::kKey, testing::kOtherKey}}, VerifyPolicy{}, clock_};

    TokenError codeOf(const std::string& token) const { return codeOf(verifier_, token); }
    static TokenError codeOf(const TokenVerifier& verifier, const std::string& token) {
        const auto result = verifier.verify(token);
        EXPECT_FALSE(result.has_value()) << "token unexpectedly valid: " << token;
        return result ? TokenError{} : result.error().code;
    }
    std::string valid(long long ttl = 3600) const {
        return testing::signRaw(
            testing::canonicalHeader(),
            testing::payloadJson(testing::nowSeconds(), testing::nowSeconds() + ttl));
    }
};

} // namespace parley::token
