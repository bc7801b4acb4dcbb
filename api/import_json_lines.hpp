// Internal to api/: JSON Lines as a stream of entity maps, for Database::import
// (doc/transactions.md, "Importing CSV and JSON Lines").
//
// Each line is one JSON object (import_json.hpp), one entity; blank lines are skipped, a CR before
// the LF and a UTF-8 byte-order mark at the start are ignored. Its keys name attributes ("person/name"
// or ":person/name"; "db/id" gives the entity id or tempid), each once; its values are typed by
// the schema as the import starts:
//   null                     no value (the key is skipped)
//   a string                 typed as a CSV cell is (import_cells.hpp); stays a string when the
//                            attribute has no declared type
//   a number                 a long or a double attribute's value; a ref's entity id (a positive
//                            integer); with no declared type, a long when written without '.' or
//                            an exponent (and it fits), else a double
//   true, false              a boolean attribute's value, or an undeclared one's
//   an array                 the values of a cardinality-many attribute, each typed alone; for a
//                            cardinality-one ref, a lookup ref ["person/email", "a@x.org"]; for
//                            a tuple attribute, the tuple
//   an object                for a ref attribute, a nested entity (the same rules, recursively)
// An object with no key left is skipped. All lines form one vector, which the importer cuts into
// transactions of batch_size lines. Memory: one line.
#pragma once

#include <istream>
#include <memory>
#include <string>
#include <unordered_map>

#include "api/import_cells.hpp"
#include "api/import_json.hpp"
#include "api/import_reader.hpp"
#include "api/import_tempid_check.hpp"

namespace quarry::import_detail {

class JsonLinesSource final : public RowSource {
 public:
  // `in` must outlive the source; `name` prefixes messages; `schema` types the values.
  JsonLinesSource(std::istream& in, std::string name, std::shared_ptr<const index::Schema> schema);

  // Errors: InvalidArgument ("NAME line L, column C: ..." for malformed JSON; "NAME line L: ..."
  // for a line that is not an object, a key that is not an attribute name or is repeated, a value
  // that does not fit its attribute), StorageIo (a read failed).
  [[nodiscard]] Result<std::optional<Row>> next_row() override;
  [[nodiscard]] std::uint64_t bytes_read() const noexcept override { return bytes_read_; }
  // Only when the schema has a ref attribute: a first pass that parses each line's JSON (no
  // values are typed) and looks at db/id, ref and reverse-attribute keys, nested entities
  // included; :tx/tempid naming the line and key of the first reference to a tempid no line
  // defines, or the first malformed line. Other errors are left to the pass that imports.
  [[nodiscard]] Result<void> check_tempids() override;

 private:
  [[nodiscard]] Result<std::optional<Value>> entity(const Json& object);
  [[nodiscard]] Result<Value> attr_value(const ImportAttr& attr, const Json& v);
  [[nodiscard]] Result<Value> single_value(const ImportAttr& attr, const Json& v);
  [[nodiscard]] Result<const ImportAttr*> attr_of(const std::string& key);
  // The next line that is not blank, without its CR and (on the first line) byte-order mark;
  // nullopt at the end.
  [[nodiscard]] Result<std::optional<std::string_view>> next_line();
  // The JSON object of line line_ (errors: malformed JSON, not an object).
  [[nodiscard]] Result<Json> object_line(std::string_view text) const;
  // Feeds the tempids of one entity (a line's object, or a nested one) to `check`.
  void note_tempids(const Json& object, TempidCheck& check);

  std::istream& in_;
  std::string name_;
  std::shared_ptr<const index::Schema> schema_;
  std::unordered_map<std::string, ImportAttr> attrs_;  // by key as written
  std::string line_text_;
  std::size_t line_ = 0;
  std::uint64_t bytes_read_ = 0;
  // The check made while importing, for an input that cannot be read twice.
  std::optional<TempidCheck> check_as_read_;
};

}  // namespace quarry::import_detail
