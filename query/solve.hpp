// Running a list of where clauses: solve() plans them one at a time (query/clause_order.hpp) and
// applies each to the bindings with the operator of its kind. The operators are declared here and
// defined one family per file: patterns (pattern_scan.cpp), predicates and functions
// (predicates.cpp), not and or (not_or.cpp), rule calls (rules.cpp).
//
// Every operator REQUIRES !bindings.is_empty() (solve stops at the first empty relation: nothing
// can add a row to an empty product).
#pragma once

#include <span>

#include "codec/error.hpp"
#include "query/ast.hpp"
#include "query/context.hpp"
#include "query/join.hpp"

namespace quarry::query {

[[nodiscard]] Result<void> solve(Context& ctx, Bindings& bindings, std::span<const Clause> clauses);

[[nodiscard]] Result<void> apply_predicate(Context& ctx, Bindings& bindings, const Predicate& clause);
[[nodiscard]] Result<void> apply_function(Context& ctx, Bindings& bindings, const FunctionCall& clause);
[[nodiscard]] Result<void> apply_not(Context& ctx, Bindings& bindings, const Not& clause);
[[nodiscard]] Result<void> apply_or(Context& ctx, Bindings& bindings, const Or& clause);
[[nodiscard]] Result<void> apply_rule_call(Context& ctx, Bindings& bindings, const RuleCall& clause);

// "[(> ?x 1)]" etc.: a clause as EDN text, for error messages and explain.
[[nodiscard]] std::string clause_text(const Clause& clause);

}  // namespace quarry::query
