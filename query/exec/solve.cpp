// solve, plan_for and execute (query/exec/solve.hpp).
#include "query/exec/solve.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

#include "query/exec/plan_cache.hpp"
#include "query/parse/clause_vars.hpp"
#include "query/plan/pattern.hpp"

namespace quarry::query {
namespace {


// Rows of the relation holding the step's variables (0 once the bindings are empty).
std::uint64_t rows_after(const Bindings& bindings, const Plan& plan, const PlannedStep& step) {
  if (bindings.is_empty()) return 0;
  auto rows_of = [&](const std::vector<std::string>& vars) -> std::uint64_t {
    for (const std::string& v : vars) {
      const int i = bindings.find(v);
      if (i >= 0) return bindings.relations()[static_cast<std::size_t>(i)].size();
    }
    return 1;
  };
  // A data pattern's variables are resolved with it: no list to build.
  return step.pattern ? rows_of(step.pattern->vars) : rows_of(clause_vars(plan.clauses[step.clause]));
}

Result<void> run_step(Context& ctx, Bindings& bindings, const Plan& plan, const PlannedStep& step) {
  if (step.covered) return {};  // the scan's exact range applied it
  const Clause& clause = plan.clauses[step.clause];
  return std::visit(
      [&](const auto& c) -> Result<void> {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, DataPattern>) return apply_pattern(ctx, bindings, *step.pattern, step.range, step.access);
        else if constexpr (std::is_same_v<T, Predicate>) return apply_predicate(ctx, bindings, c, clause);
        else if constexpr (std::is_same_v<T, FunctionCall>) return apply_function(ctx, bindings, c, clause);
        else if constexpr (std::is_same_v<T, RuleCall>) return apply_rule_call(ctx, bindings, c);
        else if constexpr (std::is_same_v<T, Not>) return apply_not(ctx, bindings, c, clause);
        else if constexpr (std::is_same_v<T, Or>) return apply_or(ctx, bindings, c, clause);
        else return solve(ctx, bindings, c.clauses);
      },
      clause.node);
}

// The variable that numbers the failed rows in settle_failures: a name no query can write, made
// distinct from the bindings' own (the check of a failure may meet a failure of its own).
std::string failed_row_var(const Bindings& bindings, const Relation& failed) {
  std::string name = "? failed row";
  for (int depth = 1; bindings.bound(name) || failed.has(name); ++depth) name = "? failed row " + std::to_string(depth);
  return name;
}

// Step k's call failed on some rows (ctx.failed, taken): the query fails with the error of the
// first of those rows that satisfies every later clause not needing the call's result (the steps
// before k have run on those rows; a range predicate that a scan applies stands after its scan).
// A clause needs the result when it mentions a variable the call would have bound or, in turn,
// one that only such a clause binds. So whether a query fails does not depend on the order its
// clauses run in: rows that other clauses drop never fail it.
// With `escape` (Context::escape_vars), such rows are handed back in ctx.escaped instead.
Result<void> settle_failures(Context& ctx, const Bindings& bindings, const Plan& plan, std::size_t k,
                             Context::FailedRows failed, const std::vector<std::string>* escape) {
  const Clause& call = plan.clauses[plan.steps[k].clause];
  // The failed rows, numbered, joined with the relations the step did not touch.
  std::vector<std::string> keep{failed_row_var(bindings, failed.rows)};
  if (escape) keep.insert(keep.end(), escape->begin(), escape->end());
  std::vector<std::string> vars = failed.rows.vars();
  vars.push_back(keep[0]);
  Relation numbered(std::move(vars));
  for (std::size_t r = 0; r < failed.rows.size(); ++r) {
    for (const Value& x : failed.rows.row(r)) numbered.push(x);
    numbered.emplace(static_cast<std::int64_t>(r));
    numbered.end_row();
  }
  // The relations the step did not touch: those holding neither the call's inputs nor its outputs.
  const auto* function = std::get_if<FunctionCall>(&call.node);
  const std::vector<std::string> outputs = function ? binding_vars(function->binding) : std::vector<std::string>{};
  auto touched = [&](const std::string& v) {
    return failed.rows.column(v) >= 0 || std::find(outputs.begin(), outputs.end(), v) != outputs.end();
  };
  Bindings check;
  for (const Relation& rel : bindings.relations())
    if (std::none_of(rel.vars().begin(), rel.vars().end(), touched))
      if (auto j = check.join(ctx, rel); !j) return j;
  if (auto j = check.join(ctx, std::move(numbered)); !j) return j;

  std::vector<std::string> missing;  // variables the failed rows lack a value for
  for (const std::string& v : outputs)
    if (!check.bound(v)) missing.push_back(v);
  std::vector<Clause> rest;
  for (std::size_t j = k + 1; j < plan.steps.size(); ++j) rest.push_back(plan.clauses[plan.steps[j].clause]);
  for (bool changed = !missing.empty(); changed;) {  // leave out what needs the result, to a fixpoint
    changed = false;
    for (auto it = rest.begin(); it != rest.end();) {
      const std::vector<std::string> cv = clause_vars(*it);
      if (std::none_of(cv.begin(), cv.end(), [&](const std::string& v) {
            return std::find(missing.begin(), missing.end(), v) != missing.end();
          })) {
        ++it;
        continue;
      }
      for (const std::string& v : cv)
        if (!check.bound(v)) add_unique(missing, v);
      it = rest.erase(it);
      changed = true;
    }
  }
  if (!rest.empty()) {
    auto checked = plan_for(ctx, check, rest, &keep);
    if (!checked) return std::unexpected(checked.error());
    if (auto r = execute(ctx, check, *checked); !r) return r;
  }
  auto survivors = check.holding(ctx, keep, [&] { return clause_text(call); });
  if (!survivors) return std::unexpected(survivors.error());
  if (!*survivors) return {};
  const Relation& s = **survivors;
  const auto col = static_cast<std::size_t>(s.column(keep[0]));
  auto row_of = [&](std::size_t r) { return static_cast<std::size_t>(s.at(r, col).as<std::int64_t>()); };
  if (escape) {
    if (!ctx.escaped) ctx.escaped.emplace(Context::FailedRows{Relation(*escape), {}});
    std::vector<int> cols;
    for (const std::string& v : *escape) cols.push_back(s.column(v));
    for (std::size_t r = 0; r < s.size(); ++r) {
      for (int c : cols) ctx.escaped->rows.push(s.at(r, static_cast<std::size_t>(c)));
      ctx.escaped->rows.end_row();
      ctx.escaped->errors.push_back(failed.errors[row_of(r)]);
    }
    return ctx.check_rows(ctx.escaped->rows.size(), ctx.escaped->rows.arity());
  }
  std::size_t first = failed.errors.size();
  for (std::size_t r = 0; r < s.size(); ++r) first = std::min(first, row_of(r));
  return std::unexpected(std::move(failed.errors[first]));
}

}  // namespace

