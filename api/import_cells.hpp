// Internal to api/: values from text, for the importers of files that are not EDN (CSV cells,
// JSON Lines strings). doc/transactions.md, "Importing CSV and JSON Lines", states the rules;
// in short, text is typed by the attribute's declared :db/valueType, read from the schema when the
// import starts:
//   long, double   the number ("41", "1.5"; a double also takes "3")
//   boolean        true or false
//   instant, uuid  as in #inst and #uuid: 2024-01-31, 2024-01-31T10:00:00Z; 8-4-4-4-12 hex digits
//   keyword        with or without the colon: admin or :admin
//   string         the text as is
//   ref            a positive long is an entity id, text starting with '[' a lookup ref written as
//                  EDN ([:person/name "Ann"]), any other text a tempid (naming one entity across
//                  the whole import)
// (a CSV cell is first cut into its values, split_cell; each is typed alone)
//   symbol, bytes, tuple: EDN
// An attribute with no declared type gets, from a CSV cell, a long or a double when the whole
// text reads as one and the text otherwise; a JSON string stays a string.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <quarry/quarry.hpp>

#include "index/schema.hpp"

namespace quarry::import_detail {

// An attribute as a text importer sees it.
struct ImportAttr {
  Keyword attr;
  index::ValueType type = index::ValueType::Any;  // Any: undeclared, or declared without a type
  bool many = false;
  bool is_id = false;  // :db/id, the entity's id or tempid
};

// "person/name" or ":person/name" as a keyword; nullopt when it is not an attribute name: the
// text (spaces at its end aside) must be exactly one keyword's name, so "name;age" (a file whose
// fields another character separates) is refused, not read as :name and an EDN comment.
[[nodiscard]] std::optional<Keyword> attribute_name(std::string_view text);

// What `schema` says about `attr` (:db/id is the entity column).
[[nodiscard]] ImportAttr import_attr(const index::Schema& schema, Keyword attr);

// How text with no declared type is read: CSV guesses numbers, JSON (which has its own numbers)
// keeps strings.
enum class Untyped : unsigned char { Number, Text };

// The value of non-empty `text` for `attr`. Errors (InvalidArgument) say what the text is not
// ("\"forty\" is not a long"); the caller adds where it is.
[[nodiscard]] Result<Value> text_value(const ImportAttr& attr, std::string_view text, Untyped untyped);

// The values of a CSV cell: `text` cut at each `separator` not escaped by a backslash, with
// "\<separator>" and "\\" read as the character after the backslash (any other backslash stays
// as written); empty values are left out. `separator` '\0': `text` whole (when not empty). The
// views point into `text` when it holds no backslash and into `scratch` otherwise; both must
// outlive them. Returns the number of values put in `out` (which is cleared first).
std::size_t split_cell(std::string_view text, char separator, std::vector<std::string_view>& out,
                       std::string& scratch);

// A long when the whole of `text` reads as one (an optional '+' or '-', digits).
[[nodiscard]] std::optional<std::int64_t> whole_long(std::string_view text);
[[nodiscard]] std::optional<double> whole_double(std::string_view text);

}  // namespace quarry::import_detail
