#pragma once

// The tokens every benchmark in token_bench works through: distinct, realistic access tokens
// minted once at start-up with Parley's own builder, plus the pieces the HMAC floor needs.

#include <parley/token/access_token_builder.hpp>
#include <parley/token/algorithm.hpp>
#include <parley/token/api_key.hpp>
#include <parley/token/clock.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace parley::bench {

/// Tokens in rotation. A power of two so the round-robin step is a mask; about 700 KiB of token
/// text, so the set does not sit in L1 the way one token verified over and over would.
inline constexpr std::size_t kTokenCount = 1024;

/// The one API key every benchmark token is signed with (SK/AC SIDs, 32-character secret).
token::ApiKey benchApiKey();

/// The chat service the tokens grant, which the verifier's policy requires.
std::string chatServiceSid();

/// "user-00042@example.com" for index 42.
std::string identityFor(std::size_t index);

/// The builder for the `index`-th token: its identity, a chat grant and a data_sync grant, each
/// with a service SID and a per-device endpoint id, as a Twilio Conversations client gets them.
/// About 700 bytes with HS256.
token::AccessTokenBuilder tokenBuilder(std::size_t index, token::Algorithm algorithm);

/// kTokenCount tokens and what the benchmarks compare them with, index for index.
struct TokenCorpus {
    std::vector<std::string> tokens;
    std::vector<std::string> identities;
    /// `header.payload` of each token: the bytes the signature covers (views into `tokens`).
    std::vector<std::string_view> signing_inputs;
    /// The decoded signature of each token (32 or 64 raw bytes).
    std::vector<std::string> signatures;

    std::size_t smallestToken() const;
    std::size_t largestToken() const;
    double meanTokenSize() const;
};

/// Mints kTokenCount tokens issued at `clock.now()`; aborts the program if minting fails, so a
/// benchmark never runs on a partial corpus.
TokenCorpus mintCorpus(token::Algorithm algorithm, const token::Clock& clock);

/// Prints `what` to stderr and aborts: the benchmarks must not measure a broken setup.
[[noreturn]] void failSetup(std::string_view what);

} // namespace parley::bench
