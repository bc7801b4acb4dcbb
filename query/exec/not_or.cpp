// not / not-join and or / or-join (query/exec/solve.hpp).
//
// not: the rows of the relation binding the join variables (not-join's, or for not the variables
// it shares with what is bound) are narrowed to their distinct join tuples, the inner clauses run
// from those, and the rows whose join tuple survived are removed (an anti-join).
// or: every branch runs from the distinct tuples of the or's variables that are already bound;
// the union of the branches' results (on the or's variables) is joined back.
// A source written on the clause ((not $src ...), (or $src ...)) becomes the default source of
// the clauses inside.
#include <algorithm>
#include <iterator>
#include <optional>
#include <utility>

#include "query/parse/clause_vars.hpp"
#include "query/exec/solve.hpp"

namespace quarry::query {
namespace {

// Makes `source` the default source ($) while it lives.
class SourceScope {
 public:
  SourceScope(Context& ctx, const std::optional<SrcVar>& source) : ctx_(ctx), saved_(ctx.default_source) {
    if (source) ctx.default_source = source->name == "$" ? saved_ : source->name;
  }
  ~SourceScope() { ctx_.default_source = saved_; }
  SourceScope(const SourceScope&) = delete;
  SourceScope& operator=(const SourceScope&) = delete;

 private:
  Context& ctx_;
  std::string saved_;
};

// Rule calls inside not need complete answers: they are evaluated afresh, not from the tables
// of an enclosing rule evaluation in progress.
class FreshRules {
 public:
  explicit FreshRules(Context& ctx) : ctx_(ctx), saved_(ctx.rule_runtime) { ctx.rule_runtime = nullptr; }
  ~FreshRules() { ctx_.rule_runtime = saved_; }
  FreshRules(const FreshRules&) = delete;
  FreshRules& operator=(const FreshRules&) = delete;

