#pragma once

// Paging of `GET /v1/revocations` (docs/protocol.md, "Paging"): the revocations in force, oldest
// first, a page at a time. The page_token names a position (the last item's revoked_at, kind and
// a hash of its name, since a name may be longer than a page_token may be), never an offset, so
// a revocation that lapses or is added meanwhile neither skips nor repeats another.

#include "server/revocation.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace parley::server {

struct RevocationPage {
    std::vector<Revocation> revocations;
    /// Null on the last page.
    std::optional<std::string> next_page_token;
};

/// The page of `in_force` that follows `page_token` (the first page without one), of at most
/// `page_size` items. nullopt when `page_token` is not one this server gave for this list.
std::optional<RevocationPage> revocationPage(std::vector<Revocation> in_force,
                                             std::size_t page_size,
                                             const std::optional<std::string>& page_token);

} // namespace parley::server
