// The cost model's constants, in one place (DuckDB's cost_model.cpp is the model). Costs are in
// datoms read: a scan costs the datoms it reads, a lookup kLookupCost plus the datoms it finds.
//
// kLookupCost was 12 while every lookup opened a new index cursor. Lookups now share one
// re-seekable cursor per step with their bindings sorted in index order, so most seeks step
// forward a few keys instead of descending the tree: measured on people20k (bench_compare_bench),
// q2's second step as 2,579 sorted lookups beats a scan of the 20,000 :age datoms plus a hash join
// on both stores, which a cost of 12 did not choose.
#pragma once

#include <cstddef>

namespace quarry::query::cost {

// One index lookup (a seek through a reused cursor), in datoms read.
inline constexpr double kLookupCost = 3;
// Rows a predicate or a not is expected to keep, as a share of its input.
inline constexpr double kFilterSelectivity = 0.5;
// Work of a function call per input row.
inline constexpr double kFunctionCost = 0.5;
// A rule call: per bound input row; with no bound argument it runs last.
inline constexpr double kRuleCallCost = 50;
inline constexpr double kRuleUnboundCost = 1e12;
// Rule bodies are planned once for every iteration: relations bound before them count this many rows.
inline constexpr double kRuleSeedRows = 100;
// A pattern with a known attribute and value ([?e :name "Ivan"], or ?n a scalar input) is counted
// on AVET up to this many datoms while planning (a seek and at most this many steps); past it, the
// attribute's average per value is used. Exact counts find the rare and the absent values that
// make a plan start from the right clause (an input matching nothing ends the query at once).
inline constexpr double kValueCountCap = 64;
// Clause lists with at most this many clauses besides filters are ordered by weighing every order
// (dynamic programming over subsets: 2^n subsets, n clauses tried from each); longer ones by the
// bounded greedy search (plan/clause_order.hpp).
inline constexpr std::size_t kExhaustiveClauses = 10;
// The greedy search weighs at most this many ready clauses sharing a variable with what is bound
// (the first in canonical order) against each other and the cheapest clause sharing none; filters
// are taken as soon as they are ready whatever the window. A query of thousands of clauses is
// planned in about linear time per step.
inline constexpr std::size_t kGreedyWindow = 64;
// Share of an attribute's datoms an AVET range is taken to hold when the store cannot estimate it.
inline constexpr double kOneSidedRangeShare = 0.4;
inline constexpr double kTwoSidedRangeShare = 0.2;

}  // namespace quarry::query::cost
