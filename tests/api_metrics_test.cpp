// Database::stats' metrics (doc/operations.md, "What to watch") move as operations run: counts and
// latency percentiles of transactions, queries, pulls and scans (also through as-of and history
// values and failed calls), datoms per index from the statistics, and on RocksDB the block cache,
// memtable and table-file sizes per space; and `.stats all` in the `quarry` command.
#include <doctest/doctest.h>

#include <quarry/quarry.hpp>

#include <string>

#include "support/quarry_command.hpp"
#include "support/temp_path.hpp"

namespace {

using quarry::Database;
using quarry::DatabaseStats;
using quarry::IndexOrder;
using quarry::LatencySummary;
using quarry::Value;

template <class T>
T must(quarry::Result<T> r) {
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
  return std::move(*r);
}

void check_percentiles(const LatencySummary& l) {
  CHECK(l.p50_ms > 0);
  CHECK(l.p50_ms <= l.p95_ms);
  CHECK(l.p95_ms <= l.p99_ms);
  CHECK(l.p99_ms <= l.max_ms);
}

void exercise(Database& db, bool rocks) {
  DatabaseStats before = must(db.stats());
  CHECK(before.transactions.count == 0);
  CHECK(before.queries.count == 0);
  CHECK(before.spaces.size() == 11);

  must(db.declare_schema("{:name {:db/unique :db.unique/identity} :friend {:db/valueType :db.type/ref}}"));
  must(db.transact(R"([{:db/id "a" :name "Ann"} {:name "Bob" :friend "a"}])"));
  CHECK(!db.transact("[[:db/add \"x\" :name 42 :oops]]"));  // fails: counted as an error
  DatabaseStats s = must(db.stats());
  CHECK(s.transactions.count == 3);
  CHECK(s.transactions.errors == 1);
  check_percentiles(s.transactions);
  CHECK(s.eavt_datoms == s.datoms);
  CHECK(s.avet_datoms == s.datoms);
  CHECK(s.vaet_datoms >= 1);  // Bob's :friend (and built-in ref attributes' datoms, if any)
  CHECK(s.datoms > before.datoms);

  auto now = db.db();
  must(quarry::q("[:find ?n :where [_ :name ?n]]", {now}));
  must(quarry::q("[:find ?n :where [_ :name ?n]]", {now.as_of(now.basis())}));
  CHECK(!quarry::q("[:find ?n :where [_ :name ?n] [(no-such-fn ?n)]]", {now}));
  must(now.pull("[*]", Value(quarry::Vector{{Value::keyword("name"), Value("Ann")}})));
  must(now.entity(Value(quarry::Vector{{Value::keyword("name"), Value("Bob")}})));
  must(now.datoms(IndexOrder::Eavt));
  must(now.history().datoms(IndexOrder::Aevt));
  must(now.tx_range(std::nullopt, std::nullopt));
  s = must(db.stats());
  CHECK(s.queries.count == 3);
  CHECK(s.queries.errors == 1);
  CHECK(s.pulls.count == 2);
  CHECK(s.scans.count == 3);
  check_percentiles(s.queries);
  check_percentiles(s.scans);
  CHECK(s.transactions.count == 3);  // reads are not transactions

  std::uint64_t bytes = 0;
  for (const auto& space : s.spaces) bytes += space.bytes;
  CHECK(bytes == s.storage_bytes);
  if (!rocks) {
    CHECK(s.memtable_bytes == 0);
    CHECK(s.block_cache_capacity_bytes == 0);
    CHECK(!s.block_cache_automatic);
    return;
  }
  CHECK(s.memtable_bytes > 0);
  CHECK(s.block_cache_capacity_bytes == std::size_t{64} << 20);  // automatic: a small database's floor
  CHECK(s.block_cache_automatic);
  CHECK(s.background_errors == 0);
  // After a compaction the data is in table files and reads go through the block cache.
  must(db.compact());
  for (int i = 0; i < 3; ++i) must(db.db().datoms(IndexOrder::Avet));
  DatabaseStats after = must(db.stats());
  CHECK(after.sst_bytes > 0);
  CHECK(after.block_cache_hits + after.block_cache_misses > s.block_cache_hits + s.block_cache_misses);
  CHECK(after.block_cache_hits > 0);
  CHECK(after.block_cache_hit_ratio > 0);
  CHECK(after.block_cache_hit_ratio <= 1);
  CHECK(after.block_cache_usage_bytes > 0);
  bool eavt_on_disk = false;
  for (const auto& space : after.spaces)
    if (space.name == "eavt") eavt_on_disk = space.sst_bytes > 0;
  CHECK(eavt_on_disk);
  CHECK(after.scans.count == s.scans.count + 3);
}

}  // namespace

