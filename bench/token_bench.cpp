// Access-token costs: Parley's verify and mint against the HMAC floor and against libjwt.
//
// Every benchmark walks the same rotation of kTokenCount distinct tokens round-robin, one token
// per iteration, so "items_per_second" is tokens per second and "Time" is the cost of one token.
// Nothing is cached between iterations. bench/README.md records method, figures and peers.

#include "hmac_floor.hpp"
#include "libjwt_verifier.hpp"
#include "token_corpus.hpp"

#include <parley/token/access_token_builder.hpp>
#include <parley/token/clock.hpp>
#include <parley/token/error.hpp>
#include <parley/token/token_verifier.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace parley::bench {
namespace {

using namespace std::chrono_literals;

// A fixed instant, so the run never depends on the wall clock: tokens are issued at it and
// checked at it, well inside their one-hour lifetime however long the run takes.
const token::TimePoint kNow{std::chrono::sys_days{std::chrono::year{2025} / 1 / 15} + 9h};

constexpr std::size_t kRotationMask = kTokenCount - 1;
static_assert((kTokenCount & kRotationMask) == 0, "kTokenCount must be a power of two");

token::TokenVerifier makeVerifier(const token::Clock& clock) {
    return token::TokenVerifier{
        token::KeySet{std::vector<token::ApiKey>{benchApiKey()}},
        token::VerifyPolicy{
            .required_grant = token::GrantKind::kChat,
            .chat_service_sid = chatServiceSid(),
            // Spelled out because g++ 12's -Wmissing-field-initializers flags omitted trailing
            // members even in designated initializers.
            .sync_service_sid = std::nullopt,
        },
        clock,
    };
}

/// Everything the benchmarks share, built and checked once before any of them runs.
struct Fixture {
    token::ManualClock clock{kNow};
    token::TokenVerifier verifier = makeVerifier(clock);
    TokenCorpus hs256 = mintCorpus(token::Algorithm::kHs256, clock);
    TokenCorpus hs512 = mintCorpus(token::Algorithm::kHs512, clock);
    HmacFloor floor_hs256{token::Algorithm::kHs256, benchApiKey().secret};
    HmacFloor floor_hs512{token::Algorithm::kHs512, benchApiKey().secret};
    LibjwtVerifier libjwt{benchApiKey().secret};
    std::vector<token::AccessTokenBuilder> builders = [] {
        std::vector<token::AccessTokenBuilder> all;
        all.reserve(kTokenCount);
        for (std::size_t index = 0; index < kTokenCount; ++index) {
            all.push_back(tokenBuilder(index, token::Algorithm::kHs256));
        }
        return all;
    }();
};

// A benchmark that measured failures would look fast; every path is proven on every token first.
void checkEveryPath(Fixture& fixture) {
    for (const TokenCorpus* corpus : {&fixture.hs256, &fixture.hs512}) {
        const HmacFloor& floor =
            corpus == &fixture.hs256 ? fixture.floor_hs256 : fixture.floor_hs512;
        for (std::size_t i = 0; i < kTokenCount; ++i) {
            const auto claims = fixture.verifier.verify(corpus->tokens[i]);
            if (!claims) {
                failSetup("TokenVerifier rejected a benchmark token (" +
                          std::to_string(claims.error().wireCode()) +
                          "): " + claims.error().message);
            }
            if (claims->identity() != corpus->identities[i]) {
                failSetup("TokenVerifier returned identity " + claims->identity());
            }
            if (!floor.matches(corpus->signing_inputs[i], corpus->signatures[i])) {
                failSetup("HMAC floor disagrees with the token's signature");
            }
        }
    }
    for (std::size_t i = 0; i < kTokenCount; ++i) {
        if (fixture.libjwt.identity(fixture.hs256.tokens[i]) != fixture.hs256.identities[i]) {
            failSetup("libjwt did not verify a benchmark token or read its identity");
        }
    }

    // The negative controls: each path must be able to say no, or its figure means nothing.
    std::string forged = fixture.hs256.tokens[0];
    forged.back() = forged.back() == 'A' ? 'Q' : 'A';
    const auto rejected = fixture.verifier.verify(forged);
    if (rejected || rejected.error().code != token::TokenError::kInvalidSignature) {
        failSetup("TokenVerifier accepted a forged signature");
    }
    std::string wrong_mac = fixture.hs256.signatures[0];
    wrong_mac[0] = static_cast<char>(wrong_mac[0] ^ 1);
    if (fixture.floor_hs256.matches(fixture.hs256.signing_inputs[0], wrong_mac)) {
        failSetup("HMAC floor accepted a wrong MAC");
    }
    if (fixture.libjwt.decodes(forged)) {
        failSetup("libjwt accepted a forged signature");
    }
    token::TokenVerifier other_service{
        token::KeySet{std::vector<token::ApiKey>{benchApiKey()}},
        token::VerifyPolicy{.required_grant = token::GrantKind::kChat,
                            .chat_service_sid = "IS00000000000000000000000000000000",
                            .sync_service_sid = std::nullopt},
        fixture.clock};
    const auto wrong_service = other_service.verify(fixture.hs256.tokens[0]);
    if (wrong_service || wrong_service.error().code != token::TokenError::kInvalidGrants) {
        failSetup("TokenVerifier ignored the policy's chat service SID");
    }
    for (const token::AccessTokenBuilder& builder : fixture.builders) {
        if (!builder.mint(fixture.clock)) {
            failSetup("a mint benchmark builder fails to mint");
        }
    }
}

// Fixture cannot move (the verifier points at the clock beside it), so it is checked in place.
Fixture& fixture() {
    static Fixture instance;
    static const bool checked = [] {
        checkEveryPath(instance);
        return true;
    }();
    static_cast<void>(checked);
    return instance;
}

void verifyLoop(benchmark::State& state, const TokenCorpus& corpus) {
    const token::TokenVerifier& verifier = fixture().verifier;
    std::size_t next = 0;
    for (auto _ : state) {
        const auto claims = verifier.verify(corpus.tokens[next]);
        if (!claims) {
            state.SkipWithError("a token stopped verifying mid-run");
            break;
        }
        benchmark::DoNotOptimize(claims->identity());
        next = (next + 1) & kRotationMask;
    }
    state.SetItemsProcessed(state.iterations());
}

void floorLoop(benchmark::State& state, const TokenCorpus& corpus, const HmacFloor& floor) {
    std::size_t next = 0;
    for (auto _ : state) {
        bool valid = floor.matches(corpus.signing_inputs[next], corpus.signatures[next]);
        benchmark::DoNotOptimize(valid);
        next = (next + 1) & kRotationMask;
    }
    state.SetItemsProcessed(state.iterations());
}

// Isolates the irreducible cost of trusting an HS256 token: HMAC-SHA256 of header.payload with
// the key schedule prepared once, plus a constant-time compare. No split, base64url or JSON.
void hmacFloorHs256(benchmark::State& state) {
    floorLoop(state, fixture().hs256, fixture().floor_hs256);
}

// Isolates Parley's full verification of a valid HS256 token: split, header, key lookup,
// signature, base64url and JSON decode of the payload, claims and the chat-service policy.
void parleyVerifyHs256(benchmark::State& state) {
    verifyLoop(state, fixture().hs256);
}

// Isolates the cost a libjwt user pays for the same answer: jwt_decode (parse + HMAC with a
// fresh key schedule), then grants serialised back to JSON and the identity read from it.
void libjwtVerifyHs256(benchmark::State& state) {
    LibjwtVerifier& libjwt = fixture().libjwt;
    const TokenCorpus& corpus = fixture().hs256;
    std::size_t next = 0;
    for (auto _ : state) {
        auto identity = libjwt.identity(corpus.tokens[next]);
        if (!identity) {
            state.SkipWithError("libjwt stopped verifying mid-run");
            break;
        }
        benchmark::DoNotOptimize(*identity);
        next = (next + 1) & kRotationMask;
    }
    state.SetItemsProcessed(state.iterations());
}

// Isolates jwt_decode alone (signature checked, no claim read): libjwt's best case, so the
// comparison does not hinge on the identity lookup its 1.10 API makes awkward.
void libjwtDecodeOnlyHs256(benchmark::State& state) {
    const LibjwtVerifier& libjwt = fixture().libjwt;
    const TokenCorpus& corpus = fixture().hs256;
    std::size_t next = 0;
    for (auto _ : state) {
        bool valid = libjwt.decodes(corpus.tokens[next]);
        benchmark::DoNotOptimize(valid);
        next = (next + 1) & kRotationMask;
    }
    state.SetItemsProcessed(state.iterations());
}

// Isolates the HS512 floor: as hmacFloorHs256 with SHA-512 (128-byte blocks, no SHA-NI path).
void hmacFloorHs512(benchmark::State& state) {
    floorLoop(state, fixture().hs512, fixture().floor_hs512);
}

// Isolates Parley's full verification of HS512 tokens, to see the hash's share move.
void parleyVerifyHs512(benchmark::State& state) {
    verifyLoop(state, fixture().hs512);
}

// Isolates minting: grants and claims to JSON, base64url, jti, HS256 signing, from a builder
// already configured (as a token endpoint holding the request's grants would have it).
void parleyMintHs256(benchmark::State& state) {
    const std::vector<token::AccessTokenBuilder>& builders = fixture().builders;
    const token::Clock& clock = fixture().clock;
    std::size_t next = 0;
    for (auto _ : state) {
        auto token = builders[next].mint(clock);
        if (!token) {
            state.SkipWithError("mint failed mid-run");
            break;
        }
        benchmark::DoNotOptimize(*token);
        next = (next + 1) & kRotationMask;
    }
    state.SetItemsProcessed(state.iterations());
}

// The fastest repetition, beside Google Benchmark's mean, median and stddev. On a machine shared
// with builds the mean of a few long repetitions moves with the load, and verify (branchy code,
// simdjson, malloc) slows down more under it than the SHA-NI floor does; the minimum of many
// short repetitions (README.md gives the command) is the load-independent figure.
double fastest(const std::vector<double>& values) {
    return values.empty() ? 0.0 : *std::min_element(values.begin(), values.end());
}

BENCHMARK(hmacFloorHs256)->ComputeStatistics("min", fastest);
BENCHMARK(parleyVerifyHs256)->ComputeStatistics("min", fastest);
BENCHMARK(libjwtVerifyHs256)->ComputeStatistics("min", fastest);
BENCHMARK(libjwtDecodeOnlyHs256)->ComputeStatistics("min", fastest);
BENCHMARK(hmacFloorHs512)->ComputeStatistics("min", fastest);
BENCHMARK(parleyVerifyHs512)->ComputeStatistics("min", fastest);
BENCHMARK(parleyMintHs256)->ComputeStatistics("min", fastest);

void describeCorpus(const char* name, const TokenCorpus& corpus) {
    benchmark::AddCustomContext(std::string{name} + "_tokens",
                                std::to_string(kTokenCount) + " distinct, " +
                                    std::to_string(corpus.smallestToken()) + ".." +
                                    std::to_string(corpus.largestToken()) + " bytes (mean " +
                                    std::to_string(std::lround(corpus.meanTokenSize())) + ")");
}

} // namespace
} // namespace parley::bench

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    // Build and check everything before the first measurement; a failure aborts here.
    const parley::bench::Fixture& fixture = parley::bench::fixture();
    parley::bench::describeCorpus("hs256", fixture.hs256);
    parley::bench::describeCorpus("hs512", fixture.hs512);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
