// Pieces shared by the two rule evaluations (query/rules/rules.cpp, query/rules/rules_linear.cpp).
#pragma once

#include <string>
#include <vector>

#include "query/parse/ast.hpp"
#include "query/exec/relation.hpp"

namespace quarry::query {

// The head's variables in argument order: required ones, then the others.
[[nodiscard]] std::vector<std::string> head_vars(const Rule& rule);

// Appends the rule calls in `clause` (inside or/and too; inside not only when `into_not`).
void collect_rule_calls(const Clause& clause, std::vector<const RuleCall*>& out, bool into_not);

// The relation that starts a branch's body: magic tuples [lo, hi) of `magic` (one value per bound
// position, in position order) bound to the head's variables at those positions. A variable the
// head repeats keeps only the tuples whose values agree.
[[nodiscard]] Relation seed_relation(const std::vector<std::string>& head, const std::vector<bool>& bound,
                                     const RowSet& magic, std::size_t lo, std::size_t hi);

// "(reach ?x ?y)": a rule call as EDN text.
[[nodiscard]] std::string call_text(const RuleCall& call);

}  // namespace quarry::query