TEST_CASE("metrics move as operations run: memory store") {
  auto db = must(Database::open({.in_memory = true}));
  exercise(db, false);
}

TEST_CASE("metrics move as operations run: RocksDB store") {
  quarry::testing::TempPath dir("metrics");
  auto db = must(Database::open({.path = dir.str(), .sync_writes = false}));
  exercise(db, true);
}

TEST_CASE("stats report a given block cache size as given, not automatic") {
  quarry::testing::TempPath dir("metrics-cache");
  quarry::Options options{.path = dir.str(), .sync_writes = false};
  options.block_cache_bytes = std::size_t{24} << 20;
  auto db = must(Database::open(options));
  must(db.transact(R"([{:name "Ann"}])"));
  must(db.compact());
  DatabaseStats s = must(db.stats());
  CHECK(s.block_cache_capacity_bytes == std::size_t{24} << 20);
  CHECK(!s.block_cache_automatic);
}

TEST_CASE("quarry: .stats all shows the block cache's capacity and whether it is automatic") {
  quarry::testing::TempPath dir("metrics-repl");
  auto automatic = quarry::testing::run_quarry({dir.str() + "/auto"}, ".stats all\n");
  CHECK(automatic.status == 0);
  CHECK(automatic.out.find(":block-cache-automatic true") != std::string::npos);
  CHECK(automatic.out.find(":block-cache-capacity-bytes 67108864") != std::string::npos);
  auto given = quarry::testing::run_quarry({dir.str() + "/given", "--block-cache", "40M"}, ".stats all\n");
  CHECK(given.status == 0);
  CHECK(given.out.find(":block-cache-automatic false") != std::string::npos);
  CHECK(given.out.find(":block-cache-capacity-bytes 41943040") != std::string::npos);
  auto memory = quarry::testing::run_quarry({"--mem"}, ".stats all\n");
  CHECK(memory.out.find(":block-cache-automatic false") != std::string::npos);
}

TEST_CASE("latency percentiles follow the calls' times") {
  auto db = must(Database::open({.in_memory = true}));
  for (int i = 0; i < 200; ++i) must(db.transact("[{:n " + std::to_string(i) + "}]"));
  auto s = must(db.stats());
  CHECK(s.transactions.count == 200);
  check_percentiles(s.transactions);
}

TEST_CASE("quarry: .stats keeps its four keys; .stats all adds the metrics") {
  auto r = quarry::testing::run_quarry(
      {"--mem"}, "(transact! [{:name \"Ann\"}])\n(q [:find ?n :where [_ :name ?n]])\n.stats\n.stats all\n.stats x\n");
  auto lines = quarry::testing::lines_of(r.out);
  REQUIRE(lines.size() == 5);
  CHECK(lines[2].starts_with("{:attributes 19, :basis-tx"));
  CHECK(lines[2].find(":operations") == std::string::npos);
  CHECK(lines[3].find(":operations {:pulls {:count 0") != std::string::npos);
  CHECK(lines[3].find(":queries {:count 1, :errors 0") != std::string::npos);
  CHECK(lines[3].find(":transactions {:count 1, :errors 0") != std::string::npos);
  CHECK(lines[3].find(":indexes {:aevt ") != std::string::npos);
  CHECK(lines[3].find(":spaces {\"aevt\" {:bytes ") != std::string::npos);
  CHECK(lines[4] == "#error {:code :quarry/invalid-argument :message \"usage: .stats [all]\"}");
  CHECK(r.status == 1);
}
