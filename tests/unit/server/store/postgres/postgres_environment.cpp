// Registers the shared PostgreSQL server of postgres_store_tests, so it is stopped after the last
// test (it starts on first use).

#include "postgres_environment.hpp"

#include <gtest/gtest.h>

namespace {

[[maybe_unused]] ::testing::Environment* const kPostgres =
    ::testing::AddGlobalTestEnvironment(new parley::testing::PostgresEnvironment);

} // namespace
