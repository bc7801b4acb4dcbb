#include "query/exec/join.hpp"

#include <algorithm>

namespace quarry::query {
namespace {

struct Shared {
  std::vector<int> a_cols, b_cols;  // the shared variables' columns in a and in b
  std::vector<int> b_rest;          // b's other columns
};

Shared shared_columns(const Relation& a, const Relation& b) {
  Shared s;
  for (std::size_t j = 0; j < b.arity(); ++j) {
    int i = a.column(b.vars()[j]);
    if (i >= 0) {
      s.a_cols.push_back(i);
      s.b_cols.push_back(static_cast<int>(j));
    } else {
      s.b_rest.push_back(static_cast<int>(j));
    }
  }
  return s;
}

std::vector<std::string> joined_vars(const Relation& a, const Relation& b, const Shared& s) {
  std::vector<std::string> vars = a.vars();
  for (int j : s.b_rest) vars.push_back(b.vars()[static_cast<std::size_t>(j)]);
  return vars;
}

// Appends a's row ra and b's row rb (b's non-shared columns) to out.
inline void emit(Relation& out, const Relation& a, std::size_t ra, const Relation& b, std::size_t rb,
                 const Shared& s) {
  for (const Value& v : a.row(ra)) out.push(v);
  auto brow = b.row(rb);
  for (int j : s.b_rest) out.push(brow[static_cast<std::size_t>(j)]);
  out.end_row();
}

}  // namespace

Result<Relation> hash_join(Context& ctx, const Relation& a, const Relation& b) {
  Shared s = shared_columns(a, b);
  Relation out(joined_vars(a, b, s));
  if (a.empty() || b.empty()) return out;
  // Build the hash table on the smaller side, probe with the other; output rows are always
  // a's columns then b's others.
  const bool build_a = a.size() < b.size();
  const Relation& build = build_a ? a : b;
  const Relation& probe = build_a ? b : a;
  const std::vector<int>& build_cols = build_a ? s.a_cols : s.b_cols;
  const std::vector<int>& probe_cols = build_a ? s.b_cols : s.a_cols;
  RowIndex index(build, build_cols);
  std::vector<Value> key(probe_cols.size());
  for (std::size_t r = 0; r < probe.size(); ++r) {
    auto row = probe.row(r);
    for (std::size_t k = 0; k < probe_cols.size(); ++k) key[k] = row[static_cast<std::size_t>(probe_cols[k])];
    const std::size_t h = hash_values(key);
    const std::size_t before = out.size();
    index.for_each_match(key, h, [&](std::size_t m) {
      if (build_a) emit(out, a, m, b, r, s);
      else emit(out, a, r, b, m, s);
    });
    // Work is counted in rows emitted as well as rows probed: with few shared columns one probe
    // row can emit thousands, and a cancel or deadline must still be noticed promptly.
    if (auto t = ctx.tick(1 + out.size() - before); !t) return std::unexpected(t.error());
    if (auto c = ctx.check_rows(out.size(), out.arity()); !c) return std::unexpected(c.error());
  }
  if (auto c = ctx.check_rows(out.size(), out.arity()); !c) return std::unexpected(c.error());
  return out;
}

Result<Relation> anti_join(Context& ctx, const Relation& a, const Relation& b) {
  Shared s = shared_columns(a, b);
  if (b.empty()) return a;
  Relation out(a.vars());
  if (s.a_cols.empty()) return out;  // b has a row and nothing to disagree on: it removes all
  RowIndex index(b, s.b_cols);
  std::vector<Value> key(s.a_cols.size());
  for (std::size_t r = 0; r < a.size(); ++r) {
    auto row = a.row(r);
    for (std::size_t k = 0; k < s.a_cols.size(); ++k) key[k] = row[static_cast<std::size_t>(s.a_cols[k])];
    if (!index.contains(key, hash_values(key))) out.add_row(row);
    if ((r & 1023) == 0)
      if (auto t = ctx.tick(1024); !t) return std::unexpected(t.error());
  }
  return out;
}

int Bindings::find(std::string_view var) const noexcept {
  for (std::size_t i = 0; i < rels_.size(); ++i)
    if (rels_[i].has(var)) return static_cast<int>(i);
  return -1;
}

std::size_t Bindings::rows_of(std::string_view var) const noexcept {
  int i = find(var);
  return i < 0 ? 1 : rels_[static_cast<std::size_t>(i)].size();
}

Result<int> Bindings::merge(Context& ctx, std::span<const std::string> vars) {
  std::vector<int> which;
  for (const std::string& v : vars) {
    int i = find(v);
    if (i >= 0 && std::find(which.begin(), which.end(), i) == which.end()) which.push_back(i);
  }
  if (which.empty()) return -1;
  if (which.size() == 1) return which[0];
  std::sort(which.begin(), which.end());
  // Product of the chosen relations, smallest first, into the first one's slot.
  Relation acc = std::move(rels_[static_cast<std::size_t>(which[0])]);
  for (std::size_t k = 1; k < which.size(); ++k) {
    auto joined = hash_join(ctx, acc, rels_[static_cast<std::size_t>(which[k])]);
    if (!joined) return std::unexpected(joined.error());
    acc = std::move(*joined);
  }
  for (std::size_t k = which.size(); k-- > 1;) rels_.erase(rels_.begin() + which[k]);
  rels_[static_cast<std::size_t>(which[0])] = std::move(acc);
  if (rels_[static_cast<std::size_t>(which[0])].empty()) empty_ = true;
  return which[0];
}

Result<Relation> Bindings::collapse(Context& ctx) {
  Relation acc = Relation::unit();
  if (empty_) return Relation();
  for (const Relation& r : rels_) {
    auto joined = hash_join(ctx, acc, r);
    if (!joined) return std::unexpected(joined.error());
    acc = std::move(*joined);
  }
  return acc;
}

Result<const Relation*> Bindings::merged(Context& ctx, std::span<const std::string> vars) {
  static const Relation unit = Relation::unit();
  auto i = merge(ctx, vars);
  if (!i) return std::unexpected(i.error());
  if (*i < 0) return &unit;
  return &rels_[static_cast<std::size_t>(*i)];
}

Relation Bindings::projection(const Relation* held, std::span<const std::string> vars, bool take,
                              bool any_column_order) {
  if (!held) return Relation(std::vector<std::string>(vars.begin(), vars.end()));
  if (held->vars().empty()) return Relation::unit();  // held relations have columns: the unit
  Relation& rel = rels_[static_cast<std::size_t>(held - rels_.data())];
  if (!take) return rel.project(vars, true);
  // The relation's columns are `vars` in another order: it is taken as it is (its rows are
  // distinct, as every relation of the bindings is).
  const bool same_columns =
      any_column_order && rel.arity() == vars.size() &&
      std::all_of(vars.begin(), vars.end(), [&](const std::string& v) { return rel.has(v); }) &&
      std::all_of(rel.vars().begin(), rel.vars().end(),
                  [&](const std::string& v) { return std::find(vars.begin(), vars.end(), v) != vars.end(); });
  Relation taken = same_columns ? std::move(rel) : std::move(rel).project(vars, true);
  rels_.clear();
  empty_ = true;
  return taken;
}

Result<void> Bindings::join(Context& ctx, Relation rel) {
  if (rel.empty()) empty_ = true;
  // Join with each relation sharing a variable, one at a time: every step has a shared variable,
  // so no product is built even when rel links several relations.
  for (std::size_t k = 0; k < rels_.size();) {
    const Relation& other = rels_[k];
    const bool shares = std::any_of(rel.vars().begin(), rel.vars().end(),
                                    [&](const std::string& v) { return other.has(v); });
    if (!shares) {
      ++k;
      continue;
    }
    auto joined = hash_join(ctx, other, rel);
    if (!joined) return std::unexpected(joined.error());
    rel = std::move(*joined);
    rels_.erase(rels_.begin() + static_cast<std::ptrdiff_t>(k));
    k = 0;
  }
  if (rel.empty()) empty_ = true;
  if (rel.arity() > 0) rels_.push_back(std::move(rel));
  return {};
}

Result<void> Bindings::drop(Context& ctx, std::span<const std::string> vars) {
  for (std::size_t k = rels_.size(); k-- > 0;) {
    Relation& rel = rels_[k];
    std::vector<std::string> kept;
    for (const std::string& v : rel.vars())
      if (std::find(vars.begin(), vars.end(), v) == vars.end()) kept.push_back(v);
    if (kept.size() == rel.arity()) continue;
    if (kept.empty()) {
      if (rel.empty()) empty_ = true;
      else rels_.erase(rels_.begin() + static_cast<std::ptrdiff_t>(k));
      continue;
    }
    rel = std::move(rel).project(kept, true);
    if (auto t = ctx.tick(rel.size()); !t) return std::unexpected(t.error());
  }
  return {};
}

void Bindings::replace(int i, Relation rel) {
  if (rel.empty()) empty_ = true;
  rels_[static_cast<std::size_t>(i)] = std::move(rel);
}

}  // namespace quarry::query
