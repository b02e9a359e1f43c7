#pragma once

// API keys: the secrets tokens are signed with. A key set holds several so keys can be rotated:
// any listed key verifies, and a key removed from the set stops verifying at once.

#include <parley/token/algorithm.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace parley::token {

struct ApiKey {
    /// `SK` + 32 hex digits; tokens name it in `iss`.
    std::string sid;
    /// `AC` + 32 hex digits; tokens name it in `sub`. Empty means "do not check `sub`".
    std::string account_sid;
    /// The signing secret, used as raw bytes.
    std::string secret;
};

/// True for a Twilio-style SID: `prefix` followed by 32 lowercase or uppercase hex digits.
bool isSid(std::string_view value, std::string_view prefix);

/// A secret with its HMAC key schedules computed once, so verification pays only for the data.
class PreparedKey;

/// An immutable set of API keys, looked up by SID. Cheap to share between threads.
class KeySet {
public:
    KeySet();
    explicit KeySet(const std::vector<ApiKey>& keys);
    // Copies share the immutable keys. No move operations: a moved-from set stays usable.
    KeySet(const KeySet&);
    KeySet& operator=(const KeySet&);
    ~KeySet();

    /// The key whose SID is `sid`, or nullptr.
    const PreparedKey* find(std::string_view sid) const;
    std::size_t size() const;

private:
    struct Impl;
    std::shared_ptr<const Impl> impl_;
};

} // namespace parley::token
