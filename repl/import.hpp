// .import FILE [:batch N] [:separator C] [:value-separator C] — loads EDN tx-data, FILE.csv or FILE.jsonl through Database::import (the C++ API,
// which states the rules: a stream of transactions, memory bounded whatever the file size,
// tempids that name one entity across the whole file; doc/transactions.md, "Importing").
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

#include <quarry/quarry.hpp>

namespace quarry::repl {

struct ImportOptions {
  std::size_t batch_size = 10'000;
  // CSV: the field separator and a cell's value separator ('\0': none); quarry::ImportOptions's
  // csv_separator and csv_value_separator, which say what is refused.
  char csv_separator = ',';
  char csv_value_separator = '|';
  // The file is CSV whatever its name (a separator was given); else the extension says.
  bool csv = false;
  // Checked between transactions: once set, the import stops with :query/cancelled (Ctrl-C);
  // the transactions already committed stay.
  const std::atomic<bool>* cancel = nullptr;
  // Called after each transaction with how far the import is: bytes of the file read, of its
  // size (only when the size is known: not for a pipe).
  std::function<void(std::size_t done, std::size_t total)> progress;
};

struct ImportSummary {
  std::size_t transactions = 0;
  std::size_t datoms = 0;
  double seconds = 0;

  // {:transactions N :datoms M :seconds S}, seconds rounded to milliseconds.
  [[nodiscard]] Value to_value() const;
};

// Errors: those of Database::import — :storage/io (the file cannot be read), :edn/syntax (with
// the file name, line and column), :quarry/invalid-argument (a form that is not a vector), a
// transaction's own error (the message says which transaction of the file and how many were
// committed before it), and :query/cancelled when `cancel` was set.
[[nodiscard]] Result<ImportSummary> import_file(Database& database, const std::string& path,
                                                const ImportOptions& options);

}  // namespace quarry::repl
