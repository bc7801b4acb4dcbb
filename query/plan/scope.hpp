// Scope: what a query's clauses can refer to once its inputs are bound — the sources by name, the
// rule set, and the facts about variables that planning and execution both need. The planner reads
// it; exec/context.hpp's Context extends it with the limits and state of one run.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "codec/value.hpp"
#include "index/db.hpp"
#include "query/parse/ast.hpp"

namespace quarry::query {

// A source a data pattern can read: a database, or a value holding a collection of tuples
// (DataScript accepts `[[1 :a] [2 :b]]` passed for $ and matches patterns against its elements).
struct Source {
  const index::Db* db = nullptr;
  const Value* tuples = nullptr;  // set when db is null
  // The database's figures for estimates, summed over its attributes once per query run
  // (plan/pattern_resolve.cpp): datoms, attributes holding datoms.
  struct Totals {
    double datoms = 0;
    double attrs = 0;
  };
  mutable std::optional<Totals> totals;
};

// Rules grouped by name; each name's branches in the order they were written. Built once per rule
// set text (exec/inputs.cpp keeps parsed sets between runs) and never changed after: runs on any
// thread share it, and plans of its bodies stay keyed by the addresses of its clauses.
struct RuleSet {
  std::vector<Rule> rules;
  std::unordered_map<std::string, std::vector<const Rule*>> by_name;
  // Variables in the attribute position of a data pattern of some body (Scope::attribute_vars).
  std::vector<std::string> attribute_vars;
  // For each call of a rule written directly in one of that rule's own bodies: the body without
  // the call (what the right-linear evaluation runs per step, rules/rules_linear.cpp).
  std::unordered_map<const RuleCall*, std::vector<Clause>> body_without;
  [[nodiscard]] const std::vector<const Rule*>* find(const std::string& name) const {
    auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : &it->second;
  }
};

class Scope {
 public:
  // The source a clause names; "$" means default_source. nullptr when not bound by :in.
  [[nodiscard]] const Source* source(const std::string& name) const;
  [[nodiscard]] const Source* source(const SrcVar& var) const { return source(var.name); }

  std::map<std::string, Source, std::less<>> sources;
  // What "$" refers to: "$", or the source of an enclosing (not $src ...), (or $src ...) or
  // ($src rule ...).
  std::string default_source = "$";
  std::shared_ptr<const RuleSet> rules;  // nullptr when no % was bound
  // While rule bodies run: plan clauses from estimates only, so that a body's clause order (and
  // with it which arguments of its rule calls are bound) is the same at every iteration.
  bool static_plans = false;
  // Variables in the attribute position of some data pattern of the query or its rules: they
  // hold idents (plan/pattern.hpp, ResolvedPattern::e_is_attribute).
  std::vector<std::string> attribute_vars;
  // Inputs for entity variables given as lookup refs or idents, resolved to ids when bound
  // (exec/inputs.hpp): variable -> id -> the value as given, restored in the :find output.
  std::map<std::string, std::unordered_map<std::int64_t, Value>, std::less<>> entity_inputs;
};

}  // namespace quarry::query
