#include "server/revocation.hpp"
#include "server/revocation_list.hpp"
#include "server/revocation_page.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace parley::server {
namespace {

using namespace std::chrono_literals;

const token::UnixSeconds kRevokedAt{std::chrono::seconds{1'800'000'000}};

Revocation revocation(RevocationKind kind, std::string value) {
    return Revocation{.kind = kind,
                      .value = std::move(value),
                      .revoked_at = kRevokedAt,
                      .lapses_at = kRevokedAt + 24h};
}

RevocableToken tokenIssuedAt(std::optional<token::UnixSeconds> issued_at) {
    return RevocableToken{.identity = "alice",
                          .token_id = "jti-1",
                          .issuer = "SK" + std::string(32, 'a'),
                          .issued_at = issued_at};
}

TEST(Revocation, CoversTokensIssuedAtOrBeforeItAndNotAfter) {
    const Revocation by_identity = revocation(RevocationKind::kIdentity, "alice");
    EXPECT_TRUE(covers(by_identity, tokenIssuedAt(kRevokedAt - 1s)));
    EXPECT_TRUE(covers(by_identity, tokenIssuedAt(kRevokedAt)));
    EXPECT_FALSE(covers(by_identity, tokenIssuedAt(kRevokedAt + 1s)))
        << "a token minted after the revocation works again";
}

TEST(Revocation, CoversATokenWithoutIatWhateverItsAge) {
    EXPECT_TRUE(
        covers(revocation(RevocationKind::kIdentity, "alice"), tokenIssuedAt(std::nullopt)));
}

TEST(Revocation, MatchesByIdentityJtiOrApiKeyOnly) {
    const RevocableToken token = tokenIssuedAt(kRevokedAt);
    EXPECT_TRUE(covers(revocation(RevocationKind::kTokenId, "jti-1"), token));
    EXPECT_TRUE(covers(revocation(RevocationKind::kApiKey, token.issuer), token));
    EXPECT_FALSE(covers(revocation(RevocationKind::kIdentity, "bob"), token));
    EXPECT_FALSE(covers(revocation(RevocationKind::kTokenId, "jti-2"), token));
    EXPECT_FALSE(covers(revocation(RevocationKind::kApiKey, "SK" + std::string(32, 'b')), token));
    // A name of one kind never matches the same text of another kind.
    EXPECT_FALSE(covers(revocation(RevocationKind::kTokenId, "alice"), token));
    EXPECT_FALSE(covers(revocation(RevocationKind::kIdentity, "jti-1"), token));
}

TEST(Revocation, LapsesAfterTheLongestTokenLifetimeOrTheJtisExp) {
    const token::TimePoint now{kRevokedAt + 300ms};
    const Revocation by_identity =
        revocationFor({.kind = RevocationKind::kIdentity, .value = "alice"}, now);
    EXPECT_EQ(by_identity.revoked_at, kRevokedAt) << "whole seconds, as iat";
    EXPECT_EQ(by_identity.lapses_at, kRevokedAt + 24h);
    EXPECT_FALSE(lapsed(by_identity, kRevokedAt + 24h - 1s));
    EXPECT_TRUE(lapsed(by_identity, kRevokedAt + 24h));

    const std::int64_t exp = (kRevokedAt + 10min).time_since_epoch().count();
    const Revocation by_jti =
        revocationFor({.kind = RevocationKind::kTokenId, .value = "jti-1", .expires_at = exp}, now);
    EXPECT_EQ(by_jti.lapses_at, kRevokedAt + 10min);
    const Revocation far = revocationFor(
        {.kind = RevocationKind::kTokenId, .value = "jti-1", .expires_at = exp + 2 * 86400}, now);
    EXPECT_EQ(far.lapses_at, kRevokedAt + 24h) << "no token lives longer than 24 h";
}

TEST(RevocationList, FindsTheRevocationInForceThatCoversAToken) {
    RevocationList list;
    EXPECT_TRUE(list.add(revocation(RevocationKind::kTokenId, "jti-1")));
    const auto found = list.covering(tokenIssuedAt(kRevokedAt), kRevokedAt);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->kind, RevocationKind::kTokenId);
    EXPECT_FALSE(list.covering(tokenIssuedAt(kRevokedAt + 1s), kRevokedAt + 1s));
    EXPECT_FALSE(list.covering(tokenIssuedAt(kRevokedAt), kRevokedAt + 24h)) << "lapsed";
}

TEST(RevocationList, TheSameNameAgainWidensItOnlyWhenLater) {
    RevocationList list;
    const Revocation first = revocation(RevocationKind::kIdentity, "alice");
    EXPECT_TRUE(list.add(first));
    EXPECT_FALSE(list.add(first)) << "known already: nothing to re-check";
    Revocation later = first;
    later.revoked_at += 60s;
    later.lapses_at += 60s;
    EXPECT_TRUE(list.add(later));
    EXPECT_FALSE(list.add(first)) << "an older copy changes nothing";
    EXPECT_TRUE(list.covering(tokenIssuedAt(kRevokedAt + 60s), kRevokedAt + 60s));
    EXPECT_EQ(list.inForce(kRevokedAt), std::vector<Revocation>{later});
}

TEST(RevocationList, DropsTheLapsedWhenListed) {
    RevocationList list;
    Revocation short_lived = revocation(RevocationKind::kTokenId, "jti-1");
    short_lived.lapses_at = kRevokedAt + 10s;
    Revocation newer = revocation(RevocationKind::kIdentity, "alice");
    newer.revoked_at += 1s;
    list.add(newer);
    list.add(short_lived);
    auto in_force = list.inForce(kRevokedAt + 9s);
    std::ranges::sort(in_force, {}, &Revocation::revoked_at); // inForce promises no order
    EXPECT_EQ(in_force, (std::vector<Revocation>{short_lived, newer}));
    EXPECT_EQ(list.inForce(kRevokedAt + 10s), std::vector<Revocation>{newer});
    EXPECT_TRUE(list.add(short_lived)) << "it was dropped, so it is new again";
}

TEST(RevocationPage, PagesOldestFirstEachOnceAndRefusesAForeignToken) {
    std::vector<Revocation> in_force;
    for (int i = 0; i < 5; ++i) {
        Revocation made = revocation(RevocationKind::kIdentity, "user" + std::to_string(i));
        made.revoked_at += std::chrono::seconds{i / 2}; // ties on revoked_at are ordered too
        in_force.push_back(made);
    }
    std::vector<Revocation> seen;
    std::optional<std::string> token;
    int pages = 0;
    do {
        const auto page = revocationPage(in_force, 2, token);
        ASSERT_TRUE(page);
        EXPECT_LE(page->revocations.size(), 2U);
        seen.insert(seen.end(), page->revocations.begin(), page->revocations.end());
        token = page->next_page_token;
        ++pages;
    } while (token && pages < 10);
    EXPECT_EQ(pages, 3);
    ASSERT_EQ(seen.size(), 5U);
    for (std::size_t i = 1; i < seen.size(); ++i) {
        EXPECT_LE(seen[i - 1].revoked_at, seen[i].revoked_at);
    }
    for (const Revocation& made : in_force) {
        EXPECT_EQ(std::ranges::count(seen, made), 1);
    }
    EXPECT_FALSE(revocationPage(in_force, 2, "bm9wZQ")) << "base64url of \"nope\"";
    EXPECT_FALSE(revocationPage(in_force, 2, "MXxjfENI")) << "a channel list's token";
    EXPECT_TRUE(revocationPage({}, 2, std::nullopt)->revocations.empty());
}

} // namespace
} // namespace parley::server
