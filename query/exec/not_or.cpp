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
// through a projection or into a set of its own.
Result<void> run_branch(Context& ctx, Bindings& inner, const Relation& seed, std::span<const Clause> clauses,
                        const std::vector<std::string>& vars) {
  if (auto j = inner.join(ctx, seed); !j) return j;
  return solve(ctx, inner, clauses, &vars);
}

}  // namespace

Result<void> apply_not(Context& ctx, Bindings& bindings, const Not& clause) {
  SourceScope scope(ctx, clause.source);
  const Clause whole{clause};
  std::vector<std::string> join;
  if (clause.join) {
    for (const Variable& v : clause.join_vars) {
      if (!bindings.bound(v.name))
        return fail(ErrorCode::QueryInvalid, "Insufficient bindings: #{" + v.name + "} not bound in " + clause_text(whole));
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
  if (auto r = run_branch(ctx, inner, seed, clause.clauses, join); !r) return r;
  auto removed = inner.project(ctx, join, [&] { return clause_text(whole); });
  if (!removed) return std::unexpected(removed.error());
  if (*i < 0) {
    if (!removed->empty()) bindings.mark_empty();
    return {};
  }
  auto kept = anti_join(ctx, bindings.relations()[static_cast<std::size_t>(*i)], *removed);
  if (!kept) return std::unexpected(kept.error());
  bindings.replace(*i, std::move(*kept));
  return {};
}

Result<void> apply_or(Context& ctx, Bindings& bindings, const Or& clause) {
  SourceScope scope(ctx, clause.source);
  const Clause whole{clause};
  const std::vector<std::string> vars = or_vars(clause);
  std::vector<std::string> bound;
  for (const std::string& v : vars)
    if (bindings.bound(v)) bound.push_back(v);
  for (const Variable& v : clause.required_vars)
    if (!bindings.bound(v.name))
      return fail(ErrorCode::QueryInvalid, "Insufficient bindings: #{" + v.name + "} not bound in " + clause_text(whole));
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
  for (const Clause& branch : clause.branches) {
    std::span<const Clause> parts(&branch, 1);
    if (const auto* a = std::get_if<And>(&branch.node)) parts = a->clauses;
    Bindings inner;
    if (auto r = run_branch(ctx, inner, seed, parts, vars); !r) return r;
    auto held = inner.holding(ctx, vars, [&] { return clause_text(whole); });
    if (!held) return std::unexpected(held.error());
    if (!*held) continue;
    united.reserve_more((*held)->size());
    united.insert_columns(**held, vars);
    if (auto c = ctx.check_rows(united.size(), vars.size()); !c) return c;
  }
  Relation found = std::move(united).release(vars);
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
