// Importing a file into a fresh RocksDB database and reading back every space of its store, for
// the tests that compare the import's bulk path with the ordinary one key for key.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <quarry/quarry.hpp>

#include "index/key_layout.hpp"
#include "storage/rocks_store.hpp"
#include "support/temp_path.hpp"
#include "support/tx_harness.hpp"

namespace quarry::testing {

using StoreDump = std::vector<std::pair<std::string, std::string>>;

struct ImportOutcome {
  Result<ImportSummary> result;
  StoreDump dump;
  std::uint64_t range_cache_reads = 0;  // ranges the import read into the range cache (it should not)
};

// Imports `text` (written to a file) into a RocksDB database at `dir`, which `setup` may fill
// first, and dumps every space of the store after closing it.
inline ImportOutcome import_into(const TempPath& dir, const std::string& text, const ImportOptions& options,
                                 const std::vector<std::string>& setup = {}) {
  const std::string file = dir.str() + ".edn";
  { std::ofstream(file) << text; }
  Result<ImportSummary> result = fail(ErrorCode::Internal, "not run");
  std::uint64_t reads = 0;
  {
    auto db = Database::open(Options{.path = dir.str(), .sync_writes = false, .clock = fixed_clock});
    REQUIRE_MESSAGE(db.has_value(), (db ? "" : db.error().to_edn()));
    for (const std::string& tx : setup) {
      auto r = db->transact(tx);
      REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
    }
    const std::uint64_t reads_before = db->stats()->range_cache_reads;
    result = db->import(file, options);
    reads = db->stats()->range_cache_reads - reads_before;
  }
  std::filesystem::remove(file);
  RocksOptions rocks;
  rocks.path = dir.str();
  rocks.info_log = false;
  auto store = RocksStore::open(rocks, keys::all_spaces());
  REQUIRE_MESSAGE(store.has_value(), (store ? "" : store.error().to_edn()));
  return ImportOutcome{std::move(result), dump_store(**store), reads};
}

}  // namespace quarry::testing
