// The execution context of one run_query: its Scope (plan/scope.hpp: sources, rules) and the
// checks of Limits (deadline, cancel flag, row limit).
//
// Limits are checked between clauses (check_interrupt), every few thousand rows produced (tick),
// and whenever a relation grows (check_rows). Operators call tick() from their inner loops with the
// number of rows (or datoms) they have just handled; it costs an addition unless a check is due.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "codec/error.hpp"
#include "codec/value.hpp"
#include "index/db.hpp"
#include "query/parse/ast.hpp"
#include "query/exec/engine.hpp"
#include "query/exec/relation.hpp"
#include "query/plan/plan.hpp"
#include "query/plan/scope.hpp"

namespace quarry::query {

class RuleRuntime;  // query/rules/rules.cpp: the tables of rule evaluation in progress
class PlanCache;    // query/exec/plan_cache.hpp
class PlanHold;     // query/exec/plan_cache.hpp
struct RunKey;      // query/exec/plan_cache.hpp

// Where the last step of a query's where clauses may send its rows instead of building the final
// relation with them (an aggregate :find's groups, query/exec/aggregate_groups.hpp). The operator
// offers the columns its rows would have to open(); on true it calls add() once per row, in the
// order it would have appended them, and leaves its relation empty (so the bindings are empty).
class RowSink {
 public:
  virtual ~RowSink() = default;
  // Whether rows over `vars` (in that order) can be taken; at most once true.
  virtual bool open(std::span<const std::string> vars) = 0;
  [[nodiscard]] virtual bool opened() const noexcept = 0;
  // One row: head's cells, then tail's (a bound row and a datom's new columns).
  virtual void add(std::span<const Value> head, std::span<const Value> tail) = 0;
  // The rows added so far.
  [[nodiscard]] virtual std::uint64_t rows() const noexcept = 0;
};

class Context : public Scope {
 public:
  explicit Context(const Limits& limits)
      : limits_(limits), max_cells_(limits.max_bytes / sizeof(Value)) {}

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
  // Both limits for a relation of `rows` rows of `columns` cells: :query/limit past max_rows or
  // past max_bytes of cells.
  [[nodiscard]] Result<void> check_rows(std::size_t rows, std::size_t columns) const {
    if (fits(rows, columns)) return {};
    return rows > limits_.max_rows ? row_limit_error() : byte_limit_error(rows, columns);
  }
  // Whether such a relation is within both limits (operators stop filling one that is not).
  [[nodiscard]] bool fits(std::size_t rows, std::size_t columns) const noexcept {
    return rows <= limits_.max_rows && rows * std::max<std::size_t>(columns, 1) <= max_cells_;
  }
  [[nodiscard]] std::uint64_t max_rows() const noexcept { return limits_.max_rows; }

  // Plans kept between runs and this run's share of their keys (query/exec/plan_cache.hpp):
  // null when this run's plans are not cached.
  PlanCache* plans = nullptr;
  std::shared_ptr<const RunKey> run_key;
  // Rule-body plans this run has used, by the hash of their clause list and what was bound
  // (plan_cache.cpp): each held (lent by the plan cache, or owned) until the run ends.
  struct RulePlan {
    const Clause* clauses = nullptr;
    Value shape;  // BindingsShape::build()
    std::shared_ptr<PlanHold> hold;
    const Plan* plan = nullptr;
  };
  std::unordered_multimap<std::size_t, RulePlan> rule_plans;

  // The rows the step running now failed on: a predicate or function call that fails on a row
  // (a type error, say) records the row here and goes on with the others; execute() then decides
  // whether the query fails (query/exec/solve.hpp, settle_failures). `rows` holds the call's
  // input rows (over the variables of the relation it ran on), `errors` each one's error.
  struct FailedRows {
    Relation rows;
    std::vector<Error> errors;
  };
  std::optional<FailedRows> failed;
  // Set by not and or for the clause list they run from their seed, and cleared by the execute()
  // running that list: the seed's variables. A failed row that would reach the list's result is
  // then handed back in `escaped` (its seed tuple, over these variables, and its error) instead of
  // failing the query, so that not and or weigh it against the clauses around them.
  const std::vector<std::string>* escape_vars = nullptr;
  std::optional<FailedRows> escaped;
  // Records a row that a call failed on, unless the error must end the query at once (timeout,
  // cancellation, limits, out of memory, a bug). Returns the error when it must.
  [[nodiscard]] Result<void> fail_row(const Relation& in, std::span<const Value> row, Error error);
  // Set by run_query around the top-level solve when the :find part can take the last step's rows
  // one by one (query/exec/find.hpp, aggregate_sink). execute() takes it and hands it back only
  // while its last step runs, when that step is a data pattern; apply_pattern takes it in turn
  // and streams into it when its output is a relation of exactly the :find variables.
  RowSink* sink = nullptr;
  RuleRuntime* rule_runtime = nullptr;   // set while rule bodies are evaluated
  int rule_depth = 0;  // nested rule evaluations (rule calls inside not), bounded

 private:
  [[nodiscard]] Result<void> row_limit_error() const;
  [[nodiscard]] Result<void> byte_limit_error(std::size_t rows, std::size_t columns) const;
  static constexpr std::uint64_t kTickInterval = 4096;
  const Limits& limits_;
  std::uint64_t max_cells_;
  std::uint64_t ticks_ = 0;
  std::uint64_t next_check_ = 0;
};

}  // namespace quarry::query
