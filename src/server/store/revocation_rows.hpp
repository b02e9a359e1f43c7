#pragma once

// How both RevocationStores keep a revocation in a row: its kind by its wire field name
// ("identity", "jti", "api_key", which the tables' CHECK constraints list) and its times as
// whole unix seconds. Private to the stores.

#include "server/revocation.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace parley::server {

/// The kind a row's `kind` column names; nullopt for one this build does not know.
inline std::optional<RevocationKind> revocationKindNamed(std::string_view name) {
    for (const auto kind :
         {RevocationKind::kIdentity, RevocationKind::kTokenId, RevocationKind::kApiKey}) {
        if (protocol::revocationField(kind) == name) {
            return kind;
        }
    }
    return std::nullopt;
}

inline std::int64_t storedSeconds(token::UnixSeconds time) {
    return time.time_since_epoch().count();
}

inline token::UnixSeconds fromStoredSeconds(std::int64_t seconds) {
    return token::UnixSeconds{std::chrono::seconds{seconds}};
}

} // namespace parley::server
