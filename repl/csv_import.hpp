// .import FILE.csv — loads a CSV file whose header row names attributes, one entity per row.
//
// Format: RFC 4180 — fields separated by commas, records by CRLF or LF, fields in double quotes
// may hold commas, quotes (doubled: "") and line breaks; a UTF-8 byte-order mark is skipped.
// Every record must have as many fields as the header.
//
// Header: each field names an attribute, with or without its colon (`person/name` or
// `:person/name`). A `db/id` column gives the entity's id (a positive long); without it each row
// is a new entity (or the existing one a :db.unique/identity value upserts to).
//
// Cells: an empty cell means the entity has no value for that attribute. Otherwise the cell is
// typed by the attribute's declared :db/valueType:
//   long, double   the number ("41", "1.5"; a double column also takes "3")
//   boolean        true or false
//   instant        an RFC 3339 date or time, as in #inst: 2024-01-31, 2024-01-31T10:00:00Z
//   uuid           as in #uuid: 8-4-4-4-12 hex digits
//   keyword        with or without the colon: person or :person
//   string         the text as is
//   ref            an entity id (a positive long), or a lookup ref written as EDN: [:person/name "Ann"]
//   symbol, bytes, tuple: the cell is read as EDN
// An attribute that is not declared (created on first use, unless --strict) gets a number when the
// whole cell reads as one — a long ("42", "-7"), else a double ("1.5", "2e3") — and the text as a
// string otherwise ("true", "007x", " 42" with its space stay strings).
// One value per cell, also for cardinality-many attributes.
//
// The whole file is read, parsed and typed before anything is written, so a malformed row changes
// nothing; its error names the file, the line and the column (field number) and the attribute.
// Rows are then transacted in batches of ImportOptions::batch_size rows; a transaction that fails
// stops the import, and the batches before it stay.
#pragma once

#include <string>

#include <quarry/quarry.hpp>

#include "import.hpp"

namespace quarry::repl {

// Errors: :storage/io (unreadable file), :quarry/invalid-argument (CSV syntax, a header that is not
// attribute names, a cell that does not fit its attribute's type; with line and column), a
// transaction's own error (naming the batch's rows and what was committed before it), and
// :query/cancelled when options.cancel was set.
[[nodiscard]] Result<ImportSummary> import_csv(Database& database, const std::string& path,
                                               const ImportOptions& options);

}  // namespace quarry::repl
