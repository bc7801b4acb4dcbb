// The physical plan of a clause list: built once, before any clause runs, then executed as given
// (query/exec/solve.hpp) and printed as given (explain).
//
// plan_clauses orders the clauses with order_clauses (query/plan/clause_order.hpp) from estimates:
// the relations bound before the list at their real sizes (inputs; the seed of a not/or branch)
// or, in rule bodies, at a fixed seed size, and every later size from the cost model
// (query/plan/pattern.hpp's choose_access). Each step records the operator it will run, the index
// access and range chosen for a data pattern and the rows it is expected to leave; the variables
// bound before each step follow from the steps and the seed (for_each_bound_before), so a plan of
// n clauses holds O(n) names, not a list per step.
//
// Example: [:find ?a :where [?e :name "Ivan"] [?e :age ?a]] on people20k plans
//   1. scan   [?e :name "Ivan"]  AVET prefix (:name "Ivan")       estimate 2,500
//   2. lookup [?e :age ?a]       AEVT prefix (:age e) per ?e       estimate 2,500
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "codec/error.hpp"
#include "query/parse/ast.hpp"
#include "query/plan/clause_order.hpp"
#include "query/plan/scope.hpp"
#include "query/plan/pattern.hpp"

namespace quarry::query {

// What a step runs. Do not reorder: explain prints the names (step_op_name).
enum class StepOp : std::uint8_t {
  Scan,        // a data pattern read as one index scan (hash-joined with what is bound)
  Lookup,      // a data pattern read with one index lookup per distinct binding
  Collection,  // a data pattern over a collection source
  Filter,      // a predicate
  Function,    // a function call binding new variables
  Not,         // not / not-join: an anti-join
  Or,          // or / or-join: a union of branches, joined back
  And,         // a nested and: its own plan at run time
  Rule,        // a rule call
};
[[nodiscard]] std::string_view step_op_name(StepOp op) noexcept;

struct PlannedStep {
  std::size_t clause = 0;  // index into Plan::clauses
  StepOp op = StepOp::Filter;
  std::optional<ResolvedPattern> pattern;  // data patterns
  Access access;                           // data patterns
  ValueRange range;                        // data patterns narrowed by range predicates
  double estimate = 0;                     // rows of the relation the step leaves
  double cost = 0;                         // estimated work (datoms read)
  // A range predicate that the range scan binding its variable applies to every datom it reads
  // (ValueRange::tests): every row reaching it passes, so it does not run (explain prints it with
  // :covered true).
  bool covered = false;
  // Variables no later step and not the caller reads: once the step has run they are projected
  // away (and the rows they told apart merged), so relations stay narrow and small. Only when
  // the caller said what it keeps (plan_clauses' `keep`); variables bound before the list stay,
  // and so do those of the last step (the caller's own projection or set leaves them out).
  std::vector<std::string> drop_after;
};

// Defined where plans are printed (query/exec/explain.cpp).
struct PrintedPlan;

struct Plan {
  std::span<const Clause> clauses;
  std::vector<PlannedStep> steps;
  // The variables of each relation bound before the list (the seed's groups, in order).
  std::vector<std::vector<std::string>> seed_vars;
  // explain's printing of the plan without run figures (query/exec/explain.cpp), built the first
  // time the plan is printed and kept with it, so that a kept plan is printed again without walking
  // its steps. Everything in it follows from the plan and its query. Set only on a plan one run
  // holds (a kept plan's working copy is lent to one run at a time), so never written concurrently.
  mutable std::shared_ptr<const PrintedPlan> printed;
};

// Calls visit(k, vars) for each step k in order, `vars` being the variables bound when step k
// starts (explain's :bound; clause_order.hpp's BoundOrder gives their order). O(variables) per
// step: meant for printing a plan, not for running it.
void for_each_bound_before(const Plan& plan,
                           const std::function<void(std::size_t, const std::vector<std::string>&)>& visit);

// Plans `clauses` given what is bound before them. `scalar` gives the value of a variable bound to
// one value (for range bounds), or nullptr. Errors: :query/invalid for clauses that can never run
// (insufficient bindings), and those of resolve_pattern.
// `keep`, when given, lists the variables the caller reads after the list (a query's :find and
// :with variables); the others are dropped after their last use but the last step
// (PlannedStep::drop_after), so the caller must read the kept variables through a projection or a
// set of its own (Bindings::project, take_projection, holding).
[[nodiscard]] Result<Plan> plan_clauses(const Scope& ctx, std::span<const Clause> clauses, const SeedGroups& seed,
                                        const ScalarLookup& scalar,
                                        const std::vector<std::string>* keep = nullptr);

}  // namespace quarry::query
