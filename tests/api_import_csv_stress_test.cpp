// A CSV file far larger than a batch (label `stress`): 400,000 rows with a tempid each and a ref
// column naming an earlier row by tempid, imported into RocksDB through both paths. Memory is
// bounded by the importer's own counters — the forms held at once stay under 3 × batch_size + 1
// whatever the file's size, the transactions are the rows cut into batches — and every row and
// reference arrives. Peak RSS is printed for the record, not checked (RocksDB's memtables and the
// bulk path's sort buffer are most of it). QUARRY_CSV_ROWS sets the number of rows.
#include <doctest/doctest.h>

#include <quarry/quarry.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/temp_path.hpp"

namespace {

using quarry::Database;
using quarry::ImportOptions;
using quarry::Options;
using quarry::Value;
using quarry::testing::TempPath;

long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with("VmHWM:")) return std::stol(line.substr(6));
  return -1;
}

Value query(const Database& db, std::string_view text) {
  auto r = quarry::q(text, {db.db()});
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
  return r->value;
}

}  // namespace

TEST_CASE("a CSV file of 400,000 rows streams in transactions of a batch, through both paths") {
  const char* env = std::getenv("QUARRY_CSV_ROWS");
  const std::int64_t rows = env ? std::atoll(env) : 400'000;
  constexpr std::size_t kBatch = 2'000;
  TempPath files;
  std::filesystem::create_directories(files.str());
  const std::string path = files.str() + "/people.csv";
  {
    std::ofstream out(path);
    out << "db/id,person/name,person/age,person/email,person/boss\n";
    for (std::int64_t i = 0; i < rows; ++i) {
      out << 'p' << i << ",Person " << i << ',' << i % 97 << ",p" << i << "@example.org,";
      if (i > 0) out << 'p' << i / 3;
      out << '\n';
    }
  }
  const auto bytes = std::filesystem::file_size(path);
  for (auto bulk : {ImportOptions::Bulk::Always, ImportOptions::Bulk::Never}) {
    CAPTURE(std::string(bulk == ImportOptions::Bulk::Always ? "bulk" : "ordinary"));
    TempPath dir;
    auto db = Database::open(Options{.path = dir.str(), .sync_writes = false});
    REQUIRE(db.has_value());
    REQUIRE(db->declare_schema(R"({:person/name {:db/valueType :db.type/string :db/unique :db.unique/identity}
                                   :person/age {:db/valueType :db.type/long}
                                   :person/email {:db/valueType :db.type/string}
                                   :person/boss {:db/valueType :db.type/ref}})")
                .has_value());
    const long rss_before = peak_rss_kib();
    auto r = db->import(path, ImportOptions{.batch_size = kBatch, .bulk = bulk, .bulk_memory_bytes = 32u << 20});
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
    MESSAGE("rows " << rows << ", file " << bytes / 1024 << " KiB, transactions " << r->transactions << ", max held forms "
                    << r->max_held_operations << ", tempids " << r->tempids << ", bulk transactions "
                    << r->bulk_transactions << ", sort runs spilled " << r->bulk_runs << ", peak RSS "
                    << rss_before / 1024 << " -> " << peak_rss_kib() / 1024 << " MiB (process, both runs)");
    CHECK(r->transactions == static_cast<std::uint64_t>((rows + kBatch - 1) / kBatch));
    CHECK(r->max_held_operations <= 3 * kBatch + 1);
    CHECK(r->max_transaction_operations == kBatch);
    CHECK(r->tempids == static_cast<std::uint64_t>(rows));
    CHECK(r->datoms == static_cast<std::uint64_t>(rows * 4 - 1 + r->transactions));
    CHECK(query(*db, "[:find (count ?p) . :where [?p :person/name]]") == Value(rows));
    CHECK(query(*db, "[:find (count ?p) . :where [?p :person/boss]]") == Value(rows - 1));
    const std::string last = "Person " + std::to_string(rows - 1);
    const std::string boss = "Person " + std::to_string((rows - 1) / 3);
    CHECK(query(*db, "[:find ?b . :where [?p :person/name \"" + last + "\"] [?p :person/boss ?x] [?x :person/name ?b]]") ==
          Value(boss));
  }
}
