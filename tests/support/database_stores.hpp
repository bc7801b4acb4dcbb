// One public-API Database of each store kind, for tests that run the same steps on both, and a
// query helper that fails the test on an error.
#pragma once

#include <doctest/doctest.h>

#include <string_view>
#include <utility>
#include <vector>

#include <quarry/quarry.hpp>

#include "support/temp_path.hpp"

namespace quarry::testing {

// An in-memory database and a RocksDB one (unsynced writes) in a temporary directory.
struct DatabaseStores {
  TempPath dir;
  std::vector<std::pair<const char*, Database>> all;
  DatabaseStores() {
    auto memory = Database::open(Options{.in_memory = true});
    REQUIRE(memory.has_value());
    all.emplace_back("memory", std::move(*memory));
    auto rocks = Database::open(Options{.path = dir.str(), .sync_writes = false});
    REQUIRE_MESSAGE(rocks.has_value(), (rocks ? "" : rocks.error().to_edn()));
    all.emplace_back("rocksdb", std::move(*rocks));
  }
};

// The value of a query on the database's current value.
inline Value query_value(const Database& db, std::string_view text) {
  auto r = q(text, {db.db()});
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
  return r->value;
}

}  // namespace quarry::testing
