// Internal to api/: the check that every tempid a CSV or JSON Lines file refers to is one a row of
// the file defines (doc/transactions.md, "Importing CSV and JSON Lines": tempids no row defines).
//
// In one transaction, a tempid used only as a value is an error (DataScript: "Tempids used only as
// value in transaction"; Datomic: :db.error/tempid-not-an-entity), and nothing of it is written. An
// import of a CSV or JSON Lines file keeps that rule for the whole file: a source feeds every row's
// tempids to a TempidCheck — define() for the tempid of a row that has a value (its db/id, or a
// reverse attribute's value), refer() for a ref value that is a tempid — and finish() refuses the
// file when a reference was never defined, naming the first such reference by its line.
//
// Memory: one entry per distinct tempid the file defines (a TempidTable: about 35-60 bytes), plus the references not defined yet
// (references forward in the file; a file written in order has few).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include <quarry/quarry.hpp>

#include "api/import_tempid_table.hpp"

namespace quarry::import_detail {

class TempidCheck {
 public:
  void define(std::string_view tempid);

  // A reference to `tempid` at `line`; `place` (called only when the tempid is not defined yet)
  // says where in the line, e.g. "column 3 (:person/best)".
  template <class Place>
  void refer(std::string_view tempid, std::size_t line, Place&& place) {
    if (defined_.find(tempid)) return;
    auto [it, added] = pending_.try_emplace(std::string(tempid));
    if (added) it->second = Reference{line, place()};
  }

  // A :tx/tempid error for the reference to an undefined tempid with the lowest line ("NAME
  // line L: PLACE: \"t\" is a tempid that no ROW of the file defines ..."), else nothing; `row`
  // is what the file's rows are called ("row", "line").
  [[nodiscard]] Result<void> finish(const std::string& name, std::string_view row) const;

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>()(s); }
  };
  struct Reference {
    std::size_t line = 0;
    std::string place;
  };
  TempidTable defined_;  // the ids are not used (0)
  std::unordered_map<std::string, Reference, StringHash, std::equal_to<>> pending_;
};

// Whether ref text (a CSV cell, a JSON string) names a tempid: not an entity id, not a lookup ref.
[[nodiscard]] bool tempid_text(std::string_view text);

}  // namespace quarry::import_detail
