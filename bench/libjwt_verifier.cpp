#include "libjwt_verifier.hpp"

#include <jwt.h>
#include <simdjson.h>

#include <cstdlib>
#include <string_view>

namespace parley::bench {
namespace {

struct JwtDeleter {
    void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

// libjwt 1.10 has no jwt_free_str; its strings come from jansson's default allocator, malloc.
struct MallocDeleter {
    void operator()(char* text) const { std::free(text); }
};
using MallocString = std::unique_ptr<char, MallocDeleter>;

} // namespace

struct LibjwtVerifier::Impl {
    std::string secret;
    simdjson::ondemand::parser parser;
    // Reused so the identity lookup does not allocate; simdjson reads up to SIMDJSON_PADDING
    // bytes past the end of its input, which the reserved capacity covers.
    std::string grants_json;

    JwtPtr decode(const std::string& token) const {
        jwt_t* raw = nullptr;
        const int status =
            jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>(secret.data()),
                       static_cast<int>(secret.size()));
        JwtPtr jwt{raw};
        if (status != 0) {
            return nullptr;
        }
        return jwt;
    }
};

LibjwtVerifier::LibjwtVerifier(std::string secret) : impl_(std::make_unique<Impl>()) {
    impl_->secret = std::move(secret);
}
LibjwtVerifier::LibjwtVerifier(LibjwtVerifier&&) noexcept = default;
LibjwtVerifier& LibjwtVerifier::operator=(LibjwtVerifier&&) noexcept = default;
LibjwtVerifier::~LibjwtVerifier() = default;

bool LibjwtVerifier::decodes(const std::string& token) const {
    return impl_->decode(token) != nullptr;
}

std::optional<std::string> LibjwtVerifier::identity(const std::string& token) {
    const JwtPtr jwt = impl_->decode(token);
    if (!jwt) {
        return std::nullopt;
    }
    const MallocString grants{jwt_get_grants_json(jwt.get(), "grants")};
    if (!grants) {
        return std::nullopt;
    }
    std::string& json = impl_->grants_json;
    json.assign(grants.get());
    json.reserve(json.size() + simdjson::SIMDJSON_PADDING);
    auto document = impl_->parser.iterate(json.data(), json.size(), json.capacity());
    std::string_view identity;
    if (document.error() != simdjson::SUCCESS ||
        document["identity"].get_string().get(identity) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    return std::string{identity};
}

} // namespace parley::bench
