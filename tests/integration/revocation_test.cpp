// Revocation over real sockets: POST /v1/revocations by identity, jti or API key closes the live
// sessions it covers with 4403, init and update_token with a covered token get 20120, a token
// issued after the revocation works, revocations survive a restart, and the REST endpoint refuses
// what it cannot take with clear codes.

#include "protocol/codes.hpp"
#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <parley/token/error.hpp>
#include <parley/token/inspect.hpp>

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>

namespace parley::testing {
namespace {

constexpr int kRevoked = static_cast<int>(token::TokenError::kRevoked);
constexpr int kRevokedClose = static_cast<int>(protocol::CloseCode::kTokenRevoked);
constexpr int kRejectedClose = static_cast<int>(protocol::CloseCode::kTokenRejected);
constexpr int kInvalidArgument = static_cast<int>(protocol::ErrorCode::kInvalidArgument);

const std::string kAuth = kTestKey.sid + ":" + kTestKey.secret;

std::string jtiOf(const std::string& jwt) {
    return token::inspect(jwt)->claims->token_id;
}

// Posts a revocation and returns its answer's body (expects 201).
Json revoke(const ServerProcess& server, const Json& body) {
    const auto answer = server.post("/v1/revocations", body.dump(), kAuth);
    EXPECT_EQ(answer.status, 201) << answer.body;
    return Json::parse(answer.body, nullptr, false);
}

std::unique_ptr<WsTestClient> connected(const ServerProcess& server, const std::string& jwt) {
    auto client = std::make_unique<WsTestClient>(server.port());
    const Json init = client->request("init", {{"token", jwt}});
    EXPECT_EQ(init["ok"], true) << init.dump();
    return client;
}

// A token of `identity` issued the second after `revoked` (the revocation's answer).
std::string issuedAfter(const std::string& identity, const Json& revoked) {
    const std::chrono::sys_seconds at{
        std::chrono::seconds{revoked["revoked_at"].get<std::int64_t>()}};
    return mintTokenAt(identity, at + 1s, 600s);
}

TEST(Revocation, ByIdentityClosesItsSessionsWith4403AndRefusesItsOldTokens) {
    ServerProcess server;
    const std::string old_token = mintToken("alice", 600s);
    auto alice = connected(server, old_token);
    auto alice_too = connected(server, mintToken("alice", 600s));
    auto bob = connected(server, mintToken("bob", 600s));

    const Json revoked = revoke(server, {{"identity", "alice"}});
    EXPECT_EQ(revoked["identity"], "alice");
    EXPECT_EQ(revoked["lapses_at"].get<std::int64_t>(),
              revoked["revoked_at"].get<std::int64_t>() + 86400);
    EXPECT_EQ(alice->waitForClose(), kRevokedClose);
    EXPECT_EQ(alice_too->waitForClose(), kRevokedClose);
    EXPECT_EQ(bob->request("ping")["ok"], true) << "another identity is not touched";

    WsTestClient again{server.port()};
    const Json refused = again.request("init", {{"token", old_token}});
    EXPECT_EQ(refused["error"]["code"], kRevoked) << refused.dump();
    EXPECT_EQ(again.waitForClose(), kRejectedClose);

    auto renewed = connected(server, issuedAfter("alice", revoked));
    EXPECT_EQ(renewed->request("ping")["ok"], true) << "a token issued after it works";
}

TEST(Revocation, ByJtiClosesOnlyThatTokensSessionAndRefusesItAtUpdateToken) {
    ServerProcess server;
    const std::string first = mintToken("alice", 600s);
    const std::string second = mintToken("alice", 600s);
    const std::string spare = mintToken("alice", 600s);
    auto on_first = connected(server, first);
    auto on_second = connected(server, second);

    revoke(server, {{"jti", jtiOf(first)}});
    revoke(server, {{"jti", jtiOf(spare)}, {"expires_at", 4'000'000'000}});
    EXPECT_EQ(on_first->waitForClose(), kRevokedClose);
    EXPECT_EQ(on_second->request("ping")["ok"], true);

    const Json update = on_second->request("update_token", {{"token", spare}});
    EXPECT_EQ(update["error"]["code"], kRevoked) << update.dump();
    EXPECT_EQ(on_second->request("ping")["ok"], true) << "the token in force stays";
    WsTestClient again{server.port()};
    EXPECT_EQ(again.request("init", {{"token", first}})["error"]["code"], kRevoked);
}

TEST(Revocation, ByApiKeyClosesEverySessionOfItsTokensAndIsListed) {
    ServerProcess server;
    auto alice = connected(server, mintToken("alice", 600s));
    auto bob = connected(server, mintToken("bob", 600s));
    const Json revoked = revoke(server, {{"api_key", kTestKey.sid}});
    EXPECT_EQ(alice->waitForClose(), kRevokedClose);
    EXPECT_EQ(bob->waitForClose(), kRevokedClose);

    const auto listed = server.get("/v1/revocations", kAuth);
    ASSERT_EQ(listed.status, 200);
    const Json page = Json::parse(listed.body);
    EXPECT_EQ(page["revocations"], Json::array({revoked}));
    EXPECT_TRUE(page["next_page_token"].is_null());
    EXPECT_EQ(server.get("/v1/revocations?page_token=bm9wZQ", kAuth).status, 400);
    auto carol = connected(server, issuedAfter("carol", revoked));
    EXPECT_EQ(carol->request("ping")["ok"], true);
}

TEST(Revocation, SurvivesARestart) {
    const auto data_dir = std::filesystem::temp_directory_path() /
                          ("parley-revocation-" + std::to_string(::getpid()));
    std::filesystem::remove_all(data_dir);
    const std::string old_token = mintToken("alice", 600s);
    {
        ServerProcess server{{}, data_dir};
        revoke(server, {{"identity", "alice"}});
        EXPECT_EQ(server.stop(SIGKILL), 128 + SIGKILL);
    }
    ServerProcess restarted{{}, data_dir};
    WsTestClient client{restarted.port()};
    EXPECT_EQ(client.request("init", {{"token", old_token}})["error"]["code"], kRevoked);
    EXPECT_EQ(Json::parse(restarted.get("/v1/revocations", kAuth).body)["revocations"].size(), 1U);
    std::filesystem::remove_all(data_dir);
}

TEST(Revocation, TheEndpointRefusesWhatItCannotTake) {
    ServerProcess server;
    EXPECT_EQ(server.post("/v1/revocations", R"({"identity":"alice"})").status, 401);
    EXPECT_EQ(
        server.post("/v1/revocations", R"({"identity":"alice"})", kTestKey.sid + ":wrong").status,
        401);
    EXPECT_EQ(server.get("/v1/revocations").status, 401);
    for (const std::string body :
         {"", "not json", "{}", R"({"identity":"a","jti":"b"})", R"({"identity":""})",
          R"({"api_key":"SK1"})", R"({"identity":"a","extra":1})",
          R"({"identity":"a","expires_at":5})"}) {
        const auto answer = server.post("/v1/revocations", body, kAuth);
        EXPECT_EQ(answer.status, 400) << body;
        const Json error = Json::parse(answer.body, nullptr, false);
        EXPECT_EQ(error["code"], kInvalidArgument) << answer.body;
        EXPECT_FALSE(error["message"].get<std::string>().empty());
    }
    const std::string big = R"({"identity":")" + std::string(5000, 'x') + R"("})";
    EXPECT_EQ(server.post("/v1/revocations", big, kAuth).status, 413);
    EXPECT_EQ(Json::parse(server.get("/v1/revocations", kAuth).body)["revocations"].size(), 0U)
        << "nothing refused was revoked";
}

} // namespace
} // namespace parley::testing
