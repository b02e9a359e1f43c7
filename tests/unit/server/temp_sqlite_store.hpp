#pragma once

// A SqliteStore in a fresh temporary directory, removed again when the test is done: the real
// store for tests of the parts above it.

#include "server/store/sqlite_store.hpp"
#include "temp_directory.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

namespace parley::server {

class TempSqliteStore {
public:
    explicit TempSqliteStore(const std::string& name = "parley-test") : directory_(name) {
        auto opened = SqliteStore::open(file());
        if (!opened) {
            ADD_FAILURE() << opened.error();
            return;
        }
        store_ = std::move(*opened);
    }
    ~TempSqliteStore() { store_.reset(); } // before its directory goes
    TempSqliteStore(const TempSqliteStore&) = delete;
    TempSqliteStore& operator=(const TempSqliteStore&) = delete;

    SqliteStore& operator*() { return *store_; }
    SqliteStore* operator->() { return store_.get(); }
    /// The database file, for a test that opens a connection of its own.
    std::filesystem::path file() const { return directory_ / "parley.db"; }

private:
    parley::testing::TempDirectory directory_;
    std::unique_ptr<SqliteStore> store_;
};

} // namespace parley::server
