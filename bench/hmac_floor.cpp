// OpenSSL 3 deprecates the low-level SHA256_*/SHA512_* calls, and -Werror turns that into a build
// failure. They are used anyway because their context is a plain struct that can be copied by
// assignment, which is what "key schedule prepared once" means at its cheapest. The EVP/EVP_MAC
// replacements were rejected for the floor: a context dup or MAC init per message goes through
// the provider layer, and that overhead is exactly what a floor must leave out.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "hmac_floor.hpp"

#include "token_corpus.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>
#include <cstddef>

namespace parley::bench {
namespace {

struct Sha256 {
    using Context = SHA256_CTX;
    static constexpr std::size_t kBlockSize = SHA256_CBLOCK;
    static constexpr std::size_t kDigestSize = SHA256_DIGEST_LENGTH;
    static void init(Context& context) { SHA256_Init(&context); }
    static void update(Context& context, const void* data, std::size_t size) {
        SHA256_Update(&context, data, size);
    }
    static void finish(unsigned char* digest, Context& context) { SHA256_Final(digest, &context); }
};

struct Sha512 {
    using Context = SHA512_CTX;
    static constexpr std::size_t kBlockSize = SHA512_CBLOCK;
    static constexpr std::size_t kDigestSize = SHA512_DIGEST_LENGTH;
    static void init(Context& context) { SHA512_Init(&context); }
    static void update(Context& context, const void* data, std::size_t size) {
        SHA512_Update(&context, data, size);
    }
    static void finish(unsigned char* digest, Context& context) { SHA512_Final(digest, &context); }
};

} // namespace

class HmacFloor::Impl {
public:
    virtual ~Impl() = default;
    virtual bool matches(std::string_view signing_input, std::string_view signature) const = 0;
};

namespace {

template <typename Hash> class PreparedHmac final : public HmacFloor::Impl {
public:
    explicit PreparedHmac(std::string_view secret) {
        std::array<unsigned char, Hash::kBlockSize> key{};
        if (secret.size() > Hash::kBlockSize) {
            typename Hash::Context context;
            Hash::init(context);
            Hash::update(context, secret.data(), secret.size());
            Hash::finish(key.data(), context);
        } else {
            secret.copy(reinterpret_cast<char*>(key.data()), secret.size());
        }
        std::array<unsigned char, Hash::kBlockSize> pad{};
        for (std::size_t i = 0; i < pad.size(); ++i) {
            pad[i] = static_cast<unsigned char>(key[i] ^ 0x36U);
        }
        Hash::init(inner_);
        Hash::update(inner_, pad.data(), pad.size());
        for (std::size_t i = 0; i < pad.size(); ++i) {
            pad[i] = static_cast<unsigned char>(key[i] ^ 0x5cU);
        }
        Hash::init(outer_);
        Hash::update(outer_, pad.data(), pad.size());
        OPENSSL_cleanse(key.data(), key.size());
        OPENSSL_cleanse(pad.data(), pad.size());
    }

    bool matches(std::string_view signing_input, std::string_view signature) const override {
        std::array<unsigned char, Hash::kDigestSize> mac{};
        typename Hash::Context inner = inner_;
        Hash::update(inner, signing_input.data(), signing_input.size());
        Hash::finish(mac.data(), inner);
        typename Hash::Context outer = outer_;
        Hash::update(outer, mac.data(), mac.size());
        Hash::finish(mac.data(), outer);
        return signature.size() == mac.size() &&
               CRYPTO_memcmp(mac.data(), signature.data(), mac.size()) == 0;
    }

private:
    typename Hash::Context inner_{};
    typename Hash::Context outer_{};
};

std::unique_ptr<const HmacFloor::Impl> prepare(token::Algorithm algorithm,
                                               std::string_view secret) {
    switch (algorithm) {
    case token::Algorithm::kHs256:
        return std::make_unique<PreparedHmac<Sha256>>(secret);
    case token::Algorithm::kHs512:
        return std::make_unique<PreparedHmac<Sha512>>(secret);
    case token::Algorithm::kHs384:
        break;
    }
    failSetup("HmacFloor supports HS256 and HS512 only");
}

} // namespace

HmacFloor::HmacFloor(token::Algorithm algorithm, std::string_view secret)
    : impl_(prepare(algorithm, secret)) {}
HmacFloor::HmacFloor(HmacFloor&&) noexcept = default;
HmacFloor& HmacFloor::operator=(HmacFloor&&) noexcept = default;
HmacFloor::~HmacFloor() = default;

bool HmacFloor::matches(std::string_view signing_input, std::string_view signature) const {
    return impl_->matches(signing_input, signature);
}

} // namespace parley::bench
