// Running a parsed query against databases and inputs.
//
// Conventions inside the query layer (and so in results): entity ids, tx ids and ref values are
// longs (Value(std::int64_t)), never Value(EntityId); attributes bound by a pattern's attribute
// position are keywords (their idents). Relations have set semantics; :with keeps one row per
// distinct binding of the :with variables, so aggregates see a bag.
//
// Thread safety: run_query reads only its arguments; any number may run at once.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "codec/error.hpp"
#include "codec/value.hpp"
#include "index/db.hpp"
#include "query/parse/ast.hpp"

namespace quarry::query {

// One input, in :in order: a database for a $ source, or a value (a rules vector for %, a scalar,
// tuple, collection or relation for a binding).
using Input = std::variant<index::Db, Value>;

// Guards against runaway queries. Defaults: no deadline, no cancel flag, 50 million rows.
struct Limits {
  // Checked between clauses and every few thousand rows: past it, :query/timeout.
  std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt;
  // When it becomes true (from any thread), the query stops with :query/cancelled.
  const std::atomic<bool>* cancel = nullptr;
  // Largest intermediate relation (rows) a query may build: beyond it, :query/limit.
  std::uint64_t max_rows = 50'000'000;
  // Largest intermediate relation in bytes of cells (rows x columns x sizeof(Value); strings and
  // other heap parts not counted): beyond it, :query/limit. A cross product of a few columns
  // reaches it long before max_rows, and long before the process runs out of memory.
  std::uint64_t max_bytes = std::uint64_t{2} << 30;
};

// What run_query builds of the result: one value (q's), or its rows as cells in one block (q_rows's,
// no allocation per row).
enum class OutputForm : std::uint8_t { Value, Rows };

struct QueryOutput {
  // OutputForm::Value: Relation: a set of vectors (with :with, a vector of vectors);
  // :keys/:strs/:syms: a set of maps (vector with :with); Collection: a vector; Scalar: the value
  // or nil; Tuple: a vector or nil.
  Value value;
  FindShape shape = FindShape::Relation;
  // One name per :find element, as written: "?name", "(count ?e)", "(pull ?e [:name])".
  std::vector<std::string> columns;
  // OutputForm::Rows (`value` left nil): the rows `value` would hold, in its order, `width` cells
  // each, row after row: a relation's tuples (a return map's values in :keys order), a
  // collection's elements (width 1), a scalar or tuple as one row, or none when it is nil.
  std::vector<Value> cells;
  std::size_t width = 0;
};

// Runs `query` with `inputs` bound to its :in, in order. :query/input when inputs do not match :in;
// the errors of query/parse/parser.hpp's check_rules for rule calls; :query/function, :query/timeout,
// :query/cancelled, :query/limit; storage errors from reading the indexes.
[[nodiscard]] Result<QueryOutput> run_query(const Query& query, std::span<const Input> inputs,
                                            const Limits& limits = {}, OutputForm form = OutputForm::Value);

class PlanCache;  // query/exec/plan_cache.hpp

// Where a run keeps its plan: `plans` holds plans of `query` (the QueryCache's object, which the
// plans point into) between runs (query/exec/plan_cache.hpp says when one is reused).
struct PlanCaching {
  std::shared_ptr<const Query> query;
  PlanCache* plans = nullptr;
};

// run_query of *caching.query, its plan taken from and kept in caching.plans.
[[nodiscard]] Result<QueryOutput> run_query(const PlanCaching& caching, std::span<const Input> inputs,
                                            const Limits& limits = {}, OutputForm form = OutputForm::Value);

struct ExplainOptions {
  // Run the plan too: every step gets :actual (rows) and :ms, the plan :rows and :ms.
  bool analyze = false;
  // The limits of the run when analyze is set.
  Limits limits = {};
  // With analyze, when given: the query's output is moved here (as run_query returns it), so one
  // run gives both the plan's figures and the answer.
  QueryOutput* output = nullptr;
};

// The plan run_query builds and executes for these inputs, as EDN (shape in query/exec/explain.cpp:
// {:plan [STEP...] :find [...]}, each STEP with :op and :estimate; with analyze also :actual and
// :ms per step and :rows and :ms for the whole). Same errors as run_query; with analyze, also
// those of running it.
[[nodiscard]] Result<Value> explain_query(const Query& query, std::span<const Input> inputs,
                                          const ExplainOptions& options = {});
// explain_query of *caching.query: the plan a run_query with the same cache would run (a cached
// one when the cache holds it), kept in the cache when planned.
[[nodiscard]] Result<Value> explain_query(const PlanCaching& caching, std::span<const Input> inputs,
                                          const ExplainOptions& options = {});

}  // namespace quarry::query
