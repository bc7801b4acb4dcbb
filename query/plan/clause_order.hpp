// Clause ordering: the order a clause list runs in, chosen by estimated cost from what is bound
// before it (plan/plan.hpp builds the whole plan before anything runs: relations bound before the
// list at their real sizes, every later size from these estimates).
//
//  - Filters (predicates and `not`) run as soon as the variables they need are bound: they only
//    shrink the result.
//  - The other clauses are ordered to make the sum of their estimated costs smallest. A data
//    pattern costs the datoms it is expected to read (query/plan/pattern.hpp's choose_access,
//    which already prefers patterns sharing bound variables: they become index lookups); an or the
//    sum of its branches' cheapest patterns; a function call a little per input row; a rule call
//    is cheap when some argument is bound and last otherwise.
//  - Up to cost::kExhaustiveClauses such clauses, every order is weighed (dynamic programming over
//    the subsets of clauses run so far: the cheapest way to reach each subset is kept). Above it, a
//    bounded greedy search: at each step the cheapest of the ready clauses that share a variable
//    with what is bound (at most cost::kGreedyWindow of them), unless the cheapest ready clause
//    that shares none is both cheaper and leaves fewer rows (it starts a relation of its own).
//  - The written order plays no part. Clauses are weighed in a canonical order — by their printed
//    form — and ties go to the first in that order, so a query plans alike however its clauses are
//    written (tests/query_plan_order_test.cpp checks every order of the benchmark queries).
//
// A clause whose required variables can never be bound is :query/invalid ("Insufficient
// bindings"): predicates and function calls need all their arguments; not-join its join
// variables; not the variables it shares with the other clauses (at least one); or-join its
// required variables; a rule call the arguments of the rule's required ([?x]) variables.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "codec/error.hpp"
#include "query/parse/ast.hpp"
#include "query/plan/pattern.hpp"
#include "query/plan/scope.hpp"

namespace quarry::query {

struct PlanStep {
  std::size_t clause = 0;                  // index in the planned clause list
  std::optional<ResolvedPattern> pattern;  // data patterns: resolved, with its access and range
  Access access;
  ValueRange range;
  double cost = 0;  // estimated work (filters: -1, they run as soon as they can)
  double rows = 0;  // estimated rows of the relation the clause leaves
};

// Relations bound before a clause list: each one's variables and (estimated) rows.
using SeedGroups = std::vector<std::pair<std::vector<std::string>, double>>;

// The order `clauses` run in, with each clause's access and estimates, given the relations bound
// before them (`seed`). `scalar` gives the value of a variable bound to one value (for range
// bounds and value counts), or nullptr. Errors: :query/invalid for clauses that can never run,
// and those of resolve_pattern.
[[nodiscard]] Result<std::vector<PlanStep>> order_clauses(const Scope& ctx, std::span<const Clause> clauses,
                                                          const SeedGroups& seed, const ScalarLookup& scalar);

// Estimated rows of the relations bound so far while a plan is built: variables are numbered,
// and the variables bound together form one group (a union-find) holding the group's rows.
// Copying it is copying two vectors as long as the query has variables (the exhaustive search
// keeps one per subset of clauses).
class GroupRows {
 public:
  explicit GroupRows(std::size_t vars = 0) : parent_(vars, kUnbound), rows_(vars, 0) {}
  [[nodiscard]] bool bound(std::uint32_t var) const noexcept { return parent_[var] != kUnbound; }
  [[nodiscard]] std::optional<double> rows(std::uint32_t var) const;
  // After a clause: `vars` (bound or not) end up in one group of `rows` rows.
  void bind(std::span<const std::uint32_t> vars, double rows);

 private:
  static constexpr std::uint32_t kUnbound = UINT32_MAX;
  std::uint32_t root(std::uint32_t var) const;
  mutable std::vector<std::uint32_t> parent_;  // kUnbound, or the parent in its group (a root: itself)
  std::vector<double> rows_;                   // at a group's root
};

// The variables bound while a plan's steps run, in the order explain prints them as :bound: group
// by group (a group being variables bound together), a merged group last; in a group, the most
// recently touched of the groups it was merged from first, the newly bound variables last.
// Variables are looked up by hash and groups merged in place.
class BoundOrder {
 public:
  explicit BoundOrder(const std::vector<std::vector<std::string>>& groups = {});
  [[nodiscard]] bool bound(const std::string& var) const { return group_of_.contains(var); }
  // After a clause: `vars` end up in one group.
  void bind(const std::vector<std::string>& vars);
  [[nodiscard]] std::vector<std::string> vars() const;

 private:
  std::vector<std::vector<std::string>> groups_;           // by id; a group merged into another is left empty
  std::vector<std::size_t> order_;                         // the ids of the live groups, in order
  std::unordered_map<std::string, std::size_t> group_of_;  // variable -> group id
};

}  // namespace quarry::query
