#pragma once

// Where the revocations in force are kept, so they survive a restart: a small interface of its
// own, apart from Store (channels, members, messages). Two kinds: one a node keeps for itself
// (SQLite, revocations.db in its data directory), where it saves what it revokes and what reaches
// it from the other nodes through the broker; and one every node shares (PostgreSQL, next to the
// chat store), which a node reads again to learn what the broker failed to bring it.

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
    /// True when every node reads and writes the same revocations (so what another node saved
    /// is here to be read); false when this node's alone.
    virtual bool sharedByNodes() const { return false; }
};

} // namespace parley::server
