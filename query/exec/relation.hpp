// Relation: the unit of query execution — a set of bindings of some variables, one row per
// binding, stored flat (row-major) in one vector of Values so that a row costs no allocation of
// its own.
//
// A relation of arity 0 is either empty (no row: "false") or the unit relation (one empty row:
// "true", the start of every where clause list). Relations are sets by contract where it matters
// (results, rule tables, unions): operators that can create duplicates say so, and dedup() removes
// them.
//
// RowIndex is the hash table the joins, anti-joins and dedup are built on: it groups the rows of
// one relation by some of their columns.
//
// The large arrays of all three (cells, hash slots) come from the thread's pool of large buffers
// (query/exec/buffer_pool.hpp), so that a repeated large query reuses the pages the last one
// faulted in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codec/value.hpp"
#include "query/exec/buffer_pool.hpp"

namespace quarry::query {

// A relation's cells, row after row.
using Cells = PooledVector<Value>;

class Relation {
 public:
  Relation() = default;  // arity 0, no rows
  explicit Relation(std::vector<std::string> vars) : vars_(std::move(vars)) {}
  // Arity 0 with one row: the identity of joins.
  [[nodiscard]] static Relation unit();

  [[nodiscard]] const std::vector<std::string>& vars() const noexcept { return vars_; }
  [[nodiscard]] std::size_t arity() const noexcept { return vars_.size(); }
  [[nodiscard]] std::size_t size() const noexcept { return rows_; }
  [[nodiscard]] bool empty() const noexcept { return rows_ == 0; }
  // The column of `var`, or -1.
  [[nodiscard]] int column(std::string_view var) const noexcept;
  [[nodiscard]] bool has(std::string_view var) const noexcept { return column(var) >= 0; }

  // REQUIRES: i < size().
  [[nodiscard]] std::span<const Value> row(std::size_t i) const noexcept {
    return {cells_.data() + i * vars_.size(), vars_.size()};
  }
  [[nodiscard]] const Value& at(std::size_t row, std::size_t col) const noexcept {
    return cells_[row * vars_.size() + col];
  }

  // Appending: push arity() cells with push(), then end_row(); or add_row() in one go.
  void push(const Value& v) { cells_.push_back(v); }
  void push(Value&& v) { cells_.push_back(std::move(v)); }
  // push(Value(x)), the cell built in place.
  template <class T>
  void emplace(T&& x) {
    cells_.emplace_back(std::forward<T>(x));
  }
  void end_row() noexcept { ++rows_; }
  void add_row(std::span<const Value> row) {
    cells_.insert(cells_.end(), row.begin(), row.end());
    ++rows_;
  }
  // Drops the row being built (cells pushed since the last end_row()).
  void abandon_row() { cells_.resize(rows_ * vars_.size()); }
  void reserve(std::size_t rows) { cells_.reserve(rows * vars_.size()); }
  void clear() noexcept {
    cells_.clear();
    rows_ = 0;
  }
  // Keeps the rows for which keep[i] is nonzero.
  void filter(std::span<const char> keep);
  // Removes duplicate rows (keeps the first of each).
  void dedup();

  // Rows with these columns only, in this order (duplicates are removed when `distinct`).
  // REQUIRES: every var is a column; with `distinct`, this relation's rows are distinct (as the
  // relations of Bindings are), so that only columns left out can make two rows equal.
  [[nodiscard]] Relation project(std::span<const std::string> vars, bool distinct) const&;
  // The same, moving the cells when every column is kept (in any order); this relation is left
  // empty or unchanged.
  [[nodiscard]] Relation project(std::span<const std::string> vars, bool distinct) &&;

  [[nodiscard]] Cells& cells() noexcept { return cells_; }
  [[nodiscard]] const Cells& cells() const noexcept { return cells_; }
  // For builders that fill cells() directly.
  void set_size(std::size_t rows) noexcept { rows_ = rows; }

 private:
  std::vector<std::string> vars_;
  Cells cells_;
  std::size_t rows_ = 0;
};

// a == b, with the common cases (longs, strings, keywords) decided without compare()'s general
// number ordering.
[[nodiscard]] inline bool same_value(const Value& a, const Value& b) noexcept {
  if (a.kind() != b.kind()) {
    return false;  // compare() never equates values of different kinds (1 and 1.0 differ)
  }
  switch (a.kind()) {
    case ValueKind::Long: return a.as<std::int64_t>() == b.as<std::int64_t>();
    case ValueKind::String: return a.as<std::string>() == b.as<std::string>();
    case ValueKind::Keyword: {
      // Keywords read from the index share one box per distinct keyword (codec/kept_keywords.hpp).
      const Keyword &x = a.as<Keyword>(), &y = b.as<Keyword>();
      return &x == &y || x == y;
    }
    case ValueKind::Boolean: return a.as<bool>() == b.as<bool>();
    default: return compare(a, b) == 0;
  }
}

// compare(a, b) < 0, with two longs decided directly (the general number order is slower).
[[nodiscard]] inline bool value_less(const Value& a, const Value& b) noexcept {
  if (a.kind() == ValueKind::Long && b.kind() == ValueKind::Long) return a.as<std::int64_t>() < b.as<std::int64_t>();
  return compare(a, b) < 0;
}

// Hash of some cells of a row, consistent with Value equality.
[[nodiscard]] std::size_t hash_cells(std::span<const Value> row, std::span<const int> cols) noexcept;
[[nodiscard]] std::size_t hash_values(std::span<const Value> values) noexcept;
// hash_values of the values pointed to (cells read where they are, not gathered first).
[[nodiscard]] std::size_t hash_values(std::span<const Value* const> values) noexcept;

// Groups the rows of a relation by the values of `cols` (chained hashing; no allocation per row).
// The relation must outlive the index and not change while it is used.
class RowIndex {
 public:
  RowIndex(const Relation& rel, std::vector<int> cols);

