// plan_clauses (query/plan/plan.hpp).
#include "query/plan/plan.hpp"

#include <unordered_set>

#include "query/parse/clause_vars.hpp"

namespace quarry::query {

std::string_view step_op_name(StepOp op) noexcept {
  switch (op) {
    case StepOp::Scan: return "scan";
    case StepOp::Lookup: return "lookup";
    case StepOp::Collection: return "collection";
    case StepOp::Filter: return "filter";
    case StepOp::Function: return "function";
    case StepOp::Not: return "not";
    case StepOp::Or: return "or";
    case StepOp::And: return "and";
    case StepOp::Rule: return "rule";
  }
  return "?";
}

namespace {

StepOp op_of(const Clause& clause, const PlannedStep& step) {
  if (step.pattern) {
    if (!step.pattern->source->db) return StepOp::Collection;
    return step.access.probe ? StepOp::Lookup : StepOp::Scan;
  }
  return std::visit(
      [](const auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, Predicate>) return StepOp::Filter;
        else if constexpr (std::is_same_v<T, FunctionCall>) return StepOp::Function;
        else if constexpr (std::is_same_v<T, Not>) return StepOp::Not;
        else if constexpr (std::is_same_v<T, Or>) return StepOp::Or;
        else if constexpr (std::is_same_v<T, RuleCall>) return StepOp::Rule;
        else if constexpr (std::is_same_v<T, And>) return StepOp::And;
        else return StepOp::Scan;
      },
      clause.node);
}

}  // namespace

Result<Plan> plan_clauses(const Scope& ctx, std::span<const Clause> clauses, const SeedGroups& seed,
                          const ScalarLookup& scalar, const std::vector<std::string>* keep) {
  std::vector<std::string> bound;
  for (const auto& [vars, rows] : seed)
    for (const std::string& v : vars) add_unique(bound, v);
  auto planner = ClausePlanner::make(ctx, clauses, bound);
  if (!planner) return std::unexpected(planner.error());
  EstimatedBindings estimated(seed);
  const BoundRows rows = [&](const std::string& var) { return estimated.rows(var); };
  Plan plan;
  plan.clauses = clauses;
  while (!planner->done()) {
    auto next = planner->next(ctx, rows, scalar);
    if (!next) return std::unexpected(next.error());
    const Clause& clause = clauses[next->clause];
    PlannedStep step;
    step.clause = next->clause;
    step.pattern = std::move(next->pattern);
    step.access = std::move(next->access);
    step.range = std::move(next->range);
    step.bound_before = estimated.bound_vars();
    step.estimate = next->rows;
    step.cost = next->cost;
    step.op = op_of(clause, step);
    std::vector<std::string> touched = output_vars(clause);
    for (const std::string& v : clause_vars(clause))
      if (estimated.rows(v)) add_unique(touched, v);
    estimated.bind(touched, next->rows);
    plan.steps.push_back(std::move(step));
  }
  if (keep) {
    // Backwards: a variable is dropped after the last step that names it, unless kept.
    std::unordered_set<std::string> needed(keep->begin(), keep->end());
    needed.insert(bound.begin(), bound.end());
    for (std::size_t k = plan.steps.size(); k-- > 0;) {
      PlannedStep& step = plan.steps[k];
      for (const std::string& v : clause_vars(clauses[step.clause]))
        if (needed.insert(v).second) step.drop_after.push_back(v);
    }
  }
  return plan;
}

}  // namespace quarry::query
