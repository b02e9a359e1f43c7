// Arbitrary bytes to inspect(), as `parley token inspect` passes whatever it is given.
//
// Properties: inspect never crashes, throws, leaks or trips UBSan; it fails only with 20101 and
// always does over 16 KiB; when it succeeds the header and payload it returns are non-empty JSON
// text (not merely a prefix of some: `{"a":1}garbage` is not JSON), and exactly one of `claims`
// and `claims_problem` is set, the problem carrying a contract code.

#include "fuzz_support.hpp"

#include <parley/token/inspect.hpp>
#include <parley/token/limits.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using parley::fuzz::certainlyNotJson;
using parley::fuzz::isContractCode;
using parley::fuzz::printable;
namespace token = parley::token;

} // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input{reinterpret_cast<const char*>(data), size};
    const auto inspected = token::inspect(input);

    if (!inspected) {
        FUZZ_CHECK(inspected.error().code == token::TokenError::kInvalidToken,
                   "inspect failed with %d (%s); it may only fail with 20101",
                   inspected.error().wireCode(), printable(inspected.error().message).c_str());
        return 0;
    }

    FUZZ_CHECK(size <= token::kMaxTokenBytes, "inspected a token of %zu bytes", size);
    const auto& result = *inspected;
    FUZZ_CHECK(!result.header_json.empty(), "empty header JSON");
    FUZZ_CHECK(!result.payload_json.empty(), "empty payload JSON");
    FUZZ_CHECK(!certainlyNotJson(result.header_json), "header is not JSON: %s",
               printable(result.header_json).c_str());
    FUZZ_CHECK(!certainlyNotJson(result.payload_json), "payload is not JSON: %s",
               printable(result.payload_json).c_str());
    FUZZ_CHECK(result.claims.has_value() != result.claims_problem.has_value(),
               "claims %s and claims_problem %s", result.claims ? "set" : "empty",
               result.claims_problem ? "set" : "empty");
    if (result.claims_problem) {
        FUZZ_CHECK(isContractCode(result.claims_problem->code), "claims_problem code %d",
                   result.claims_problem->wireCode());
    }
    return 0;
}
