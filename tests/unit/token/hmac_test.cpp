#include "token/hmac.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>
#include <string>

namespace parley::token {
namespace {

// The prepared-key HMAC must equal OpenSSL's one-shot HMAC for every algorithm and for secrets
// shorter than, equal to and longer than the hash block (64 or 128 bytes).
TEST(PreparedKey, MatchesOpenSslHmacForEverySecretLength) {
    const std::string data = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJBQzEyMyJ9";
    for (std::size_t secret_size : {1U, 32U, 64U, 65U, 128U, 129U, 300U}) {
        const std::string secret(secret_size, 'k');
        const PreparedKey key{ApiKey{.sid = "SK1", .secret = secret}};
        const std::pair<Algorithm, const EVP_MD*> cases[] = {
            {Algorithm::kHs256, EVP_sha256()},
            {Algorithm::kHs384, EVP_sha384()},
            {Algorithm::kHs512, EVP_sha512()},
        };
        for (const auto& [alg, md] : cases) {
            SignatureBuffer ours{};
            const std::size_t size = key.sign(alg, data, ours);
            unsigned char theirs[EVP_MAX_MD_SIZE];
            unsigned int their_size = 0;
            HMAC(md, secret.data(), static_cast<int>(secret.size()),
                 reinterpret_cast<const unsigned char*>(data.data()), data.size(), theirs,
                 &their_size);
            ASSERT_EQ(size, their_size);
            EXPECT_EQ(std::memcmp(ours.data(), theirs, size), 0)
                << "secret size " << secret_size << " alg " << algorithmName(alg);
        }
    }
}

} // namespace
} // namespace parley::token
