// Internal to api/: CSV as a stream of entity maps, for Database::import (doc/transactions.md,
// "Importing CSV and JSON Lines").
//
// Format: RFC 4180 — fields separated by commas (or by ImportOptions::csv_separator: a tab, a
// semicolon...), records by CRLF, LF or CR, fields in double quotes may hold the separator, quotes
// (doubled: "") and line breaks; a UTF-8 byte-order mark is
// skipped. The header row names attributes (import_cells.hpp, attribute_name), each once; a
// `db/id` column gives each row's entity (a positive long) or tempid (any other text). Every
// record has as many fields as the header; a blank line is skipped.
//
// Each row with at least one non-empty cell is one form, a map {attr value ...} of its typed cells
// (import_cells.hpp, text_value; a cell of a cardinality-many column may hold several values,
// split_cell, which the map holds as a vector), given as a Form event at the row's line; all rows form one
// vector, which the importer cuts into transactions of batch_size rows. A header-only file gives
// no events but End. Memory: one record and a 1 MiB read buffer.
#pragma once

#include <istream>
#include <memory>
#include <string>
#include <vector>

#include "api/import_cells.hpp"
#include "api/import_reader.hpp"
#include "api/import_tempid_check.hpp"

namespace quarry::import_detail {

class CsvSource final : public RowSource {
 public:
  // `in` must outlive the source; `name` prefixes messages; `schema` types the cells.
  // `field_separator` separates the fields of a record (ImportOptions::csv_separator: not a quote,
  // a backslash, a line break or '\0'); `separator` cuts a cell into values
  // (ImportOptions::csv_value_separator; '\0': none). Database::import checks both.
  CsvSource(std::istream& in, std::string name, std::shared_ptr<const index::Schema> schema,
            char field_separator = ',', char separator = '|');

  // Errors: InvalidArgument ("NAME line L: ...": CSV syntax, a header that is not attribute
  // names, a row with the wrong number of fields, a cell that does not fit its attribute, with its
  // column), StorageIo (a read failed).
  [[nodiscard]] Result<std::optional<Row>> next_row() override;
  [[nodiscard]] std::uint64_t bytes_read() const noexcept override { return bytes_read_; }
  // Only when a column is a ref attribute's: a first pass that splits records (no cells are
  // typed) and looks at the db/id, ref and reverse-attribute columns; :tx/tempid naming the line
  // and column of the first reference to a tempid no row defines. Other errors are left to the
  // pass that imports.
  [[nodiscard]] Result<void> check_tempids() override;

 private:
  struct Field {
    std::string text;
    std::size_t line = 0;  // where the field starts
  };
  // Reads the next record into fields_ (count in fields_used_); false at the end of the input.
  [[nodiscard]] Result<bool> read_record();
  // The next byte, or -1 at the end (or after a read error, which io_error_ records).
  int get();
  int peek();
  // The field separator as a message names it: "a comma", "a tab", "the separator ';'".
  [[nodiscard]] std::string separator_name() const;
  [[nodiscard]] Result<void> read_header();
  [[nodiscard]] Result<std::optional<Value>> row_map();
  [[nodiscard]] std::unexpected<Error> error(std::size_t line, const std::string& message) const;
  // Feeds the tempids of the record just read to `check`.
  void note_tempids(TempidCheck& check);
  // Back to `start` of the input, as if nothing had been read.
  void rewind(std::streampos start);

  std::istream& in_;
  std::string name_;
  std::shared_ptr<const index::Schema> schema_;
  char field_separator_;
  char separator_;
  std::vector<std::string_view> values_;  // of one cell (split_cell), reused
  std::string unescaped_;                 // what values_ may point into
  std::string buffer_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  bool io_error_ = false;
  std::uint64_t bytes_read_ = 0;
  std::size_t line_ = 1;

  std::vector<Field> fields_;  // reused from record to record; fields_used_ are this record's
  std::size_t fields_used_ = 0;
  std::size_t record_line_ = 0;
  std::vector<ImportAttr> columns_;
  std::vector<Value> keys_;            // columns_' attributes as map keys
  std::vector<std::size_t> key_order_;  // columns by key, the order of a map's entries
  std::vector<Value> cells_;            // one row's typed cells by column (nil: empty), reused
  bool header_read_ = false;
  bool has_refs_ = false;  // a column is a ref attribute's
  // The check made while importing, for an input that cannot be read twice.
  std::optional<TempidCheck> check_as_read_;
};

}  // namespace quarry::import_detail
