#pragma once

// A SqliteStore in a fresh temporary directory, removed again when the test is done: the real
// store for tests of the parts above it.

#include "server/store/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

namespace parley::server {

class TempSqliteStore {
public:
    explicit TempSqliteStore(const std::string& name = "parley-test") {
        std::string pattern = std::filesystem::temp_directory_path() / (name + "-XXXXXX");
        if (mkdtemp(pattern.data()) == nullptr) {
            ADD_FAILURE() << "mkdtemp failed";
            return;
        }
        directory_ = pattern;
        auto opened = SqliteStore::open(directory_ / "parley.db");
        if (!opened) {
            ADD_FAILURE() << opened.error();
            return;
        }
        store_ = std::move(*opened);
    }
    ~TempSqliteStore() {
        store_.reset();
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
    }
    TempSqliteStore(const TempSqliteStore&) = delete;
    TempSqliteStore& operator=(const TempSqliteStore&) = delete;

    SqliteStore& operator*() { return *store_; }
    SqliteStore* operator->() { return store_.get(); }
    /// The database file, for a test that opens a connection of its own.
    std::filesystem::path file() const { return directory_ / "parley.db"; }

private:
    std::filesystem::path directory_;
    std::unique_ptr<SqliteStore> store_;
};

} // namespace parley::server
