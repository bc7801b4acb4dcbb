// Transaction benchmark: Quarry's transactions through the public API (quarry::Database) on the
// in-memory store and on RocksDB, next to raw RocksDB writing the same index keys in the same run.
// Prints a table; see bench/README.md ("Transactions") for figures.
//
//   bench_tx_bench [BENCH_DATA_DIR]     (default: the repository's bench/data)
//   bench_tx_bench --big-only           only the in-memory 100,000-datom transaction (to profile)
//   bench_tx_bench --range-cache-off    RocksDB without its range cache (Options::range_cache_bytes 0)
//
// Scenarios (fixed data, one thread, writes unsynced unless the row says "synced"):
//  - single-datom transactions: 20,000 × [[:db/add "p" :age N]] (a new entity each), tx/s and
//    per-transaction latency p50/p99 (transact() call to return, tx-data already read as EDN);
//    and 300 of them synced (one fsync each);
//  - one 100,000-datom transaction: 100,000 [:db/add e a v] forms (20,000 entities × 5 attributes);
//  - people20k-core.edn (20,000 maps, 100,000 datoms; schema.edn first): as one transaction, and as
//    a bulk load in transactions of 1,000 maps;
//  - raw RocksDB: for the 100,000-datom rows, the datoms Quarry committed, encoded with
//    index/key_layout into the keys Quarry writes (eavt, aevt, avet, vaet for refs, the log), in
//    the same batches, with RocksStore's options (tune_rocksdb). This is the physical limit:
//    no parsing, no tempids, no reads, no statistics.
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <quarry/quarry.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench_timing.hpp"
#include "index/key_layout.hpp"
#include "storage/rocks_tuning.hpp"

using namespace quarry;
namespace fs = std::filesystem;

namespace {

using bench::Clock;
using bench::must;
using bench::read_file;
using bench::TempDir;

double since(Clock::time_point start) { return bench::seconds_since(start); }

void header() {
  std::printf("| store       | scenario                              |     datoms/s |      tx/s |  p50 ms |  p99 ms |     time |\n");
  std::printf("|-------------|---------------------------------------|--------------|-----------|---------|---------|----------|\n");
}

void row(const char* store, const std::string& scenario, double datoms, double txs, double seconds,
         double p50 = -1, double p99 = -1) {
  char p50s[16] = "", p99s[16] = "";
  if (p50 >= 0) std::snprintf(p50s, sizeof p50s, "%.3f", p50);
  if (p99 >= 0) std::snprintf(p99s, sizeof p99s, "%.3f", p99);
  std::printf("| %-11s | %-37s | %12.0f | %9.0f | %7s | %7s | %6.3f s |\n", store, scenario.c_str(),
              datoms / seconds, txs / seconds, p50s, p99s, seconds);
  std::fflush(stdout);
}

// RocksDB's range cache (Options::range_cache_bytes): the default, or off (--range-cache-off), to
// measure what keeping the ranges transactions read costs them.
std::size_t range_cache_bytes = Options{}.range_cache_bytes;

// A fresh database of the given kind (RocksDB in its own temporary directory, unsynced).
struct Fresh {
  TempDir dir;
  Database db;
  explicit Fresh(bool rocks, bool sync = false)
      : db(must(Database::open(Options{.path = dir.path() + "/db", .in_memory = !rocks,
                                       .sync_writes = sync, .range_cache_bytes = range_cache_bytes}),
                "open")) {}
};

// Datoms committed by the measured transactions, per transaction, for the raw RocksDB rows.
using Committed = std::vector<std::vector<Datom>>;

// Raw RocksDB with RocksStore's options and Quarry's column families.
class RawRocks {
 public:
  explicit RawRocks(const std::string& path) {
    RocksOptions o;
    o.path = path;
    o.info_log = false;
    rocksdb::DBOptions db_options;
    rocksdb::ColumnFamilyOptions cf;
    must(tune_rocksdb(o, db_options, cf), "tune");
    db_options.create_if_missing = true;
    db_options.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> families{{rocksdb::kDefaultColumnFamilyName, cf}};
    names_ = keys::all_spaces();
    for (const auto& name : names_) families.emplace_back(name, cf);
    rocksdb::DB* raw = nullptr;
    check(rocksdb::DB::Open(db_options, path, families, &handles_, &raw));
    db_.reset(raw);
  }
  ~RawRocks() {
    for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
    (void)db_->Close();
  }
  rocksdb::ColumnFamilyHandle* family(std::string_view name) const {
    for (std::size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == name) return handles_[i + 1];
    std::fprintf(stderr, "no family %.*s\n", static_cast<int>(name.size()), name.data());
    std::exit(1);
  }
  // Writes the current-index and log keys of each transaction's datoms, one batch per tx. (The
  // workloads only assert; a datom goes to vaet when its value is a ref.)
  void write(const Committed& txs) {
    rocksdb::ColumnFamilyHandle* current[4] = {family(keys::kEavt), family(keys::kAevt),
                                               family(keys::kAvet), family(keys::kVaet)};
    rocksdb::ColumnFamilyHandle* log = family(keys::kLog);
    rocksdb::WriteOptions options;
    options.sync = false;
    std::string key, value;
    for (const auto& datoms : txs) {
      rocksdb::WriteBatch batch;
      std::uint64_t seq = 0;
      for (const auto& d : datoms) {
        value.clear();
        keys::append_tx(value, d.tx);
        for (int order = 0; order < 4; ++order) {
          if (order == 3 && !d.v.is<EntityId>()) continue;
          key.clear();
          must(keys::append_datom_key(key, static_cast<IndexOrder>(order), d.e, d.a, d.v), "key");
          batch.Put(current[order], key, value);
        }
        batch.Put(log, keys::log_key(d.tx, seq++), must(keys::log_value(d), "log"));
      }
      check(db_->Write(options, &batch));
    }
  }

