// Options and results of Database::import: loading a file of EDN tx-data in a stream of
// transactions (doc/transactions.md, "Importing").
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
};

struct ImportSummary {
  std::uint64_t transactions = 0;
  std::uint64_t datoms = 0;      // written (the :db/txInstant datoms included)
  std::uint64_t operations = 0;  // tx-data forms read and committed
  std::uint64_t forms = 0;       // top-level vectors of the file
  double seconds = 0;
  // What bounds the importer's memory, for tests and benchmarks: the most operations held at once
  // (read ahead and waiting, plus the transaction being committed; at most about 3 x batch_size
  // unless one vector that names its transaction is longer), the most operations in one
  // transaction, and the tempids remembered for the whole file (one entry per distinct tempid).
  std::uint64_t max_held_operations = 0;
  std::uint64_t max_transaction_operations = 0;
  std::uint64_t tempids = 0;
};

}  // namespace quarry