 private:
  Context& ctx_;
  RuleRuntime* saved_;
};

// Runs `clauses` from `seed` in `inner` (fresh bindings), keeping `vars`; the caller reads them
// through a projection or into a set of its own. The seed tuples some call in the clauses failed
// on, where the row would have reached the branch's result, are added to `failed` (over the seed's
// variables) for the caller to weigh against the clauses around it (Context::escape_vars).
Result<void> run_branch(Context& ctx, Bindings& inner, const Relation& seed, std::span<const Clause> clauses,
                        const std::vector<std::string>& vars, std::optional<Context::FailedRows>& failed) {
  if (auto j = inner.join(ctx, seed); !j) return j;
  ctx.escape_vars = &seed.vars();
  auto solved = solve(ctx, inner, clauses, &vars);
  ctx.escape_vars = nullptr;
  std::optional<Context::FailedRows> escaped = std::exchange(ctx.escaped, std::nullopt);
  if (!solved || !escaped) return solved;
  if (!failed) failed.emplace(Context::FailedRows{Relation(seed.vars()), {}});
  for (std::size_t r = 0; r < escaped->rows.size(); ++r) failed->rows.add_row(escaped->rows.row(r));
  std::move(escaped->errors.begin(), escaped->errors.end(), std::back_inserter(failed->errors));
  return {};
}

// Per row of `rel`, the failed row (of `failed`) whose seed tuple it holds, or RowSet::kAbsent.
// REQUIRES: the seed's variables are columns of rel.
std::vector<std::size_t> failed_tuples_in(const Relation& rel, const Context::FailedRows& failed) {
  RowSet tuples(failed.rows.arity());
  std::vector<std::size_t> first;  // per distinct tuple, its first failed row
  for (std::size_t r = 0; r < failed.rows.size(); ++r)
    if (tuples.insert(failed.rows.row(r))) first.push_back(r);
  std::vector<int> cols;
  for (const std::string& v : failed.rows.vars()) cols.push_back(rel.column(v));
  std::vector<std::size_t> out(rel.size(), RowSet::kAbsent);
  std::vector<Value> tuple(cols.size());
  for (std::size_t r = 0; r < rel.size(); ++r) {
    for (std::size_t c = 0; c < cols.size(); ++c) tuple[c] = rel.at(r, static_cast<std::size_t>(cols[c]));
    const std::size_t at = tuples.index_of(tuple);
    if (at != RowSet::kAbsent) out[r] = first[at];
  }
  return out;
}

// Records the rows of `rel` whose seed tuple a branch failed on as failed (Context::fail_row),
// to be weighed against the clauses after this one; returns the mask of the other rows.
Result<std::vector<char>> record_failed(Context& ctx, const Relation& rel, const Context::FailedRows& failed) {
  const std::vector<std::size_t> at = failed_tuples_in(rel, failed);
  std::vector<char> keep(rel.size(), 1);
  for (std::size_t r = 0; r < rel.size(); ++r) {
    if (at[r] == RowSet::kAbsent) continue;
    keep[r] = 0;
    if (auto f = ctx.fail_row(rel, rel.row(r), failed.errors[at[r]]); !f) return std::unexpected(f.error());
  }
  return keep;
}

// The whole product is undecided (a branch run from the unit failed): recorded as one failed row.
Result<void> record_failed_unit(Context& ctx, Bindings& bindings, Context::FailedRows& failed) {
  const Relation unit = Relation::unit();
  if (auto f = ctx.fail_row(unit, unit.row(0), std::move(failed.errors.front())); !f) return f;
  bindings.mark_empty();
  return {};
}

}  // namespace

Result<void> apply_not(Context& ctx, Bindings& bindings, const Not& clause, const Clause& whole) {
  SourceScope scope(ctx, clause.source);
  const auto text = [&] { return clause_text(whole); };  // for errors only
  std::vector<std::string> join;
  if (clause.join) {
    for (const Variable& v : clause.join_vars) {
      if (!bindings.bound(v.name))
        return fail(ErrorCode::QueryInvalid, "Insufficient bindings: #{" + v.name + "} not bound in " + text());
      add_unique(join, v.name);
    }
  } else {
    for (const Clause& c : clause.clauses)
      for (const std::string& v : clause_vars(c))
        if (bindings.bound(v)) add_unique(join, v);
  }
  auto i = bindings.merge(ctx, join);
  if (!i) return std::unexpected(i.error());
  const Relation seed = *i < 0 ? Relation::unit()
                               : bindings.relations()[static_cast<std::size_t>(*i)].project(join, true);
  FreshRules fresh(ctx);
  Bindings inner;
  std::optional<Context::FailedRows> failed;
  if (auto r = run_branch(ctx, inner, seed, clause.clauses, join, failed); !r) return r;
  auto removed = inner.project(ctx, join, text);
  if (!removed) return std::unexpected(removed.error());
  if (*i < 0) {
    if (!removed->empty()) bindings.mark_empty();
    else if (failed) return record_failed_unit(ctx, bindings, *failed);
    return {};
  }
  auto kept = anti_join(ctx, bindings.relations()[static_cast<std::size_t>(*i)], *removed);
  if (!kept) return std::unexpected(kept.error());
  // A row the inner clauses failed on is undecided, unless another row kept its tuple out.
  if (failed) {
    auto keep = record_failed(ctx, *kept, *failed);
    if (!keep) return std::unexpected(keep.error());
    kept->filter(*keep);
  }
  bindings.replace(*i, std::move(*kept));
  return {};
}

Result<void> apply_or(Context& ctx, Bindings& bindings, const Or& clause, const Clause& whole) {
  SourceScope scope(ctx, clause.source);
  const auto text = [&] { return clause_text(whole); };  // for errors only
  const std::vector<std::string> vars = or_vars(clause);
  std::vector<std::string> bound;
  for (const std::string& v : vars)
    if (bindings.bound(v)) bound.push_back(v);
  for (const Variable& v : clause.required_vars)
    if (!bindings.bound(v.name))
      return fail(ErrorCode::QueryInvalid, "Insufficient bindings: #{" + v.name + "} not bound in " + text());
  auto i = bindings.merge(ctx, bound);
  if (!i) return std::unexpected(i.error());
  // The branches start from the distinct tuples of the bound variables: the relation binding them
  // as it is when it has no other column (its rows are distinct).
  const Relation* rel = *i < 0 ? nullptr : &bindings.relations()[static_cast<std::size_t>(*i)];
  const bool only_bound = rel && rel->arity() == bound.size();
  const Relation projected = !rel ? Relation::unit() : only_bound ? Relation() : rel->project(bound, true);
  const Relation& seed = only_bound ? *rel : projected;
  // The union on `vars`, in that column order, each branch's rows read where its bindings hold
  // them (the set drops the tuples they repeat).
  RowSet united(vars.size());
  std::optional<Context::FailedRows> failed;
  for (const Clause& branch : clause.branches) {
    std::span<const Clause> parts(&branch, 1);
    if (const auto* a = std::get_if<And>(&branch.node)) parts = a->clauses;
    Bindings inner;
    if (auto r = run_branch(ctx, inner, seed, parts, vars, failed); !r) return r;
    auto held = inner.holding(ctx, vars, text);
    if (!held) return std::unexpected(held.error());
    if (!*held) continue;
    united.reserve_more((*held)->size());
    united.insert_columns(**held, vars);
    if (auto c = ctx.check_rows(united.size(), vars.size()); !c) return c;
  }
  Relation found = std::move(united).release(vars);
  if (failed) {
    // A tuple some branch failed on is undecided: its rows are recorded as failed and left out.
    if (!rel) return record_failed_unit(ctx, bindings, *failed);
    if (auto keep = record_failed(ctx, *rel, *failed); !keep) return std::unexpected(keep.error());
    const std::vector<std::size_t> at = failed_tuples_in(found, *failed);
    std::vector<char> keep(found.size());
    for (std::size_t r = 0; r < found.size(); ++r) keep[r] = static_cast<char>(at[r] == RowSet::kAbsent);
    found.filter(keep);
  }
  if (!rel) return bindings.join(ctx, std::move(found));
  // Every row found carries its bound variables' values from a row of the seed (the branches
  // start from the seed and only narrow or extend it). When the seed is the relation itself, each
  // row found joins exactly the one row it came from: the join is the rows found themselves.
  if (only_bound) {
    bindings.replace(*i, std::move(found));
    return {};
  }
  auto joined = hash_join(ctx, *rel, found);
  if (!joined) return std::unexpected(joined.error());
  bindings.replace(*i, std::move(*joined));
  return {};
}

}  // namespace quarry::query
