#pragma once

// A fresh directory under the system's temporary directory, removed with everything in it when the
// test is done: for tests that open real files (SQLite databases, state directories). Shared by
// the unit and integration tests.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace parley::testing {

class TempDirectory {
public:
    explicit TempDirectory(const std::string& name = "parley-test") {
        std::string pattern = std::filesystem::temp_directory_path() / (name + "-XXXXXX");
        if (mkdtemp(pattern.data()) == nullptr) {
            ADD_FAILURE() << "mkdtemp failed for " << pattern;
            return;
        }
        path_ = pattern;
    }
    ~TempDirectory() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDirectory(const TempDirectory&) = delete;
    TempDirectory& operator=(const TempDirectory&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::filesystem::path& name) const {
        return path_ / name;
    }

private:
    std::filesystem::path path_;
};

} // namespace parley::testing