  // Calls f(row) for each row whose key columns equal `key` (one value per key column), with the
  // key's hash_values() precomputed.
  template <class F>
  void for_each_match(std::span<const Value> key, std::size_t hash, F&& f) const {
    for (std::uint32_t r = heads_[hash & mask_]; r != kNone; r = slots_[r].next) {
      if (slots_[r].hash == hash && key_equals(r, key)) {
        for (; r != kNone; r = slots_[r].same) f(static_cast<std::size_t>(r));
        return;
      }
    }
  }
  [[nodiscard]] bool contains(std::span<const Value> key, std::size_t hash) const {
    bool found = false;
    for_each_match(key, hash, [&](std::size_t) { found = true; });
    return found;
  }
  // The first row of each distinct key, in row order; for_each_in_group(leader) visits the rows
  // sharing its key, in row order.
  [[nodiscard]] const std::vector<std::uint32_t>& group_leaders() const noexcept { return leaders_; }
  template <class F>
  void for_each_in_group(std::size_t leader, F&& f) const {
    for (std::uint32_t r = static_cast<std::uint32_t>(leader); r != kNone; r = slots_[r].same) f(static_cast<std::size_t>(r));
  }
  [[nodiscard]] std::size_t hash_of(std::size_t row) const noexcept { return slots_[row].hash; }
  [[nodiscard]] const std::vector<int>& cols() const noexcept { return cols_; }

 private:
  static constexpr std::uint32_t kNone = 0xffffffffu;
  [[nodiscard]] bool key_equals(std::uint32_t row, std::span<const Value> key) const noexcept;

  const Relation* rel_;
  std::vector<int> cols_;
  std::size_t mask_ = 0;
  PooledVector<std::uint32_t> heads_;
  // Per row, in one array (one allocation, one cache line for what a probe reads of a row).
  struct Slot {
    std::size_t hash = 0;
    std::uint32_t next = kNone;  // a leader's next leader in its bucket
    std::uint32_t same = kNone;  // the next row with the same key as this one
    std::uint32_t last = kNone;  // a leader's last row so far (while building)
  };
  PooledVector<Slot> slots_;
  // First row of each distinct key. A std::vector, which ProbeGroups (pattern_scan.cpp) hands on
  // as its own.
  std::vector<std::uint32_t> leaders_;
};

// A set of rows of a fixed arity, for building relations without duplicates incrementally
// (unions, rule tables). Insertion returns whether the row was new.
class RowSet {
 public:
  explicit RowSet(std::size_t arity) : arity_(arity) {}
  bool insert(std::span<const Value> row);
  // The same for the row made of `row`'s cells at `cols`, in that order (one per column of the
  // set; a column may be named twice), read where they are: no tuple is gathered first.
  bool insert(std::span<const Value> row, std::span<const int> cols);
  // Inserts every row of `rel` as the tuple of its columns `vars` (in that order, one per column
  // of the set; a variable may be named twice). REQUIRES: every var is a column of rel.
  void insert_columns(const Relation& rel, std::span<const std::string> vars);
  // Room for `more` rows besides those held (at least doubling what is held), so that a batch
  // of inserts does not grow the cells one doubling at a time.
  void reserve_more(std::size_t more);
  [[nodiscard]] bool contains(std::span<const Value> row) const { return index_of(row) != kAbsent; }
  // The row's index (rows keep their insertion order), or kAbsent.
  static constexpr std::size_t kAbsent = static_cast<std::size_t>(-1);
  [[nodiscard]] std::size_t index_of(std::span<const Value> row) const;
  [[nodiscard]] std::size_t size() const noexcept { return rows_; }
  [[nodiscard]] std::size_t arity() const noexcept { return arity_; }
  [[nodiscard]] std::span<const Value> row(std::size_t i) const noexcept {
    return {cells_.data() + i * arity_, arity_};
  }
  [[nodiscard]] const Cells& cells() const noexcept { return cells_; }
  // The rows, in insertion order, as a relation over `vars` (one per column); the set is left
  // empty. Its rows are distinct.
  [[nodiscard]] Relation release(std::vector<std::string> vars) &&;

 private:
  static constexpr std::uint32_t kNone = 0xffffffffu;
  // insert()'s tail once the row is known to be new, its cells appended by `append`.
  template <class Append>
  void add(std::size_t hash, Append&& append);
  void grow();
  std::size_t arity_;
  std::size_t rows_ = 0;
  Cells cells_;
  PooledVector<std::size_t> hashes_;
  PooledVector<std::uint32_t> next_;
  PooledVector<std::uint32_t> heads_;
  std::size_t mask_ = 0;
};

}  // namespace quarry::query