 private:
  static void check(const rocksdb::Status& s) {
    if (!s.ok()) {
      std::fprintf(stderr, "raw rocksdb: %s\n", s.ToString().c_str());
      std::exit(1);
    }
  }
  std::vector<std::string> names_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

void raw_row(const std::string& scenario, const Committed& txs) {
  TempDir dir;
  RawRocks raw(dir.path());
  std::size_t n = 0;
  for (const auto& t : txs) n += t.size();
  auto start = Clock::now();
  raw.write(txs);
  row("raw RocksDB", scenario, static_cast<double>(n), static_cast<double>(txs.size()), since(start));
}

// Single-datom transactions: throughput and latency.
void single_datom(bool rocks, bool sync, std::size_t count) {
  Fresh f(rocks, sync);
  std::vector<Value> txs;
  txs.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    txs.push_back(must(read_edn("[[:db/add \"p\" :age " + std::to_string(i) + "]]"), "edn"));
  (void)must(f.db.transact(txs[0]), "warm-up");  // creates :age
  std::vector<double> latency;
  latency.reserve(count);
  auto start = Clock::now();
  for (std::size_t i = 1; i < count; ++i) {
    auto t0 = Clock::now();
    (void)must(f.db.transact(txs[i]), "transact");
    latency.push_back(since(t0) * 1000);
  }
  double total = since(start);
  std::sort(latency.begin(), latency.end());
  auto pct = [&](double p) { return latency[static_cast<std::size_t>(p * (latency.size() - 1))]; };
  row(rocks ? "RocksDB" : "memory", std::string("single-datom tx") + (sync ? ", synced" : ""),
      static_cast<double>(latency.size()), static_cast<double>(latency.size()), total, pct(0.5), pct(0.99));
}

// Runs `txs` (already read) on a fresh database after `setup`, one transaction each; returns the
// committed datoms for the raw rows.
Committed run_txs(bool rocks, const std::string& scenario, const std::vector<Value>& setup,
                  const std::vector<Value>& txs) {
  Fresh f(rocks);
  for (const auto& s : setup) (void)must(f.db.transact(s), "setup");
  Committed committed;
  std::size_t n = 0;
  auto start = Clock::now();
  for (const auto& t : txs) {
    auto r = must(f.db.transact(t), "transact");
    n += r.datoms.size();
    committed.push_back(std::move(r.datoms));
  }
  row(rocks ? "RocksDB" : "memory", scenario, static_cast<double>(n), static_cast<double>(txs.size()), since(start));
  return committed;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path data = QUARRY_BENCH_DATA_DIR;
  bool big_only = false;  // --big-only: just the 100,000-datom transaction (for profiling)
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--big-only") big_only = true;
    else if (std::string_view(argv[i]) == "--range-cache-off") range_cache_bytes = 0;
    else data = argv[i];
  }
  header();

  // Single-datom transactions.
  if (!big_only) {
    single_datom(false, false, 20'000);
    single_datom(true, false, 20'000);
    single_datom(true, true, 300);
  }

  // One transaction of 100,000 [:db/add e a v].
  std::vector<Value> forms;
  const char* attrs[] = {":name", ":last-name", ":sex", ":age", ":salary"};
  for (int e = 1; e <= 20'000; ++e)
    for (int a = 0; a < 5; ++a)
      forms.push_back(must(read_edn("[:db/add " + std::to_string(e) + " " + attrs[a] + " " +
                                    std::to_string(e * 7 + a) + "]"),
                           "edn"));
  std::vector<Value> one_big{Value(Vector{forms})};
  run_txs(false, "one 100,000-datom tx", {}, one_big);
  if (big_only) return 0;
  auto big = run_txs(true, "one 100,000-datom tx", {}, one_big);

  // people20k-core: schema, then all maps as one transaction, and in transactions of 1,000.
  auto start = Clock::now();
  Value schema = must(read_edn(read_file(data / "schema.edn")), "schema.edn");
  Value people = must(read_edn(read_file(data / "people20k-core.edn")), "people20k-core.edn");
  std::printf("(read people20k-core.edn as EDN: %.3f s)\n", since(start));
  std::fflush(stdout);
  std::vector<Value> setup;
  {
    // The DataScript-style schema as tx-data, through a throwaway database's declare_schema path.
    std::vector<Value> entities;
    for (const auto& [attr, props] : schema.as<Map>().entries) {
      auto entries = props.as<Map>().entries;
      entries.emplace_back(Value::keyword("db/ident"), attr);
      Map m;
      if (!make_map(std::move(entries), m)) return 1;
      entities.emplace_back(std::move(m));
    }
    setup.emplace_back(Vector{std::move(entities)});
  }
  const auto& maps = people.as<Vector>().items;
  std::vector<Value> chunks;
  for (std::size_t i = 0; i < maps.size(); i += 1000)
    chunks.emplace_back(Vector{std::vector<Value>(maps.begin() + i, maps.begin() + std::min(i + 1000, maps.size()))});
  run_txs(false, "people20k-core, 1 tx", setup, {people});
  auto people_one = run_txs(true, "people20k-core, 1 tx", setup, {people});
  run_txs(false, "people20k-core, txs of 1,000 maps", setup, chunks);
  auto people_chunks = run_txs(true, "people20k-core, txs of 1,000 maps", setup, chunks);

  raw_row("one 100,000-datom tx", big);
  raw_row("people20k-core, 1 tx", people_one);
  raw_row("people20k-core, txs of 1,000 maps", people_chunks);
  return 0;
}