Result<Plan> plan_for(const Context& ctx, const Bindings& bindings, std::span<const Clause> clauses,
                      const std::vector<std::string>* keep) {
  SeedGroups seed;
  for (const Relation& r : bindings.relations())
    seed.emplace_back(r.vars(), ctx.static_plans ? cost::kRuleSeedRows : static_cast<double>(r.size()));
  const ScalarLookup scalar = [&](const std::string& var) -> const Value* {
    if (ctx.static_plans) return nullptr;
    const int i = bindings.find(var);
    if (i < 0) return nullptr;
    const Relation& r = bindings.relations()[static_cast<std::size_t>(i)];
    return r.size() == 1 ? &r.at(0, static_cast<std::size_t>(r.column(var))) : nullptr;
  };
  return plan_clauses(ctx, clauses, seed, scalar, keep);
}

Result<void> execute(Context& ctx, Bindings& bindings, const Plan& plan, std::vector<StepRun>* runs) {
  const std::vector<std::string>* escape = std::exchange(ctx.escape_vars, nullptr);
  RowSink* const sink = std::exchange(ctx.sink, nullptr);
  if (runs) runs->assign(plan.steps.size(), StepRun{});
  // With runs, one clock reading per step: a step's time runs from the previous step's end (its
  // dropping of variables included) to its own (a reading costs ~40 ns; a whole query can take 3 µs).
  auto step_start = runs ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
  for (std::size_t k = 0; k < plan.steps.size(); ++k) {
    if (bindings.is_empty()) return {};
    if (auto c = ctx.check_interrupt(); !c) return c;
    const PlannedStep& step = plan.steps[k];
    // The last step, a data pattern, may send its rows to the sink (Context::sink); nothing
    // inside any other step sees it.
    if (sink && k + 1 == plan.steps.size() && std::holds_alternative<DataPattern>(plan.clauses[step.clause].node))
      ctx.sink = sink;
    auto r = run_step(ctx, bindings, plan, step);
    ctx.sink = nullptr;
    std::optional<Context::FailedRows> failed = std::exchange(ctx.failed, std::nullopt);
    if (!r) return r;
    if (failed)
      if (auto s = settle_failures(ctx, bindings, plan, k, std::move(*failed), escape); !s) return s;
    if (runs) {
      StepRun& run = (*runs)[k];
      run.ran = true;
      run.rows = sink && sink->opened() ? sink->rows() : rows_after(bindings, plan, step);
    }
    if (!step.drop_after.empty() && !bindings.is_empty())
      if (auto d = bindings.drop(ctx, step.drop_after); !d) return d;
    if (runs) {
      const auto end = std::chrono::steady_clock::now();
      (*runs)[k].ms = std::chrono::duration<double, std::milli>(end - step_start).count();
      step_start = end;
    }
  }
  return {};
}

Result<void> solve(Context& ctx, Bindings& bindings, std::span<const Clause> clauses,
                   const std::vector<std::string>* keep) {
  PlanHold hold;
  auto plan = cached_plan(ctx, bindings, clauses, keep, hold);
  if (!plan) return std::unexpected(plan.error());
  return execute(ctx, bindings, **plan);
}

}  // namespace quarry::query
