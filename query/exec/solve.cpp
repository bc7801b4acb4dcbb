// solve, plan_for and execute (query/exec/solve.hpp).
#include "query/exec/solve.hpp"

#include <chrono>

#include "query/exec/plan_cache.hpp"
#include "query/parse/clause_vars.hpp"
#include "query/plan/pattern.hpp"

namespace quarry::query {
namespace {


// Rows of the relation holding the clause's variables (0 once the bindings are empty).
std::uint64_t rows_after(const Bindings& bindings, const Clause& clause) {
  if (bindings.is_empty()) return 0;
  for (const std::string& v : clause_vars(clause)) {
    const int i = bindings.find(v);
    if (i >= 0) return bindings.relations()[static_cast<std::size_t>(i)].size();
  }
  return 1;
}

Result<void> run_step(Context& ctx, Bindings& bindings, const Plan& plan, const PlannedStep& step) {
  if (step.covered) return {};  // the scan's exact range applied it
  const Clause& clause = plan.clauses[step.clause];
  return std::visit(
      [&](const auto& c) -> Result<void> {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, DataPattern>) return apply_pattern(ctx, bindings, *step.pattern, step.range, step.access);
        else if constexpr (std::is_same_v<T, Predicate>) return apply_predicate(ctx, bindings, c);
        else if constexpr (std::is_same_v<T, FunctionCall>) return apply_function(ctx, bindings, c);
        else if constexpr (std::is_same_v<T, RuleCall>) return apply_rule_call(ctx, bindings, c);
        else if constexpr (std::is_same_v<T, Not>) return apply_not(ctx, bindings, c);
        else if constexpr (std::is_same_v<T, Or>) return apply_or(ctx, bindings, c);
        else return solve(ctx, bindings, c.clauses);
      },
      clause.node);
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
  if (runs) runs->assign(plan.steps.size(), StepRun{});
  // With runs, one clock reading per step: a step's time runs from the previous step's end (its
  // dropping of variables included) to its own (a reading costs ~40 ns; a whole query can take 3 µs).
  auto step_start = runs ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
  for (std::size_t k = 0; k < plan.steps.size(); ++k) {
    if (bindings.is_empty()) return {};
    if (auto c = ctx.check_interrupt(); !c) return c;
    const PlannedStep& step = plan.steps[k];
    if (auto r = run_step(ctx, bindings, plan, step); !r) return r;
    if (runs) {
      StepRun& run = (*runs)[k];
      run.ran = true;
      run.rows = rows_after(bindings, plan.clauses[step.clause]);
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
