#pragma once

// The revocations in force on this node, in memory: what init and update_token are checked
// against (20120) and what live sessions are re-checked against when one arrives (4403). Filled
// from the RevocationStore at start, from every node's revocations through the broker, and from
// the store again when it is shared (Revocations::reload).
//
// Threading: every method may be called from any thread.

#include "server/revocation.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace parley::server {

class RevocationList {
public:
    /// Adds `revocation`, merged with one of the same name (see merged()). True when that changed
    /// what is in force (a new name, or later times); false when it was known already.
    bool add(const Revocation& revocation);
    /// The revocation in force at `now` that covers `token`, if any.
    std::optional<Revocation> covering(const RevocableToken& token, token::UnixSeconds now) const;
    /// Those in force at `now`, in no particular order; drops the lapsed ones.
    std::vector<Revocation> inForce(token::UnixSeconds now);

private:
    using Key = std::pair<RevocationKind, std::string>;

    mutable std::mutex mutex_;
    std::map<Key, Revocation, std::less<>> revocations_;
};

} // namespace parley::server
