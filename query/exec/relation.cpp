#include "query/exec/relation.hpp"

#include <algorithm>
#include <bit>
#include <utility>

namespace quarry::query {
namespace {

inline std::size_t mix(std::size_t h, std::size_t x) noexcept {
  return h ^ (x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

std::size_t table_size(std::size_t rows) {
  return std::bit_ceil(std::max<std::size_t>(16, rows * 2));
}

}  // namespace

Relation Relation::unit() {
  Relation r;
  r.rows_ = 1;
  return r;
}

int Relation::column(std::string_view var) const noexcept {
  for (std::size_t i = 0; i < vars_.size(); ++i)
    if (vars_[i] == var) return static_cast<int>(i);
  return -1;
}

void Relation::filter(std::span<const char> keep) {
  const std::size_t n = arity();
  std::size_t out = 0;
  for (std::size_t r = 0; r < rows_; ++r) {
    if (!keep[r]) continue;
    if (out != r)
      for (std::size_t c = 0; c < n; ++c) cells_[out * n + c] = std::move(cells_[r * n + c]);
    ++out;
  }
  cells_.resize(out * n);
  rows_ = out;
}

void Relation::dedup() {
  if (rows_ < 2) return;
  if (arity() == 0) {
    rows_ = 1;
    return;
  }
  std::vector<int> all(arity());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  RowIndex index(*this, all);
  if (index.group_leaders().size() == rows_) return;
  std::vector<char> keep(rows_, 0);
  for (std::uint32_t r : index.group_leaders()) keep[r] = 1;
  filter(keep);
}

Relation Relation::project(std::span<const std::string> vars, bool distinct) && {
  const std::size_t n = arity();
  if (vars.size() != n || n == 0) return std::as_const(*this).project(vars, distinct);
  std::vector<int> cols;
  std::vector<bool> seen(n, false);
  for (const std::string& v : vars) {
    const int c = column(v);
    if (c < 0 || seen[static_cast<std::size_t>(c)]) return std::as_const(*this).project(vars, distinct);
    seen[static_cast<std::size_t>(c)] = true;
    cols.push_back(c);
  }
  // A permutation of the columns: the rows move over, as distinct as they were.
  Relation out(std::vector<std::string>(vars.begin(), vars.end()));
  out.rows_ = rows_;
  if (std::is_sorted(cols.begin(), cols.end())) {
    out.cells_ = std::move(cells_);
  } else {
    out.cells_.reserve(cells_.size());
    for (std::size_t r = 0; r < rows_; ++r)
      for (int c : cols) out.cells_.push_back(std::move(cells_[r * n + static_cast<std::size_t>(c)]));
  }
  clear();
  return out;
}

Relation Relation::project(std::span<const std::string> vars, bool distinct) const& {
  std::vector<int> cols;
  cols.reserve(vars.size());
  for (const std::string& v : vars) cols.push_back(column(v));
  Relation out(std::vector<std::string>(vars.begin(), vars.end()));
  // Columns left out that hold one value throughout (a scalar input carried along) tell no two
  // rows apart: the rows kept are as distinct as these are, and need no index to find out.
  // Checked row by row, so that a column that varies is found within the first rows.
  auto left_out_constant = [&] {
    if (rows_ < 2) return true;
    int left_out[4];
    std::size_t n = 0;
    for (std::size_t c = 0; c < arity(); ++c) {
      if (std::find(cols.begin(), cols.end(), static_cast<int>(c)) != cols.end()) continue;
      if (n == std::size(left_out)) return false;  // many columns left out: the index decides
      left_out[n++] = static_cast<int>(c);
    }
    for (std::size_t r = 1; r < rows_; ++r)
      for (std::size_t k = 0; k < n; ++k)
        if (!same_value(at(r, static_cast<std::size_t>(left_out[k])), at(0, static_cast<std::size_t>(left_out[k]))))
          return false;
    return true;
  };
  if (distinct && vars.size() < arity() && !left_out_constant()) {
    RowIndex index(*this, cols);
    out.reserve(index.group_leaders().size());
    for (std::uint32_t r : index.group_leaders()) {
      for (int c : cols) out.push(at(r, c));
      out.end_row();
    }
    return out;
  }
  out.reserve(rows_);
  for (std::size_t r = 0; r < rows_; ++r) {
    for (int c : cols) out.push(at(r, c));
    out.end_row();
  }
  // Keeping every column (in any order) keeps the rows as distinct as they were.
  if (vars.empty() && distinct && out.rows_ > 1) out.rows_ = 1;
  return out;
}

std::size_t hash_cells(std::span<const Value> row, std::span<const int> cols) noexcept {
  std::size_t h = 0x51ed27;
  for (int c : cols) h = mix(h, hash_value(row[static_cast<std::size_t>(c)]));
  return h;
}

std::size_t hash_values(std::span<const Value> values) noexcept {
  std::size_t h = 0x51ed27;
  for (const Value& v : values) h = mix(h, hash_value(v));
  return h;
}

std::size_t hash_values(std::span<const Value* const> values) noexcept {
  std::size_t h = 0x51ed27;
  for (const Value* v : values) h = mix(h, hash_value(*v));
  return h;
}

RowIndex::RowIndex(const Relation& rel, std::vector<int> cols) : rel_(&rel), cols_(std::move(cols)) {
  const std::size_t n = rel.size();
  const std::size_t size = table_size(n);
  mask_ = size - 1;
  heads_.assign(size, kNone);
  slots_.resize(n);
  leaders_.reserve(n);
  // Only leaders (the first row of each distinct key) are chained in the buckets; the other rows
  // hang off their leader through Slot::same, in row order.
  for (std::size_t i = 0; i < n; ++i) {
    auto row = rel.row(i);
    const std::size_t h = hash_cells(row, cols_);
    Slot& slot = slots_[i];
    slot.hash = h;
    std::uint32_t& head = heads_[h & mask_];
    std::uint32_t leader = kNone;
    for (std::uint32_t r = head; r != kNone; r = slots_[r].next) {
      if (slots_[r].hash != h) continue;
      auto other = rel.row(r);
      bool equal = true;
      for (int c : cols_) {
        if (!same_value(other[static_cast<std::size_t>(c)], row[static_cast<std::size_t>(c)])) {
          equal = false;
          break;
        }
      }
      if (equal) {
        leader = r;
        break;
      }
    }
    const auto self = static_cast<std::uint32_t>(i);
    if (leader == kNone) {
      slot.next = head;
      head = self;
      leaders_.push_back(self);
      slot.last = self;
    } else {
      Slot& lead = slots_[leader];
      slots_[lead.last].same = self;
      lead.last = self;
    }
  }
}

bool RowIndex::key_equals(std::uint32_t row, std::span<const Value> key) const noexcept {
  auto cells = rel_->row(row);
  for (std::size_t k = 0; k < cols_.size(); ++k)
    if (!same_value(cells[static_cast<std::size_t>(cols_[k])], key[k])) return false;
  return true;
}

template <class Append>
void RowSet::add(std::size_t hash, Append&& append) {
  if (rows_ * 2 >= heads_.size()) grow();
  append();
  hashes_.push_back(hash);
  std::uint32_t& head = heads_[hash & mask_];
  next_.push_back(head);
  head = static_cast<std::uint32_t>(rows_);
  ++rows_;
}

bool RowSet::insert(std::span<const Value> row) {
  const std::size_t h = hash_values(row);
  if (!heads_.empty()) {
    for (std::uint32_t r = heads_[h & mask_]; r != kNone; r = next_[r]) {
      if (hashes_[r] != h) continue;
      if (std::equal(row.begin(), row.end(), cells_.begin() + static_cast<std::ptrdiff_t>(r * arity_), same_value)) return false;
    }
  }
  add(h, [&] { cells_.insert(cells_.end(), row.begin(), row.end()); });
  return true;
}

bool RowSet::insert(std::span<const Value> row, std::span<const int> cols) {
  const std::size_t h = hash_cells(row, cols);
  auto cell = [&](std::size_t k) -> const Value& { return row[static_cast<std::size_t>(cols[k])]; };
  if (!heads_.empty()) {
    for (std::uint32_t r = heads_[h & mask_]; r != kNone; r = next_[r]) {
      if (hashes_[r] != h) continue;
      const Value* have = cells_.data() + r * arity_;
      std::size_t k = 0;
      while (k < arity_ && same_value(have[k], cell(k))) ++k;
      if (k == arity_) return false;
    }
  }
  add(h, [&] {
    for (std::size_t k = 0; k < arity_; ++k) cells_.push_back(cell(k));
  });
  return true;
}

void RowSet::insert_columns(const Relation& rel, std::span<const std::string> vars) {
  std::vector<int> cols(vars.size());
  for (std::size_t k = 0; k < vars.size(); ++k) cols[k] = rel.column(vars[k]);
  for (std::size_t r = 0; r < rel.size(); ++r) insert(rel.row(r), cols);
}

void RowSet::reserve_more(std::size_t more) {
  const std::size_t rows = rows_ + more;
  if (rows * arity_ <= cells_.capacity()) return;
  const std::size_t target = std::max(rows, 2 * rows_);
  cells_.reserve(target * arity_);
  hashes_.reserve(target);
  next_.reserve(target);
}

Relation RowSet::release(std::vector<std::string> vars) && {
  Relation out(std::move(vars));
  out.cells() = std::move(cells_);
  out.set_size(rows_);
  *this = RowSet(arity_);
  return out;
}

std::size_t RowSet::index_of(std::span<const Value> row) const {
  if (heads_.empty()) return kAbsent;
  std::size_t h = hash_values(row);
  for (std::uint32_t r = heads_[h & mask_]; r != kNone; r = next_[r]) {
    if (hashes_[r] != h) continue;
    if (std::equal(row.begin(), row.end(), cells_.begin() + static_cast<std::ptrdiff_t>(r * arity_), same_value)) return r;
  }
  return kAbsent;
}

void RowSet::grow() {
  const std::size_t size = table_size(std::max<std::size_t>(rows_ + 1, heads_.size()));
  mask_ = size - 1;
  heads_.assign(size, kNone);
  for (std::size_t i = 0; i < rows_; ++i) {
    std::uint32_t& head = heads_[hashes_[i] & mask_];
    next_[i] = head;
    head = static_cast<std::uint32_t>(i);
  }
}

}  // namespace quarry::query
