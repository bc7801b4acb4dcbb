// Running a list of where clauses: solve() plans them all (query/plan/plan.hpp), then executes the
// plan, applying each step to the bindings with the operator of its kind. The operators are declared here and
// defined one family per file: patterns (pattern_scan.cpp), predicates and functions
// (predicates.cpp), not and or (not_or.cpp), rule calls (rules.cpp).
//
// Every operator REQUIRES !bindings.is_empty() (solve stops at the first empty relation: nothing
// can add a row to an empty product).
#pragma once

#include <span>

#include "codec/error.hpp"
#include "query/parse/ast.hpp"
#include "query/exec/context.hpp"
#include "query/exec/join.hpp"
#include "query/exec/pattern_scan.hpp"
#include "query/parse/parser.hpp"
#include "query/plan/plan.hpp"

namespace quarry::query {

// Plans the clauses (query/plan/plan.hpp) from what `bindings` holds, then executes the plan.
// `keep`, when given: the variables the caller reads afterwards; the bindings then hold only
// those and the ones bound before (others are projected away after their last use).
[[nodiscard]] Result<void> solve(Context& ctx, Bindings& bindings, std::span<const Clause> clauses,
                                 const std::vector<std::string>* keep = nullptr);

// The plan of `clauses` given what `bindings` holds now: real sizes, or in rule bodies
// (Context::static_plans) a fixed seed size, so that a body plans alike at every iteration.
[[nodiscard]] Result<Plan> plan_for(const Context& ctx, const Bindings& bindings, std::span<const Clause> clauses,
                                    const std::vector<std::string>* keep = nullptr);

// What one step did when it ran (explain with :analyze).
struct StepRun {
  bool ran = false;        // false: an earlier step left no rows, so it was skipped
  std::uint64_t rows = 0;  // rows of the relation holding the step's variables afterwards
  double ms = 0;           // wall time of the step
};

// Runs the plan's steps in order; stops when the bindings become empty. With `runs`, records
// each step's rows and time (runs->size() == plan.steps.size() afterwards).
[[nodiscard]] Result<void> execute(Context& ctx, Bindings& bindings, const Plan& plan,
                                   std::vector<StepRun>* runs = nullptr);

// `whole`: the clause holding the predicate, call, not or or, named in its errors (a call keeps
// it, so it is the plan's, not a copy made per run).
[[nodiscard]] Result<void> apply_predicate(Context& ctx, Bindings& bindings, const Predicate& clause,
                                           const Clause& whole);
[[nodiscard]] Result<void> apply_function(Context& ctx, Bindings& bindings, const FunctionCall& clause,
                                          const Clause& whole);
[[nodiscard]] Result<void> apply_not(Context& ctx, Bindings& bindings, const Not& clause, const Clause& whole);
[[nodiscard]] Result<void> apply_or(Context& ctx, Bindings& bindings, const Or& clause, const Clause& whole);
[[nodiscard]] Result<void> apply_rule_call(Context& ctx, Bindings& bindings, const RuleCall& clause);


}  // namespace quarry::query
