#include "server/backends.hpp"
#include "server/store/postgres_store.hpp"
#include "temp_directory.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace parley::server {
namespace {

std::string storeError(const std::string& spec) {
    auto store = openStore(spec, "/nonexistent-parley-data");
    EXPECT_FALSE(store) << spec;
    return store ? std::string{} : store.error();
}

TEST(OpenStore, AnUnknownSchemeNamesBothFormsItAccepts) {
    const std::string error = storeError("mysql://root@localhost/parley");
    EXPECT_NE(error.find("unknown store"), std::string::npos) << error;
    EXPECT_NE(error.find("sqlite:DIR"), std::string::npos) << error;
    EXPECT_NE(error.find("postgresql://USER@HOST:PORT/DB"), std::string::npos) << error;
}

TEST(OpenStore, AMalformedPostgresUrlIsRefusedBeforeConnecting) {
    for (const std::string url :
         {"postgresql://parley@db.example:port/chat", "postgresql://parley@db.example:0/chat",
          "postgresql://parley@db.example:70000/chat",
          "postgresql://parley@db.example:5432/chat?nosuchoption=1",
          "postgresql://parley@[::1/chat"}) {
        const std::string error = storeError(url);
        EXPECT_NE(error.find("invalid PostgreSQL URL"), std::string::npos) << url << ": " << error;
        EXPECT_NE(error.find("expected postgresql://USER@HOST:PORT/DB"), std::string::npos)
            << error;
    }
}

TEST(OpenStore, AnUnreachablePostgresIsAStartupErrorThatSaysSo) {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const std::string error = storeError("postgresql://parley@127.0.0.1:1/chat");
    EXPECT_NE(error.find("cannot connect to PostgreSQL"), std::string::npos) << error;
}

TEST(CheckPostgresUrl, AcceptsTheDocumentedFormsAndNeverEchoesAPassword) {
    EXPECT_TRUE(checkPostgresUrl("postgresql://parley@db.example:5432/chat"));
    EXPECT_TRUE(checkPostgresUrl("postgres://parley@127.0.0.1/chat"));
    EXPECT_TRUE(checkPostgresUrl("postgresql://parley:secret@db1:5432,db2:5433/chat"));
    EXPECT_TRUE(checkPostgresUrl("postgresql://parley@%2Fvar%2Frun%2Fpostgresql/chat"));
    const auto bad = checkPostgresUrl("postgresql://parley:hunter2@db:x/chat");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().find("hunter2"), std::string::npos) << bad.error();
    EXPECT_FALSE(checkPostgresUrl("sqlite:/tmp"));
}

TEST(OpenRevocationStore, NextToSqliteTheyAreThisNodesOwnInItsDataDirectory) {
    const parley::testing::TempDirectory temp{"parley-backends"};
    const std::filesystem::path& data = temp.path();
    for (const std::string& spec : {std::string{}, "sqlite:" + (data / "chat").string()}) {
        const auto store = openRevocationStore(spec, data / "node");
        ASSERT_TRUE(store) << store.error();
        EXPECT_FALSE((*store)->sharedByNodes()) << spec;
    }
    EXPECT_TRUE(std::filesystem::exists(data / "node" / "revocations.db"));
}

TEST(OpenRevocationStore, NextToPostgresTheyAreInTheSameDatabase) {
    // Port 1 on loopback: nothing listens there; the error says it was the revocations' store.
    const auto store =
        openRevocationStore("postgresql://parley@127.0.0.1:1/chat", "/nonexistent-parley-data");
    ASSERT_FALSE(store);
    EXPECT_NE(store.error().find("--store (revocations): cannot connect to PostgreSQL"),
              std::string::npos)
        << store.error();
}

} // namespace
} // namespace parley::server
