// The variables clauses mention, bind and need: what the planner and the operators of not, or and
// rules ask of a clause.
#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "query/parse/ast.hpp"

namespace quarry::query {

// Appends the distinct variables `clause` mentions (nested clauses included) to `out`.
void collect_vars(const Clause& clause, std::vector<std::string>& out);
[[nodiscard]] std::vector<std::string> clause_vars(const Clause& clause);

// The variables a predicate or function expression reads, all of which must be bound before it
// runs: a function variable ([(?f ?x)], ast.hpp) first, then its argument variables, distinct.
[[nodiscard]] std::vector<std::string> call_inputs(const std::string& fn,
                                                   const std::vector<FnArg>& args);

// The variables a binding form binds, in order (blanks left out).
void collect_binding_vars(const Binding& binding, std::vector<std::string>& out);
[[nodiscard]] std::vector<std::string> binding_vars(const Binding& binding);

// The variables an or / or-join shares with the clauses around it: or-join's required and join
// variables; for or, every variable of its branches.
[[nodiscard]] std::vector<std::string> or_vars(const Or& clause);

// The variables bound once `clause` has run (none for predicates and not).
[[nodiscard]] std::vector<std::string> output_vars(const Clause& clause);

// Where variables stand in the data patterns of a clause list (nested not/or/and included; rule
// bodies are not seen): what inputs must be resolved against, and which variables hold attributes.
struct PatternPositions {
  struct RefValue {
    std::string var;
    std::string source;  // the pattern's source as written ("$" for the default)
    Value attribute;     // the constant attribute (a keyword); the caller checks that it is a ref
  };
  std::vector<std::pair<std::string, std::string>> entity;  // (var, source): in e position
  std::vector<std::string> attribute;                        // in a position
  std::vector<RefValue> value;                               // in v position with a constant a
};
[[nodiscard]] PatternPositions pattern_positions(std::span<const Clause> clauses);

// Appends `name` to `out` unless it is there already.
void add_unique(std::vector<std::string>& out, const std::string& name);

}  // namespace quarry::query
