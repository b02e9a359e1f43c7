#include "token/hmac.hpp"
#include "token/jwt_header.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace parley::token {
namespace {

// Every HMAC algorithm with OpenSSL's digest for it.
std::array<std::pair<Algorithm, const EVP_MD*>, 3> algorithms() {
    return {{{Algorithm::kHs256, EVP_sha256()},
             {Algorithm::kHs384, EVP_sha384()},
             {Algorithm::kHs512, EVP_sha512()}}};
}

// Signs `data` with the prepared key and with OpenSSL's one-shot HMAC; both must agree.
void expectSameMacAsOpenSsl(const PreparedKey& key, const std::string& secret, Algorithm alg,
                            const EVP_MD* md, const std::string& data, const std::string& what) {
    SignatureBuffer ours{};
    const std::size_t size = key.sign(alg, data, ours);
    unsigned char theirs[EVP_MAX_MD_SIZE];
    unsigned int their_size = 0;
    HMAC(md, secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), theirs, &their_size);
    ASSERT_EQ(size, their_size) << what;
    EXPECT_EQ(std::memcmp(ours.data(), theirs, size), 0) << what << " alg " << algorithmName(alg);
}

// The prepared-key HMAC must equal OpenSSL's one-shot HMAC for every algorithm and for secrets
// shorter than, equal to and longer than the hash block (64 or 128 bytes).
TEST(PreparedKey, MatchesOpenSslHmacForEverySecretLength) {
    const std::string data = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJBQzEyMyJ9";
    for (std::size_t secret_size : {1U, 32U, 64U, 65U, 128U, 129U, 300U}) {
        const std::string secret(secret_size, 'k');
        const PreparedKey key{ApiKey{.sid = "SK1", .secret = secret}};
        for (const auto& [alg, md] : algorithms()) {
            expectSameMacAsOpenSsl(key, secret, alg, md, data,
                                   "secret size " + std::to_string(secret_size));
        }
    }
}

// Signing inputs that start with the canonical header take a state prepared past its first
// blocks; the MAC must not change, whether the input is that prefix exactly, runs past it, stops
// inside it, or differs from it in one byte.
TEST(PreparedKey, MatchesOpenSslHmacAroundTheCanonicalHeader) {
    const std::string secret(32, 's');
    const PreparedKey key{ApiKey{.sid = "SK1", .secret = secret}};
    for (const auto& [alg, md] : algorithms()) {
        const std::string header = encodeHeader(alg, std::nullopt) + ".";
        std::string altered = header;
        altered[10] = static_cast<char>(altered[10] ^ 1);
        std::vector<std::string> inputs;
        for (const std::string& base : {header, altered}) {
            for (const std::size_t size : {0U, 1U, 63U, 64U, 65U, 127U, 128U, 129U, 300U}) {
                inputs.push_back(base.substr(0, std::min(size, base.size())) +
                                 std::string(size > base.size() ? size - base.size() : 0, 'p'));
            }
        }
        for (const std::string& data : inputs) {
            expectSameMacAsOpenSsl(key, secret, alg, md, data,
                                   "input size " + std::to_string(data.size()));
        }
    }
}

} // namespace
} // namespace parley::token
