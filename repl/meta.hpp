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

}  // namespace quarry::repl
