// The execution context of one run_query: the sources by name, the rule set, and the checks of
// Limits (deadline, cancel flag, row limit).
//
// Limits are checked between clauses (check_interrupt), every few thousand rows produced (tick),
// and whenever a relation grows (check_rows). Operators call tick() from their inner loops with the
// number of rows (or datoms) they have just handled; it costs an addition unless a check is due.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "codec/error.hpp"
#include "codec/value.hpp"
#include "index/db.hpp"
#include "query/ast.hpp"
#include "query/engine.hpp"

namespace quarry::query {

// A source a data pattern can read: a database, or a value holding a collection of tuples
// (DataScript accepts `[[1 :a] [2 :b]]` passed for $ and matches patterns against its elements).
struct Source {
  const index::Db* db = nullptr;
  const Value* tuples = nullptr;  // set when db is null
};

// Rules grouped by name; each name's branches in the order they were written.
struct RuleSet {
  std::vector<Rule> rules;
  std::unordered_map<std::string, std::vector<const Rule*>> by_name;
  [[nodiscard]] const std::vector<const Rule*>* find(const std::string& name) const {
    auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : &it->second;
  }
};

class RuleRuntime;  // query/rules.cpp: the tables of rule evaluation in progress

class Context {
 public:
  explicit Context(const Limits& limits) : limits_(limits) {}

  // Deadline and cancel flag: :query/timeout, :query/cancelled.
  [[nodiscard]] Result<void> check_interrupt() const;
  // Counts work; runs check_interrupt() every kTickInterval units.
  [[nodiscard]] Result<void> tick(std::size_t units = 1) {
    ticks_ += units;
    if (ticks_ < next_check_) return {};
    next_check_ = ticks_ + kTickInterval;
    return check_interrupt();
  }
  // :query/limit when a relation would hold more than max_rows rows.
  [[nodiscard]] Result<void> check_rows(std::size_t rows) const {
    if (rows <= limits_.max_rows) return {};  // inline: operators call this per row
    return row_limit_error();
  }
  [[nodiscard]] std::uint64_t max_rows() const noexcept { return limits_.max_rows; }

  // The source a clause names; "$" means default_source. nullptr when not bound by :in.
  [[nodiscard]] const Source* source(const std::string& name) const;
  [[nodiscard]] const Source* source(const SrcVar& var) const { return source(var.name); }

  std::map<std::string, Source, std::less<>> sources;
  // What "$" refers to: "$", or the source of an enclosing (not $src ...), (or $src ...) or
  // ($src rule ...).
  std::string default_source = "$";
  std::shared_ptr<const RuleSet> rules;  // nullptr when no % was bound
  RuleRuntime* rule_runtime = nullptr;   // set while rule bodies are evaluated
  // While rule bodies run: plan clauses from estimates only, so that a body's clause order (and
  // with it which arguments of its rule calls are bound) is the same at every iteration.
  bool static_plans = false;
  // Variables in the attribute position of some data pattern of the query or its rules: they
  // hold idents (query/pattern.hpp, ResolvedPattern::e_is_attribute).
  std::vector<std::string> attribute_vars;
  // Inputs for entity variables given as lookup refs or idents, resolved to ids when bound
  // (query/inputs.hpp): variable -> id -> the value as given, restored in the :find output.
  std::map<std::string, std::unordered_map<std::int64_t, Value>, std::less<>> entity_inputs;
  int rule_depth = 0;  // nested rule evaluations (rule calls inside not), bounded

 private:
  [[nodiscard]] Result<void> row_limit_error() const;
  static constexpr std::uint64_t kTickInterval = 4096;
  const Limits& limits_;
  std::uint64_t ticks_ = 0;
  std::uint64_t next_check_ = 0;
};

}  // namespace quarry::query
