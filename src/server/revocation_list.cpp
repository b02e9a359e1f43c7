#include "server/revocation_list.hpp"

#include <array>

namespace parley::server {

bool RevocationList::add(const Revocation& revocation) {
    const std::lock_guard lock{mutex_};
    auto [held, inserted] =
        revocations_.try_emplace(Key{revocation.kind, revocation.value}, revocation);
    if (inserted) {
        return true;
    }
    const Revocation widened = merged(held->second, revocation);
    if (widened == held->second) {
        return false;
    }
    held->second = widened;
    return true;
}

std::optional<Revocation> RevocationList::covering(const RevocableToken& token,
                                                   token::UnixSeconds now) const {
    const std::array<Key, 3> names = {Key{RevocationKind::kIdentity, token.identity},
                                      Key{RevocationKind::kTokenId, token.token_id},
                                      Key{RevocationKind::kApiKey, token.issuer}};
    const std::lock_guard lock{mutex_};
    for (const Key& name : names) {
        const auto found = revocations_.find(name);
        if (found != revocations_.end() && !lapsed(found->second, now) &&
            covers(found->second, token)) {
            return found->second;
        }
    }
    return std::nullopt;
}

std::vector<Revocation> RevocationList::inForce(token::UnixSeconds now) {
    std::vector<Revocation> result;
    {
        const std::lock_guard lock{mutex_};
        std::erase_if(revocations_, [now](const auto& entry) { return lapsed(entry.second, now); });
        result.reserve(revocations_.size());
        for (const auto& [key, revocation] : revocations_) {
            result.push_back(revocation);
        }
    }
    return result; // in no particular order: revocationPage orders what it lists
}

} // namespace parley::server
