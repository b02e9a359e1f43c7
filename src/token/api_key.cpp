#include "token/hmac.hpp"

#include <parley/token/api_key.hpp>

#include <algorithm>
#include <cctype>
#include <string>
#include <unordered_map>

namespace parley::token {

bool isSid(std::string_view value, std::string_view prefix) {
    constexpr std::size_t kHexDigits = 32;
    if (value.size() != prefix.size() + kHexDigits || !value.starts_with(prefix)) {
        return false;
    }
    return std::all_of(value.begin() + static_cast<std::ptrdiff_t>(prefix.size()), value.end(),
                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

namespace {

// Lets the SID map be searched with a string_view straight from the token, without a copy.
struct TransparentHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
        return std::hash<std::string_view>{}(text);
    }
};

} // namespace

struct KeySet::Impl {
    std::vector<std::unique_ptr<const PreparedKey>> keys;
    std::unordered_map<std::string, const PreparedKey*, TransparentHash, std::equal_to<>> by_sid;
};

KeySet::KeySet() : impl_(std::make_shared<const Impl>()) {}

KeySet::KeySet(const std::vector<ApiKey>& keys) {
    auto impl = std::make_shared<Impl>();
    for (const ApiKey& key : keys) {
        auto prepared = std::make_unique<const PreparedKey>(key);
        impl->by_sid.insert_or_assign(key.sid, prepared.get());
        impl->keys.push_back(std::move(prepared));
    }
    impl_ = std::move(impl);
}

KeySet::KeySet(const KeySet&) = default;
KeySet& KeySet::operator=(const KeySet&) = default;
KeySet::~KeySet() = default;

const PreparedKey* KeySet::find(std::string_view sid) const {
    const auto found = impl_->by_sid.find(sid);
    return found == impl_->by_sid.end() ? nullptr : found->second;
}

std::size_t KeySet::size() const {
    return impl_->by_sid.size();
}

} // namespace parley::token
