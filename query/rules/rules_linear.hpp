// Right-linear rules, evaluated without a table per seed.
//
// A rule like
//   [(reach ?x ?y) [?x :follows ?y]]
//   [(reach ?x ?y) [?x :follows ?t] (reach ?t ?y)]
// called with ?x bound is RIGHT-LINEAR for that adornment: each recursive branch ends in one call
// of the rule itself that passes the free head variables (?y) through unchanged, in the same
// positions, and uses them nowhere else. Then the answers for a seed x0 are simply the base
// branches' answers for every seed reachable from x0 through the recursive branches:
//   reach(x0, y)  <=>  base(m, y) for some m in Reach(x0)
// The general evaluation (query/rules/rules.cpp) would derive reach(m, y) for EVERY reachable m — the
// square of the reachable set (17,868² tuples for the :follows closure of the people benchmark);
// this evaluation derives only the seeds, the edges between them and the base answers, then one
// graph search per top-level seed.
//
// Applies when (checked by right_linear): every branch of the rule calls at most one rule, and
// that call is a clause of the branch's body itself calling the rule, passing each free head
// variable in its own position and using it nowhere else; no other rule calls this one; the call
// is made with the same bound positions (checked as evaluation goes: otherwise evaluate_right_linear
// returns false and the caller falls back to the general evaluation).
#pragma once

#include <string>
#include <vector>

#include "codec/error.hpp"
#include "query/exec/context.hpp"
#include "query/exec/relation.hpp"

namespace quarry::query {

// Whether rule `name` is right-linear for the adornment `bound` (per argument position).
[[nodiscard]] bool right_linear(const RuleSet& rules, const std::string& name, const std::vector<bool>& bound);

// Fills `answers` (full argument tuples) for the seeds in `seeds` (tuples of the bound positions'
// values). Returns false, with `answers` untouched, if the rule turns out not to be right-linear
// for this adornment.
[[nodiscard]] Result<bool> evaluate_right_linear(Context& ctx, const RuleSet& rules, const std::string& name,
                                                 const std::vector<bool>& bound, const RowSet& seeds,
                                                 RowSet& answers);

}  // namespace quarry::query
