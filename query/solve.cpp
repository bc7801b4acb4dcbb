// solve (query/solve.hpp): the loop that plans and applies where clauses.
#include "query/solve.hpp"

#include "query/clause_order.hpp"
#include "query/clause_vars.hpp"
#include "query/pattern.hpp"

namespace quarry::query {

Result<void> solve(Context& ctx, Bindings& bindings, std::span<const Clause> clauses) {
  std::vector<std::string> bound;
  for (const Relation& r : bindings.relations())
    for (const std::string& v : r.vars()) bound.push_back(v);
  auto planner = ClausePlanner::make(ctx, clauses, bound);
  if (!planner) return std::unexpected(planner.error());
  // Rule bodies plan from estimates (Context::static_plans): sizes start at kSeedRows.
  constexpr double kSeedRows = 100;
  std::vector<std::pair<std::vector<std::string>, double>> groups;
  for (const Relation& r : bindings.relations()) groups.emplace_back(r.vars(), kSeedRows);
  EstimatedBindings estimated(groups);
  const BoundRows rows = [&](const std::string& var) -> std::optional<double> {
    if (ctx.static_plans) return estimated.rows(var);
    const int i = bindings.find(var);
    if (i < 0) return std::nullopt;
    return static_cast<double>(bindings.relations()[static_cast<std::size_t>(i)].size());
  };
  const ScalarLookup scalar = [&](const std::string& var) -> const Value* {
    if (ctx.static_plans) return nullptr;
    const int i = bindings.find(var);
    if (i < 0) return nullptr;
    const Relation& r = bindings.relations()[static_cast<std::size_t>(i)];
    return r.size() == 1 ? &r.at(0, static_cast<std::size_t>(r.column(var))) : nullptr;
  };
  while (!planner->done()) {
    if (bindings.is_empty()) return {};
    if (auto c = ctx.check_interrupt(); !c) return c;
    auto step = planner->next(ctx, rows, scalar);
    if (!step) return std::unexpected(step.error());
    const Clause& clause = clauses[step->clause];
    if (ctx.static_plans) {
      std::vector<std::string> touched = output_vars(clause);
      for (const std::string& v : clause_vars(clause))
        if (estimated.rows(v)) touched.push_back(v);
      estimated.bind(touched, step->rows);
    }
    Result<void> r = std::visit(
        [&](const auto& c) -> Result<void> {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, DataPattern>) return apply_pattern(ctx, bindings, *step->pattern, step->range);
          else if constexpr (std::is_same_v<T, Predicate>) return apply_predicate(ctx, bindings, c);
          else if constexpr (std::is_same_v<T, FunctionCall>) return apply_function(ctx, bindings, c);
          else if constexpr (std::is_same_v<T, RuleCall>) return apply_rule_call(ctx, bindings, c);
          else if constexpr (std::is_same_v<T, Not>) return apply_not(ctx, bindings, c);
          else if constexpr (std::is_same_v<T, Or>) return apply_or(ctx, bindings, c);
          else return solve(ctx, bindings, c.clauses);
        },
        clause.node);
    if (!r) return r;
  }
  return {};
}

}  // namespace quarry::query
