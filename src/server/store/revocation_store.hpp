#pragma once

// Where a node keeps the revocations in force, so they survive a restart: a small interface of
// its own, apart from Store (channels, members, messages). Every node keeps its own: each one
// saves what it revokes and what reaches it from the other nodes through the broker.

#include "server/revocation.hpp"
#include "server/store/store.hpp"

#include <vector>

namespace parley::server {

class RevocationStore {
public:
    virtual ~RevocationStore() = default;

    /// Saves `revocation`, merged with a saved one of the same name (the later times win).
    virtual StoreResult<void> save(const Revocation& revocation) = 0;
    /// Those in force at `now`, oldest first; the lapsed ones are deleted.
    virtual StoreResult<std::vector<Revocation>> inForce(token::UnixSeconds now) = 0;
};

} // namespace parley::server
