// Options and results of Database::import: loading a file of EDN tx-data, CSV or JSON Lines in
// a stream of transactions (doc/transactions.md, "Importing").
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "quarry/value.hpp"

namespace quarry {

// Where an import stands, after each committed transaction (ImportOptions::progress).
struct ImportProgress {
  std::uint64_t bytes_read = 0;    // of the input, so far
  std::uint64_t bytes_total = 0;   // the input's size; 0 when it is not known (a pipe)
  std::uint64_t transactions = 0;  // committed so far
  std::uint64_t datoms = 0;        // written by them (the :db/txInstant datoms included)
  std::uint64_t operations = 0;    // forms of tx-data committed ([:db/add ...], maps, ...)
};

struct ImportOptions {
  // Operations per transaction when a top-level vector is longer than this and is cut into
  // several transactions; also how far the reader reads ahead of the writer. At least 1.
  std::size_t batch_size = 10'000;
  // Checked before each transaction: once set, the import stops with :query/cancelled; the
  // transactions committed before stay.
  const std::atomic<bool>* cancel = nullptr;
  // Called after each committed transaction, on the importing thread.
  std::function<void(const ImportProgress&)> progress{};

  // The bulk path (doc/transactions.md, "Importing"): transactions are prepared as usual but their
  // index entries are sorted (spilling to files in the database directory) and added to RocksDB as
  // table files in one step, instead of going through the write-ahead log and memtables. The
  // database it gives is the one the ordinary path gives. Auto: used for a file of at least
  // kBulkMinBytes imported into a RocksDB database with no listener registered. Always: used
  // whatever the size (InvalidArgument for an in-memory database, or with listeners). Never: the
  // ordinary path. While a bulk import runs, other transactions of the database wait for its end.
  enum class Bulk : unsigned char { Auto, Always, Never };
  static constexpr std::uint64_t kBulkMinBytes = std::uint64_t{1} << 20;
  Bulk bulk = Bulk::Auto;
  // Memory the bulk path sorts in, in two halves: when one is full its entries are sorted and
  // spilled to disk as a run on a thread of their own while the other fills.
  std::size_t bulk_memory_bytes = std::size_t{256} << 20;
  // After this many writes of fewer than kBulkSmallWriteDatoms pending datoms, forced by
  // transactions that needed to read them, the rest of the file takes the ordinary path (the data
  // keeps reading what it just wrote, and each write adds small table files). 0: never.
  static constexpr std::uint64_t kBulkSmallWriteDatoms = 50'000;
  std::size_t bulk_max_small_writes = 4;

  // What the input holds (doc/transactions.md, "Importing CSV and JSON Lines"): EDN tx-data; CSV
  // whose header row names attributes, one entity per row; or JSON Lines, one JSON object per
  // line, one entity each. CSV and JSON Lines values are typed by the schema as it is when the
  // import starts. Auto: by the file name's (or the stream's name's) extension, in any case —
  // .csv is CSV, .jsonl and .ndjson are JSON Lines, anything else EDN.
  enum class Format : unsigned char { Auto, Edn, Csv, JsonLines };
  Format format = Format::Auto;
  // CSV: what separates the fields of a record: a comma (RFC 4180), or another single byte such
  // as '\t' (tab-separated values) or ';' (doc/transactions.md, "Importing CSV and JSON Lines").
  // Quoting works as with commas: a field in double quotes may hold the separator. A quote, a
  // backslash, a line break, '\0', or the value separator below is refused (InvalidArgument)
  // before anything is read.
  char csv_separator = ',';
  // CSV: what separates the values of one cell (doc/transactions.md, "Importing CSV and JSON
  // Lines"): a cell of a cardinality-many column holds one or more values, "admin|user"; in any
  // cell a backslash before the separator or another backslash stands for that character
  // ("a\|b" is the one value "a|b"); several values in a cardinality-one column are an error.
  // '\0': none, every cell is one value taken as written. The field separator (csv_separator), a
  // quote, a backslash or a line break is refused (InvalidArgument).
  char csv_value_separator = '|';
};

struct ImportSummary {
  std::uint64_t transactions = 0;
  std::uint64_t datoms = 0;      // written (the :db/txInstant datoms included)
  std::uint64_t operations = 0;  // tx-data forms committed (a reference held back counts again where it goes)
  std::uint64_t forms = 0;       // top-level vectors of the file
  double seconds = 0;
  // What bounds the importer's memory, for tests and benchmarks: the most forms of the file held
  // at once (read ahead and queued, plus the transaction being committed: at most 3 x batch_size
  // + 1, unless one vector that names its transaction is longer), the most forms in one
  // transaction, the tempids remembered for the whole file (one entry per distinct tempid), and
  // the most references to tempids not given an attribute yet that were held back for a later
  // transaction (doc/transactions.md, "Importing": forward references).
  std::uint64_t max_held_operations = 0;
  std::uint64_t max_transaction_operations = 0;
  std::uint64_t tempids = 0;
  std::uint64_t max_waiting_references = 0;
  // The bulk path: whether it was used; the transactions and datoms that went through it; how
  // many times its pending entries were added to the store (once at the end, plus once before each
  // transaction that needed to read them); sorted runs spilled to disk at most before one of
  // those; the most bytes of entries held for sorting.
  bool bulk = false;
  std::uint64_t bulk_transactions = 0;
  std::uint64_t bulk_datoms = 0;
  std::uint64_t bulk_ingests = 0;
  std::uint64_t bulk_runs = 0;
  std::uint64_t bulk_max_sort_bytes = 0;
};

}  // namespace quarry
