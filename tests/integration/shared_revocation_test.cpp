// Revocations on nodes that share a PostgreSQL store but no broker (each `--broker memory`, as
// when Redis is down or has lost the event): the revocations live in the shared database, and
// every node reads them again on a timer, so a revocation POSTed on one node closes the sessions
// it covers on another (4403) and is refused there at init (20120). A node started after the
// revocation, with an empty data directory, refuses the revoked token from the start.

#include "postgres_server.hpp"
#include "protocol/codes.hpp"
#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <parley/token/error.hpp>
#include <parley/token/inspect.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace parley::testing {
namespace {

constexpr int kRevoked = static_cast<int>(token::TokenError::kRevoked);
constexpr int kRevokedClose = static_cast<int>(protocol::CloseCode::kTokenRevoked);

const std::string kAuth = kTestKey.sid + ":" + kTestKey.secret;

// A node on the shared database with a broker of its own: nothing reaches it from the others.
std::vector<std::string> nodeFlags(const PostgresServer& postgres) {
    return {"--store", postgres.url("chat"), "--broker", "memory"};
}

Json initOn(const ServerProcess& node, const std::string& jwt) {
    WsTestClient client{node.port()};
    return client.request("init", {{"token", jwt}});
}

TEST(SharedRevocations, ARevocationPostedOnOneNodeIsEnforcedOnAnotherWithoutABroker) {
    PostgresServer postgres;
    postgres.createDatabase("chat");
    ServerProcess node_a{nodeFlags(postgres)};
    ServerProcess node_b{nodeFlags(postgres)};
    const std::string old_token = mintToken("alice", 600s);
    WsTestClient alice_on_b{node_b.port()};
    ASSERT_EQ(alice_on_b.request("init", {{"token", old_token}})["ok"], true);
    WsTestClient bob_on_b{node_b.port()};
    ASSERT_EQ(bob_on_b.request("init", {{"token", mintToken("bob", 600s)}})["ok"], true);

    const auto answer = node_a.post("/v1/revocations", R"({"identity":"alice"})", kAuth);
    ASSERT_EQ(answer.status, 201) << answer.body;
    // The deadline only fails the wait: node B reads the store every 500 ms.
    EXPECT_EQ(alice_on_b.waitForClose(10s), kRevokedClose) << "B learnt it from the store";
    EXPECT_EQ(initOn(node_b, old_token)["error"]["code"], kRevoked);
    EXPECT_EQ(bob_on_b.request("ping")["ok"], true) << "another identity is not touched";
    const Json listed = Json::parse(node_b.get("/v1/revocations", kAuth).body);
    EXPECT_EQ(listed["revocations"], Json::array({Json::parse(answer.body)}));
}

TEST(SharedRevocations, ANodeStartedAfterTheRevocationRefusesTheRevokedToken) {
    PostgresServer postgres;
    postgres.createDatabase("chat");
    const std::string revoked_token = mintToken("alice", 600s);
    const std::string other_token = mintToken("alice", 600s);
    {
        ServerProcess node_a{nodeFlags(postgres)};
        const Json body{{"jti", token::inspect(revoked_token)->claims->token_id}};
        ASSERT_EQ(node_a.post("/v1/revocations", body.dump(), kAuth).status, 201);
    }
    ServerProcess later{nodeFlags(postgres)}; // a fresh data directory: no revocations.db
    EXPECT_EQ(initOn(later, revoked_token)["error"]["code"], kRevoked);
    EXPECT_EQ(initOn(later, other_token)["ok"], true) << "only the jti revoked";
    EXPECT_FALSE(std::filesystem::exists(later.dataDir() / "revocations.db"))
        << "kept in PostgreSQL, not in the node's data directory";
}

} // namespace
} // namespace parley::testing
