// plan_clauses (query/plan/plan.hpp).
#include "query/plan/plan.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "query/parse/clause_vars.hpp"
#include "query/plan/range_filter.hpp"

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

// Range scans apply their range predicates to the datoms they read (range_filter.hpp's
// range_tests), a comparison per datom read, instead of a filter step over the relation they
// leave, which copies the surviving rows: those filter steps are marked covered (not run).
void cover_range_predicates(Plan& plan, const ScalarLookup& scalar) {
  auto range_scan = [](const PlannedStep& s) { return s.op == StepOp::Scan && s.access.range && s.range.any(); };
  if (std::none_of(plan.steps.begin(), plan.steps.end(), range_scan)) return;
  std::unordered_map<std::string, std::vector<std::size_t>> by_var;
  for (std::size_t i : range_predicates(plan.clauses))
    for (const std::string& v : clause_vars(plan.clauses[i])) by_var[v].push_back(i);
  std::vector<std::size_t> covered;
  for (PlannedStep& step : plan.steps) {
    if (!range_scan(step)) continue;
    const PatternSlot& v = step.pattern->slots[static_cast<std::size_t>(Pos::V)];
    auto it = by_var.find(v.var);
    if (v.kind != PatternSlot::Kind::Var || it == by_var.end()) continue;
    step.range.tests = range_tests(plan.clauses, it->second, v.var, scalar, covered);
  }
  if (covered.empty()) return;
  double rows = 0;
  for (PlannedStep& step : plan.steps) {
    if (step.op == StepOp::Filter && std::find(covered.begin(), covered.end(), step.clause) != covered.end()) {
      step.covered = true;
      step.estimate = rows;  // the scan kept only rows that pass
    }
    rows = step.estimate;
  }
}

}  // namespace

Result<Plan> plan_clauses(const Scope& ctx, std::span<const Clause> clauses, const SeedGroups& seed,
                          const ScalarLookup& scalar, const std::vector<std::string>* keep) {
  auto order = order_clauses(ctx, clauses, seed, scalar);
  if (!order) return std::unexpected(order.error());
  Plan plan;
  plan.clauses = clauses;
  plan.seed_vars.reserve(seed.size());
  for (const auto& [vars, rows] : seed) plan.seed_vars.push_back(vars);
  plan.steps.reserve(order->size());
  for (PlanStep& next : *order) {
    PlannedStep step;
    step.clause = next.clause;
    step.pattern = std::move(next.pattern);
    step.access = std::move(next.access);
    step.range = std::move(next.range);
    step.estimate = next.rows;
    step.cost = next.cost;
    step.op = op_of(clauses[next.clause], step);
    plan.steps.push_back(std::move(step));
  }
  cover_range_predicates(plan, scalar);
  if (keep) {
    // Backwards: a variable is dropped after the last step that names it, unless kept. The last
    // step drops nothing: the caller reads the kept variables through a projection or into a set
    // of its own, which leaves the others out there (dropping them first did that work twice).
    std::unordered_set<std::string> needed(keep->begin(), keep->end());
    for (const auto& [vars, rows] : seed) needed.insert(vars.begin(), vars.end());
    for (std::size_t k = plan.steps.size(); k-- > 0;) {
      PlannedStep& step = plan.steps[k];
      for (const std::string& v : clause_vars(clauses[step.clause]))
        if (needed.insert(v).second && k + 1 < plan.steps.size()) step.drop_after.push_back(v);
    }
  }
  return plan;
}

void for_each_bound_before(const Plan& plan,
                           const std::function<void(std::size_t, const std::vector<std::string>&)>& visit) {
  BoundOrder bound(plan.seed_vars);
  for (std::size_t k = 0; k < plan.steps.size(); ++k) {
    visit(k, bound.vars());
    const Clause& clause = plan.clauses[plan.steps[k].clause];
    // What the step binds, and its variables bound before it, end up in one group.
    std::vector<std::string> touched = output_vars(clause);
    for (const std::string& v : clause_vars(clause))
      if (bound.bound(v)) add_unique(touched, v);
    bound.bind(touched);
  }
}

}  // namespace quarry::query
