// What the clause-order search knows of each clause of a list, worked out once before the search
// (plan/clause_order.hpp): its variables as numbers, what it needs bound first, what it binds, its
// resolved data pattern, its place in the canonical order; and the two searches over them.
// Private to plan/.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "codec/error.hpp"
#include "query/parse/ast.hpp"
#include "query/plan/clause_order.hpp"
#include "query/plan/pattern.hpp"
#include "query/plan/scope.hpp"

namespace quarry::query {

class ClauseFacts {
 public:
  [[nodiscard]] static Result<ClauseFacts> make(const Scope& ctx, std::span<const Clause> clauses,
                                                const SeedGroups& seed);

  [[nodiscard]] std::size_t size() const noexcept { return clauses_.size(); }
  // Clause indices in canonical order (by printed form, then written position: only clauses that
  // print alike keep their written order, and they plan alike anyway).
  [[nodiscard]] const std::vector<std::size_t>& canonical() const noexcept { return canonical_; }
  [[nodiscard]] std::uint32_t rank(std::size_t i) const noexcept { return rank_[i]; }
  // Predicates and not: run as soon as they are ready.
  [[nodiscard]] bool filter(std::size_t i) const noexcept { return filter_[i]; }
  [[nodiscard]] std::size_t var_count() const noexcept { return var_names_.size(); }
  [[nodiscard]] const std::vector<std::uint32_t>& vars(std::size_t i) const noexcept { return vars_[i]; }
  [[nodiscard]] const std::vector<std::uint32_t>& needs(std::size_t i) const noexcept { return needs_[i]; }
  [[nodiscard]] const std::optional<ResolvedPattern>& pattern(std::size_t i) const noexcept { return patterns_[i]; }
  // The relations bound before the list.
  [[nodiscard]] const GroupRows& seed() const noexcept { return seed_; }

  [[nodiscard]] bool ready(std::size_t i, const GroupRows& groups) const;
  // Clause i run next, given `groups`: its access (data patterns), cost and rows. Not the pattern
  // itself (order_clauses adds it to the chosen steps).
  [[nodiscard]] PlanStep evaluate(std::size_t i, const GroupRows& groups, const ScalarLookup& scalar) const;
  // The variables that end up in one group once clause i has run: what it binds, and those of
  // its variables bound before it.
  [[nodiscard]] std::vector<std::uint32_t> touched(std::size_t i, const GroupRows& groups) const;
  // The first clause (in canonical order) not done whose needs are not all bound.
  [[nodiscard]] Error blocked_error(const std::vector<bool>& done, const GroupRows& groups) const;

 private:
  ClauseFacts() = default;
  std::uint32_t id(const std::string& var);
  // The rows bound for a variable, as choose_access asks while clause i is weighed.
  [[nodiscard]] BoundRows bound_rows(std::size_t i, const GroupRows& groups) const;

  std::span<const Clause> clauses_;
  std::vector<std::size_t> canonical_;
  std::vector<std::uint32_t> rank_;
  std::vector<bool> filter_;
  std::vector<std::string> var_names_;
  std::unordered_map<std::string, std::uint32_t> var_ids_;
  std::vector<std::vector<std::uint32_t>> vars_, needs_, outputs_;
  std::vector<std::optional<ResolvedPattern>> patterns_;
  // For an or: per branch, its data patterns (the or costs the sum of each branch's cheapest).
  std::vector<std::vector<std::vector<ResolvedPattern>>> or_patterns_;
  // Per variable, the predicates that may narrow a scan of it to a range, in canonical order.
  std::unordered_map<std::string, std::vector<std::size_t>> range_predicates_;
  GroupRows seed_;
};

// Every order of the clauses that are not filters, by dynamic programming over the subsets run so
// far (the cheapest way to reach each subset is kept; subsets and clauses are visited in
// canonical order, so ties go the same way whatever the written order). nullopt when the clauses
// cannot all run: the greedy search then reports which one.
[[nodiscard]] std::optional<std::vector<PlanStep>> exhaustive_order(const ClauseFacts& facts,
                                                                    const ScalarLookup& scalar);
// The bounded greedy search (clause_order.hpp), in time about linear in the clauses per step.
[[nodiscard]] Result<std::vector<PlanStep>> greedy_order(const ClauseFacts& facts, const ScalarLookup& scalar);

}  // namespace quarry::query
