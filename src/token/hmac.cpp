// The SHA256_*/SHA512_* context functions are deprecated in OpenSSL 3 in favour of EVP, but EVP
// offers no way to copy a prepared digest state without a heap allocation per copy, which would
// cost more than hashing a whole token. They remain supported for the 3.x series.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "token/hmac.hpp"

#include "token/jwt_header.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <string_view>

namespace parley::token {
namespace {

constexpr unsigned char kInnerPad = 0x36;
constexpr unsigned char kOuterPad = 0x5c;

// Hash traits: the functions and block size of one SHA-2 variant.
struct Sha256 {
    using Context = SHA256_CTX;
    static constexpr std::size_t kBlock = SHA256_CBLOCK;
    static constexpr std::size_t kDigest = SHA256_DIGEST_LENGTH;
    static void init(Context* ctx) { SHA256_Init(ctx); }
    static void update(Context* ctx, const void* data, std::size_t size) {
        SHA256_Update(ctx, data, size);
    }
    static void final(unsigned char* out, Context* ctx) { SHA256_Final(out, ctx); }
};

struct Sha384 {
    using Context = SHA512_CTX;
    static constexpr std::size_t kBlock = SHA512_CBLOCK;
    static constexpr std::size_t kDigest = SHA384_DIGEST_LENGTH;
    static void init(Context* ctx) { SHA384_Init(ctx); }
    static void update(Context* ctx, const void* data, std::size_t size) {
        SHA384_Update(ctx, data, size);
    }
    static void final(unsigned char* out, Context* ctx) { SHA384_Final(out, ctx); }
};

struct Sha512 {
    using Context = SHA512_CTX;
    static constexpr std::size_t kBlock = SHA512_CBLOCK;
    static constexpr std::size_t kDigest = SHA512_DIGEST_LENGTH;
    static void init(Context* ctx) { SHA512_Init(ctx); }
    static void update(Context* ctx, const void* data, std::size_t size) {
        SHA512_Update(ctx, data, size);
    }
    static void final(unsigned char* out, Context* ctx) { SHA512_Final(out, ctx); }
};

// The inner and outer hash states after absorbing key^ipad and key^opad (RFC 2104), and the
// inner state after also absorbing the whole blocks of `header.` for the canonical header of
// this algorithm: nearly every token starts with it, so one block of each signature is hashed
// once per key instead of once per token. Other signing inputs take the plain inner state.
template <typename Hash> struct Schedule {
    typename Hash::Context inner{};
    typename Hash::Context outer{};
    typename Hash::Context after_prefix{};
    std::string_view prefix; // static storage (canonicalSigningPrefix)

    Schedule(std::string_view secret, std::string_view signing_prefix)
        : prefix(signing_prefix.substr(0, signing_prefix.size() / Hash::kBlock * Hash::kBlock)) {
        std::array<unsigned char, Hash::kBlock> block{};
        if (secret.size() > Hash::kBlock) {
            typename Hash::Context ctx{};
            Hash::init(&ctx);
            Hash::update(&ctx, secret.data(), secret.size());
            Hash::final(block.data(), &ctx);
        } else {
            std::copy(secret.begin(), secret.end(), block.begin());
        }
        std::array<unsigned char, Hash::kBlock> pad{};
        std::transform(block.begin(), block.end(), pad.begin(),
                       [](unsigned char b) { return static_cast<unsigned char>(b ^ kInnerPad); });
        Hash::init(&inner);
        Hash::update(&inner, pad.data(), pad.size());
        std::transform(block.begin(), block.end(), pad.begin(),
                       [](unsigned char b) { return static_cast<unsigned char>(b ^ kOuterPad); });
        Hash::init(&outer);
        Hash::update(&outer, pad.data(), pad.size());
        after_prefix = inner;
        Hash::update(&after_prefix, prefix.data(), prefix.size());
    }

    std::size_t sign(std::string_view data, SignatureBuffer& out) const {
        std::array<unsigned char, Hash::kDigest> inner_digest{};
        typename Hash::Context ctx = inner;
        if (!prefix.empty() && data.starts_with(prefix)) {
            ctx = after_prefix;
            data.remove_prefix(prefix.size());
        }
        Hash::update(&ctx, data.data(), data.size());
        Hash::final(inner_digest.data(), &ctx);
        ctx = outer;
        Hash::update(&ctx, inner_digest.data(), inner_digest.size());
        Hash::final(out.data(), &ctx);
        return Hash::kDigest;
    }
};

} // namespace

struct PreparedKey::Schedules {
    Schedule<Sha256> hs256;
    Schedule<Sha384> hs384;
    Schedule<Sha512> hs512;

    // The prefixes are computed once per process: the token builder prepares a key per mint.
    explicit Schedules(std::string_view secret)
        : hs256(secret, canonicalSigningPrefix(Algorithm::kHs256)),
          hs384(secret, canonicalSigningPrefix(Algorithm::kHs384)),
          hs512(secret, canonicalSigningPrefix(Algorithm::kHs512)) {}
};

PreparedKey::PreparedKey(const ApiKey& key)
    : key_(key), schedules_(std::make_unique<const Schedules>(key.secret)) {}

PreparedKey::~PreparedKey() = default;

std::size_t PreparedKey::sign(Algorithm algorithm, std::string_view data,
                              SignatureBuffer& out) const {
    switch (algorithm) {
    case Algorithm::kHs256:
        return schedules_->hs256.sign(data, out);
    case Algorithm::kHs384:
        return schedules_->hs384.sign(data, out);
    case Algorithm::kHs512:
        return schedules_->hs512.sign(data, out);
    }
    return 0;
}

} // namespace parley::token
