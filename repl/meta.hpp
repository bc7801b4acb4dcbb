// The dot commands of the `quarry` command that read the database: .help, .schema, .stats.
#pragma once

#include <string>

#include <quarry/quarry.hpp>

namespace quarry::repl {

// The text of .help (several lines, ending with '\n').
[[nodiscard]] std::string help_text();

// {ATTR {:db/valueType ... :db/cardinality ...}} for every attribute that is not a system one.
[[nodiscard]] Result<Value> schema_summary(const Db& db);

// {:basis-tx T :datoms N :attributes N :storage-bytes B}: counts from the index statistics (no
// scan) and the store's size (an estimate for RocksDB).
[[nodiscard]] Result<Value> stats_summary(const Database& database);

// `.stats all`: everything Database::stats gives, as one EDN map —
//   {:attributes N :basis-tx T :datoms N :storage-bytes B
//    :indexes {:eavt N :aevt N :avet N :vaet N}
//    :operations {:transactions {:count N :errors N :p50-ms X :p95-ms X :p99-ms X :max-ms X}
//                 :queries {…} :pulls {…} :scans {…}}
//    :storage {:block-cache-hits N :block-cache-misses N :block-cache-hit-ratio X
//              :block-cache-usage-bytes B :block-cache-capacity-bytes B
//              :block-cache-automatic BOOL :memtable-bytes B
//              :sst-bytes B :pending-compaction-bytes B :write-stall-micros N :background-errors N
//              :range-cache-hits N :range-cache-reads N :range-cache-admitted N :range-cache-evicted N
//              :range-cache-invalidated N :range-cache-usage-bytes B :range-cache-capacity-bytes B}
//    :spaces {"eavt" {:bytes B :memtable-bytes B :sst-bytes B} …}}
// (milliseconds as doubles rounded to 3 decimals).
[[nodiscard]] Result<Value> stats_all(const Database& database);

// The same figures as a two-column text table (interactive mode), ending with '\n'.
[[nodiscard]] Result<std::string> stats_table(const Database& database);

}  // namespace quarry::repl
