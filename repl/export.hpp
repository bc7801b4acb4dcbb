// .export FILE [:history] — writes the database as EDN tx-data that .import (import.hpp) turns
// back into an equal database.
//
// The file is a sequence of transaction vectors, one operation per line:
//
//  - Current state (the default). First the schema: every attribute and other ident entity the
//    user declared, as maps ({:db/ident :person/name :db/unique :db.unique/identity}); then the
//    data as [:db/add E A V] in transactions of kExportBatch operations, with the original entity
//    ids (explicit ids are honoured, doc/architecture.md, "Data model"), refs to ident entities written as their ident;
//    last, any schema values that are refs or extra cardinality-many values. Imported into an
//    empty database it gives the same [e a v] datoms. Transaction entities and their metadata
//    (:db/txInstant, tx annotations) are not exported; the data lands in a few new transactions.
//  - History (`:history`). One transaction per original transaction, in order, with its
//    retractions and assertions as [:db/retract E A V] / [:db/add E A V] and its tx data on
//    "datomic.tx" (:db/txInstant included, so (as-of $ #inst ...) still works). Imported into an
//    empty database it gives the same history with the same tx ids. Entities created with an
//    ident in a transaction appear under a tempid "quarry.export/ID" there and by ident later.
#pragma once

#include <cstddef>
#include <string>

#include <quarry/quarry.hpp>

namespace quarry::repl {

inline constexpr std::size_t kExportBatch = 10'000;

enum class ExportScope : unsigned char { Current, History };

// Writes `db` to `path` (replacing it) and returns {:file PATH :transactions N :operations M}.
// Errors: :storage/io when the file cannot be written.
[[nodiscard]] Result<Value> export_database(const Db& db, const std::string& path, ExportScope scope);

}  // namespace quarry::repl
