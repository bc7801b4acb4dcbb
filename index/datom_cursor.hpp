// DatomCursor: a forward scan over one index order of one database view.
//
// Usage:
//   auto c = db.datoms(IndexOrder::Aevt, {.a = name});
//   if (!c) return std::unexpected(c.error());
//   for (; c->valid(); c->next()) use(c->datom());
//   if (auto s = c->status(); !s) return std::unexpected(s.error());
//
// A cursor is created positioned on its first datom. valid() turns false at the end of the range
// and on an error; status() tells them apart and MUST be checked after the loop.
//
// Ownership: move-only. A cursor keeps its Db's storage snapshot alive (it shares it), so it may
// outlive the Db value it came from. Thread safety: one thread at a time per cursor; different
// cursors, even of the same Db, may be used concurrently.
#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <vector>

#include "codec/error.hpp"
#include "index/datom.hpp"

namespace quarry::index {

class DatomCursor {
 public:
  struct Impl;  // defined in datom_cursor.cpp
  explicit DatomCursor(std::unique_ptr<Impl> impl) noexcept;
  DatomCursor(DatomCursor&&) noexcept;
  DatomCursor& operator=(DatomCursor&&) noexcept;
  ~DatomCursor();

  [[nodiscard]] bool valid() const noexcept;
  // REQUIRES: valid(). The reference stays valid until the cursor moves or is destroyed.
  [[nodiscard]] const Datom& datom() const noexcept;
  // REQUIRES: valid().
  void next();
  // Ok at the end of the range; the first storage or decoding error otherwise.
  [[nodiscard]] Result<void> status() const;

 private:
  std::unique_ptr<Impl> impl_;
};

// Drains the cursor (at most `limit` datoms) into a vector, checking status().
[[nodiscard]] Result<std::vector<Datom>> collect(
    DatomCursor cursor, std::size_t limit = std::numeric_limits<std::size_t>::max());
// Same, for the Result a Db read returns: collect(db.datoms(...)).
[[nodiscard]] Result<std::vector<Datom>> collect(
    Result<DatomCursor> cursor, std::size_t limit = std::numeric_limits<std::size_t>::max());

}  // namespace quarry::index
