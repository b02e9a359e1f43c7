// Arbitrary bytes as an access token, the way a server receives them at `init`.
//
// Properties: TokenVerifier::verify never crashes, throws, leaks or trips UBSan; every failure
// carries one of the contract's codes; anything over 16 KiB fails with 20101; a token inspect()
// cannot decode fails verification with 20101 (or 20102, see below); and a token that is
// accepted satisfies the policy. Random bytes almost never carry a valid HMAC, so what lies beyond
// the signature check is the job of token_claims_fuzz (which signs what it is given) and
// token_roundtrip_fuzz (which mints with AccessTokenBuilder).

#include "fuzz_support.hpp"

#include <parley/token/inspect.hpp>
#include <parley/token/limits.hpp>
#include <parley/token/token_verifier.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using parley::fuzz::fuzzKeys;
using parley::fuzz::fuzzNow;
using parley::fuzz::isContractCode;
using parley::fuzz::printable;
namespace token = parley::token;

// The policy of a chat server: a chat grant for our service.
const token::VerifyPolicy& policy() {
    static const token::VerifyPolicy instance{
        .required_grant = token::GrantKind::kChat,
        .chat_service_sid = std::string{parley::fuzz::kChatServiceSid},
    };
    return instance;
}

const token::TokenVerifier& verifier() {
    static const token::ManualClock clock{fuzzNow()};
    static const token::TokenVerifier instance{token::KeySet{fuzzKeys()}, policy(), clock};
    return instance;
}

} // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input{reinterpret_cast<const char*>(data), size};
    const auto verified = verifier().verify(input);

    if (verified) {
        parley::fuzz::checkAccepted(*verified, policy(), fuzzNow());
        FUZZ_CHECK(size <= token::kMaxTokenBytes, "accepted a token of %zu bytes", size);
    } else {
        const auto code = verified.error().code;
        FUZZ_CHECK(isContractCode(code), "verify failed with code %d, not in the contract (%s)",
                   verified.error().wireCode(), printable(verified.error().message).c_str());
        FUZZ_CHECK(size <= token::kMaxTokenBytes || code == token::TokenError::kInvalidToken,
                   "a token of %zu bytes failed with %d instead of 20101", size,
                   verified.error().wireCode());
    }

    // The verifier reads the header (20102) before it decodes the payload, so a token with a bad
    // header and an undecodable payload is 20102 to verify and 20101 to inspect.
    const auto inspected = token::inspect(input);
    if (!inspected) {
        FUZZ_CHECK(!verified && (verified.error().code == token::TokenError::kInvalidToken ||
                                 verified.error().code == token::TokenError::kInvalidHeader),
                   "inspect refused the token (%d: %s) but verify said %d",
                   inspected.error().wireCode(), printable(inspected.error().message).c_str(),
                   verified ? 0 : verified.error().wireCode());
    }
    return 0;
}
