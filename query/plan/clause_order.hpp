// Clause ordering: which where clause runs next.
//
// Greedy, one step at a time, from what is bound at that point of the plan (plan/plan.hpp builds
// the whole plan before anything runs: relations bound before the clause list at their real sizes,
// every later size from these estimates):
//  - predicates and `not` run as soon as the variables they need are bound (they only shrink the
//    result); function calls right after, while their inputs are few;
//  - otherwise the clause with the lowest estimated cost runs: a data pattern costs the datoms it
//    is expected to read (query/plan/pattern.hpp's choose_access, which already prefers patterns that
//    share bound variables: they become index lookups); an or costs the sum of its branches;
//    a rule call is cheap when some argument is bound and last otherwise;
//  - ties keep the written order.
// A clause whose required variables can never be bound is :query/invalid ("Insufficient
// bindings"): predicates and function calls need all their arguments; not-join its join
// variables; not the variables it shares with the other clauses (at least one); or-join its
// required variables; a rule call the arguments of the rule's required ([?x]) variables.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <unordered_map>

#include "codec/error.hpp"
#include "query/parse/ast.hpp"
#include "query/plan/scope.hpp"
#include "query/plan/pattern.hpp"

namespace quarry::query {

struct PlanStep {
  std::size_t clause = 0;                  // index in the planned clause list
  std::optional<ResolvedPattern> pattern;  // data patterns: resolved, with its access and range
  Access access;
  ValueRange range;
  double cost = 0;  // estimated work
  double rows = 0;  // estimated rows of the relation the clause leaves
};

class ClausePlanner {
 public:
  // `bound` lists the variables bound before the first clause.
  [[nodiscard]] static Result<ClausePlanner> make(const Scope& ctx, std::span<const Clause> clauses,
                                                  const std::vector<std::string>& bound);

  [[nodiscard]] bool done() const noexcept { return remaining_ == 0; }
  // The next clause to run; marks it done.
  [[nodiscard]] Result<PlanStep> next(const Scope& ctx, const BoundRows& bound, const ScalarLookup& scalar);

 private:
  ClausePlanner() = default;
  [[nodiscard]] bool ready(std::size_t i, const BoundRows& bound) const;
  [[nodiscard]] Error blocked_error(const BoundRows& bound) const;

  std::span<const Clause> clauses_;
  std::vector<bool> done_;
  std::size_t remaining_ = 0;
  std::vector<std::optional<ResolvedPattern>> patterns_;
  std::vector<std::vector<std::string>> needs_;  // variables that must be bound first
  std::vector<std::vector<std::string>> vars_;   // each clause's variables
  // Per variable, the clauses that may narrow a scan of it to a range ((> ?v 10) ...).
  std::unordered_map<std::string, std::vector<std::size_t>> range_predicates_;
};

// Estimated rows of the relations bound so far while a plan is built (sizes, not relations).
// Variables are looked up by hash and groups merged in place, so that building a plan of
// thousands of clauses stays about linear per step.
class EstimatedBindings {
 public:
  explicit EstimatedBindings(const std::vector<std::pair<std::vector<std::string>, double>>& groups = {});
  [[nodiscard]] std::optional<double> rows(const std::string& var) const;
  // After a clause: its variables end up in one group of `rows` rows.
  void bind(const std::vector<std::string>& vars, double rows);
  // Every bound variable: group by group, a merged group last; in a group, the most recently
  // touched of the groups it was merged from first, the newly bound variables last.
  [[nodiscard]] std::vector<std::string> bound_vars() const;

 private:
  struct Group {
    std::vector<std::string> vars;
    double rows = 0;
  };
  std::vector<Group> groups_;        // by id; a group merged into another is left empty
  std::vector<std::size_t> order_;   // the ids of the live groups, in order
  std::unordered_map<std::string, std::size_t> group_of_;  // variable -> group id
};

}  // namespace quarry::query
