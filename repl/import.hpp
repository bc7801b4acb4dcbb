// .import FILE — loads EDN tx-data.
//
// The file is a sequence of EDN forms, each a transaction vector. With two or more forms, each
// is one transaction, as written (so an .export file replays transaction by transaction). A file
// holding a single vector is taken as one large batch of operations and split into transactions
// of about `batch_size` operations — but never between two operations that mention the same
// tempid (a string or negative id in an entity position: :db/id, the e of [:db/add e ...], or the
// value of a ref or reverse attribute), so every tempid still resolves to one entity; operations
// linked through tempids all the way stay in one transaction. A vector that names the
// transaction itself ("datomic.tx", :db/current-tx) is never split.
//
// The whole file is read and parsed before anything is written, so a syntax error changes
// nothing; a transaction that fails stops the import, and the transactions before it stay.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

#include <quarry/quarry.hpp>

namespace quarry::repl {

struct ImportOptions {
  std::size_t batch_size = 10'000;
  // Checked between transactions: once set, the import stops with :query/cancelled (Ctrl-C);
  // the transactions already committed stay.
  const std::atomic<bool>* cancel = nullptr;
  // Called after each transaction with the operations done so far and in all.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

struct ImportSummary {
  std::size_t transactions = 0;
  std::size_t datoms = 0;
  double seconds = 0;

  // {:transactions N :datoms M :seconds S}, seconds rounded to milliseconds.
  [[nodiscard]] Value to_value() const;
};

// Errors: :storage/io (the file cannot be read), :edn/syntax (with the file name, line and
// column), :quarry/invalid-argument (a form that is not a vector), a transaction's own error
// (the message says which transaction of the file and how many were committed before it), and
// :query/cancelled when `cancel` was set.
[[nodiscard]] Result<ImportSummary> import_file(Database& database, const std::string& path,
                                                const ImportOptions& options);

}  // namespace quarry::repl
