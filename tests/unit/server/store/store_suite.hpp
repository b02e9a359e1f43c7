#pragma once

// The typed Store conformance suite's fixture: every implementation of Store runs the same tests
// (store_test.cpp, store_paging_test.cpp). A new implementation adds a StoreTraits and joins
// Implementations.
//
// The PostgreSQL store runs the same files in a test binary of its own (postgres_store_tests,
// built with PARLEY_STORE_SUITE_POSTGRES), which starts one throwaway PostgreSQL server for all
// of them; server_unit_tests runs them on SQLite and needs no database server.

#include "server/store/sqlite_store.hpp"
#include "server/store/store.hpp"
#include "temp_directory.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#ifdef PARLEY_STORE_SUITE_POSTGRES
#include "postgres_environment.hpp"
#include "server/store/postgres_store.hpp"
#endif

namespace parley::server::testing {

// How the typed suite gets a fresh, empty store of one implementation and reopens the same one.
template <typename Implementation> struct StoreTraits;

template <> struct StoreTraits<SqliteStore> {

    /// Opens the test's store; a second call after the first is destroyed reopens the same data.
    std::unique_ptr<Store> open() const {
        auto store = SqliteStore::open(directory / "parley.db");
        if (!store) {
            ADD_FAILURE() << store.error();
            return nullptr;
        }
        return std::move(*store);
    }

    parley::testing::TempDirectory directory{"parley-store"};
};

#ifdef PARLEY_STORE_SUITE_POSTGRES
// A scratch database on the binary's shared server, dropped when the test is done.
template <> struct StoreTraits<PostgresStore> {
    StoreTraits() { server().createDatabase(database); }
    ~StoreTraits() {
        try {
            server().dropDatabase(database);
        } catch (const std::exception& error) {
            ADD_FAILURE() << error.what();
        }
    }
    StoreTraits(const StoreTraits&) = delete;
    StoreTraits& operator=(const StoreTraits&) = delete;

    static parley::testing::PostgresServer& server() {
        return parley::testing::PostgresEnvironment::server();
    }

    std::unique_ptr<Store> open() const {
        auto store = PostgresStore::open(server().url(database));
        if (!store) {
            ADD_FAILURE() << store.error();
            return nullptr;
        }
        return std::move(*store);
    }

    std::string database = parley::testing::PostgresEnvironment::freshDatabaseName();
};
#endif

inline std::string makeTestSid(std::string_view prefix) {
    static std::atomic<unsigned long long> counter{0};
    std::array<char, 33> digits{};
    std::snprintf(digits.data(), digits.size(), "%032llx", ++counter);
    return std::string{prefix} + digits.data();
}

inline UnixMillis at(std::chrono::milliseconds since_start) {
    return UnixMillis{std::chrono::milliseconds{1'700'000'000'000} + since_start};
}

inline std::vector<std::int64_t> indexesOf(const std::vector<Message>& messages) {
    std::vector<std::int64_t> indexes;
    indexes.reserve(messages.size());
    for (const Message& message : messages) {
        indexes.push_back(message.index);
    }
    return indexes;
}

/// Concurrent writers: `seen` holds the indexes each writer got, in the order it got them. Each
/// writer's must rise, and together they must be 0..total-1, each once.
inline void
expectEachWriterInOrderAndEveryIndexOnce(const std::vector<std::vector<std::int64_t>>& seen,
                                         std::size_t total) {
    std::vector<std::int64_t> all;
    for (const auto& own : seen) {
        EXPECT_TRUE(std::ranges::is_sorted(own)) << "one writer's indexes went backwards";
        all.insert(all.end(), own.begin(), own.end());
    }
    std::ranges::sort(all);
    std::vector<std::int64_t> expected(total);
    std::iota(expected.begin(), expected.end(), 0);
    EXPECT_EQ(all, expected);
}

inline std::vector<std::string> identitiesOf(const std::vector<Member>& members) {
    std::vector<std::string> identities;
    identities.reserve(members.size());
    for (const Member& member : members) {
        identities.push_back(member.identity);
    }
    return identities;
}

inline std::vector<std::string> uniqueNamesOf(const std::vector<Channel>& channels) {
    std::vector<std::string> names;
    names.reserve(channels.size());
    for (const Channel& channel : channels) {
        names.push_back(channel.unique_name);
    }
    return names;
}

template <typename Implementation> class StoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = traits_.open();
        ASSERT_NE(store_, nullptr);
    }

    Store& store() { return *store_; }

    /// Closes the store and opens the same data again, as a restarted server would.
    void reopen() {
        store_.reset();
        store_ = traits_.open();
        ASSERT_NE(store_, nullptr);
    }

    NewChannel newChannel(std::string unique_name, ChannelType type = ChannelType::kPublic,
                          std::string creator = "alice") {
        return NewChannel{.sid = makeTestSid("CH"),
                          .unique_name = std::move(unique_name),
                          .friendly_name = "Friendly",
                          .type = type,
                          .created_by = std::move(creator),
                          .now = at(++clock_ * std::chrono::seconds{1})};
    }

    /// Creates a channel; a failure throws bad_expected_access, which fails the test.
    Channel create(std::string unique_name, ChannelType type = ChannelType::kPublic,
                   std::string creator = "alice") {
        return store_->createChannel(newChannel(std::move(unique_name), type, std::move(creator)))
            .value();
    }

    Message append(const Channel& channel, std::string body = "hello",
                   std::string author = "alice") {
        return store_
            ->appendMessage(NewMessage{.sid = makeTestSid("IM"),
                                       .channel_sid = channel.sid,
                                       .author = std::move(author),
                                       .body = std::move(body),
                                       .now = at(++clock_ * std::chrono::seconds{1})})
            .value();
    }

    /// The whole channel list `identity` sees, in one page.
    std::vector<Channel> listAll(std::optional<std::string_view> identity) {
        return store_->listChannels(identity, {.limit = 100000}).value().channels;
    }

    std::vector<std::int64_t> page(const Channel& channel, HistoryQuery query) {
        return indexesOf(store_->history(channel.sid, query).value());
    }

    StoreTraits<Implementation> traits_;
    std::unique_ptr<Store> store_;
    long clock_ = 0;
};

#ifdef PARLEY_STORE_SUITE_POSTGRES
using Implementations = ::testing::Types<PostgresStore>;
#else
using Implementations = ::testing::Types<SqliteStore>;
#endif

} // namespace parley::server::testing
