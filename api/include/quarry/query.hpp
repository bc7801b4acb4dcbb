// Queries and pull over database values (the language is doc/query.md; the engine is
// doc/architecture.md, "The query pipeline").
//
//   quarry::Db db = database.db();
//   auto r = quarry::q("[:find ?n :in $ ?min :where [?e :age ?a] [(>= ?a ?min)] [?e :name ?n]]",
//                      {db, quarry::Value(30)});
//   // r->value is #{["Ann"] ...}; r->columns is {"?n"}
//   auto ann = db.pull("[:name {:friend [:name]}]", quarry::Value(1));   // (quarry.hpp)
//
// Results use Quarry's query conventions: entity ids, tx ids and refs are longs; attributes are
// keywords; a relation is a set of vectors (a vector of vectors with :with).
//
// Parsed queries are cached (keyed by the query's EDN value), so running the same query text again
// skips parsing. Thread safety: any number of queries may run at once on any Db values.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "quarry/quarry.hpp"
#include "quarry/value.hpp"

namespace quarry {

// One query input, in :in order: a database for a $ source, or a value (a rules vector for %,
// a scalar, tuple, collection or relation for the other bindings).
using QueryInput = std::variant<Db, Value>;

// Guards against runaway queries; the defaults never stop a query except at 50 million rows.
struct QueryOptions {
  // Past this point the query stops with :query/timeout.
  std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt;
  // When it becomes true (set from any thread, e.g. a Ctrl-C handler), the query stops with
  // :query/cancelled. The flag must outlive the call.
  const std::atomic<bool>* cancel = nullptr;
  // Largest intermediate relation, in rows, before the query stops with :query/limit.
  std::uint64_t max_rows = 50'000'000;
  // Memory budget: the largest intermediate relation in bytes of cells (rows x columns x
  // sizeof(Value), 40 bytes; the heap parts of strings are not counted). Default 2 GiB; past it
  // the query stops with :query/limit.
  std::uint64_t max_bytes = std::uint64_t{2} << 30;
};

// The shape :find asked for.
enum class FindShape : std::uint8_t {
  Relation,    // :find ?a ?b      -> a set of tuples (vectors), or of maps with :keys
  Collection,  // :find [?a ...]   -> a vector
  Scalar,      // :find ?a .       -> one value, nil when nothing matched
  Tuple,       // :find [?a ?b]    -> one vector, nil when nothing matched
};

struct QueryResult {
  Value value;
  FindShape shape = FindShape::Relation;
  // One name per :find element, as written: "?name", "(count ?e)".
  std::vector<std::string> columns;
};

// Runs a query (EDN text or an already-read Value, optionally quoted) with `inputs` bound to its
// :in in order; a query without :in takes one database. Errors: :edn/syntax, :query/syntax,
// :query/invalid, :query/input, :query/function, :query/timeout, :query/cancelled, :query/limit.
[[nodiscard]] Result<QueryResult> q(std::string_view query_edn, std::span<const QueryInput> inputs,
                                    const QueryOptions& options = {});
[[nodiscard]] Result<QueryResult> q(const Value& query, std::span<const QueryInput> inputs,
                                    const QueryOptions& options = {});
// Text is EDN: the const char* and std::string overloads exist so that a string is not taken for
// a Value holding a string (as Database::transact does).
[[nodiscard]] inline Result<QueryResult> q(const std::string& query_edn, std::span<const QueryInput> inputs,
                                           const QueryOptions& options = {}) {
  return q(std::string_view(query_edn), inputs, options);
}
[[nodiscard]] inline Result<QueryResult> q(const char* query_edn, std::span<const QueryInput> inputs,
                                           const QueryOptions& options = {}) {
  return q(std::string_view(query_edn), inputs, options);
}
[[nodiscard]] inline Result<QueryResult> q(std::string_view query_edn,
                                           std::initializer_list<QueryInput> inputs,
                                           const QueryOptions& options = {}) {
  return q(query_edn, std::span<const QueryInput>(inputs.begin(), inputs.size()), options);
}

// A query read, parsed and checked once (quarry::prepare) and run many times with
// q(prepared, inputs): what a prepared statement is to SQLite. q(Value) finds an earlier parse in
// a cache keyed by the query's value, which costs hashing and comparing the whole form per call;
// a prepared query skips that. Its plans are kept as q's are (doc/query.md, "Plans are kept").
// Copies share one parsed query; any number of threads may run one at once.
class PreparedQuery {
 public:
  // The query as it was given.
  [[nodiscard]] const Value& form() const noexcept { return form_; }

 private:
  friend struct PreparedQueryAccess;
  std::shared_ptr<const void> parsed_;  // the parsed query (internal)
  Value form_;
};

// Parses and checks a query without running it. Errors: :edn/syntax, :query/syntax,
// :query/invalid (the checks that need no database or inputs).
[[nodiscard]] Result<PreparedQuery> prepare(const Value& query);
[[nodiscard]] Result<PreparedQuery> prepare(std::string_view query_edn);
// Text is EDN (as for q): these overloads keep a string from being taken for a Value.
[[nodiscard]] inline Result<PreparedQuery> prepare(const char* query_edn) { return prepare(std::string_view(query_edn)); }
[[nodiscard]] inline Result<PreparedQuery> prepare(const std::string& query_edn) {
  return prepare(std::string_view(query_edn));
}
// q of a prepared query; errors as q's, less those of parsing.
[[nodiscard]] Result<QueryResult> q(const PreparedQuery& query, std::span<const QueryInput> inputs,
                                    const QueryOptions& options = {});
[[nodiscard]] inline Result<QueryResult> q(const PreparedQuery& query, std::initializer_list<QueryInput> inputs,
                                           const QueryOptions& options = {}) {
  return q(query, std::span<const QueryInput>(inputs.begin(), inputs.size()), options);
}

// A query's answer as rows of cells in one block (quarry::q_rows): what q answers, without a vector
// allocated for each row, for large results read row by row (a million rows of two longs: one
// allocation instead of a million, and nothing per row to free; cf. iterating sqlite3_step).
//
//   auto rows = quarry::q_rows("[:find ?e ?s :where [?e :salary ?s] [(> ?s 50000)]]", {db});
//   for (std::size_t i = 0; i < rows->size(); ++i) use(rows->row(i)[0], rows->row(i)[1]);
//
// The rows, `width` cells each, by shape: Relation: the set's tuples in its order (with :with,
// the bag's rows); with :keys/:strs/:syms, each map's values in :keys order, rows in tuple order;
// Collection: its elements (width 1); Scalar and Tuple: one row, or none where q gives nil.
struct QueryRows {
  FindShape shape = FindShape::Relation;
  std::vector<std::string> columns;  // as QueryResult::columns
  std::size_t width = 0;             // cells per row
  std::vector<Value> cells;          // row after row
  [[nodiscard]] std::size_t size() const noexcept { return width == 0 ? 0 : cells.size() / width; }
  // REQUIRES: i < size().
  [[nodiscard]] std::span<const Value> row(std::size_t i) const noexcept {
    return {cells.data() + i * width, width};
  }
};

// q's answer as rows (QueryRows); the same inputs, options and errors as q.
[[nodiscard]] Result<QueryRows> q_rows(std::string_view query_edn, std::span<const QueryInput> inputs,
                                       const QueryOptions& options = {});
[[nodiscard]] Result<QueryRows> q_rows(const Value& query, std::span<const QueryInput> inputs,
                                       const QueryOptions& options = {});
[[nodiscard]] Result<QueryRows> q_rows(const PreparedQuery& query, std::span<const QueryInput> inputs,
                                       const QueryOptions& options = {});
// Text is EDN (as for q): these overloads keep a string from being taken for a Value.
[[nodiscard]] inline Result<QueryRows> q_rows(const char* query_edn, std::span<const QueryInput> inputs,
                                              const QueryOptions& options = {}) {
  return q_rows(std::string_view(query_edn), inputs, options);
}
[[nodiscard]] inline Result<QueryRows> q_rows(const std::string& query_edn, std::span<const QueryInput> inputs,
                                              const QueryOptions& options = {}) {
  return q_rows(std::string_view(query_edn), inputs, options);
}
[[nodiscard]] inline Result<QueryRows> q_rows(std::string_view query_edn, std::initializer_list<QueryInput> inputs,
                                              const QueryOptions& options = {}) {
  return q_rows(query_edn, std::span<const QueryInput>(inputs.begin(), inputs.size()), options);
}
[[nodiscard]] inline Result<QueryRows> q_rows(const PreparedQuery& query, std::initializer_list<QueryInput> inputs,
                                              const QueryOptions& options = {}) {
  return q_rows(query, std::span<const QueryInput>(inputs.begin(), inputs.size()), options);
}

struct ExplainOptions {
  // Also run the plan: each step gets :actual (rows) and :ms, the whole :rows and :ms.
  bool analyze = false;
  // The limits of that run (analyze only).
  QueryOptions query = {};
  // With analyze, when given: the query's result, as q returns it, is moved here — one run gives
  // both the plan's figures and the answer (and the caller, not explain, disposes of the answer).
  QueryResult* result = nullptr;
};

// The plan q builds and runs for these inputs, as EDN (what the REPL's (explain ...) prints):
// {:plan [STEP ...] :find [...]}, each STEP a map with :op (:scan :lookup :filter :function :not
// :or :and :rule :collection), :clause, :index and :range for data patterns, :bound and
// :estimate (rows). With analyze, the query runs: each STEP also has :actual and :ms, and the
// map :rows (the result's size) and :ms. Errors: those of q.
[[nodiscard]] Result<Value> explain(const Value& query, std::span<const QueryInput> inputs,
                                    const ExplainOptions& options = {});
[[nodiscard]] Result<Value> explain(const PreparedQuery& query, std::span<const QueryInput> inputs,
                                    const ExplainOptions& options = {});

// A custom function: called with a clause's arguments (entity ids and refs as longs), it returns
// the result — for a predicate, nil or false drop the row; for a function expression, nil binds
// nothing — or an Error, which ends the query (ErrorCode::QueryFunction is the usual code). It
// checks its own arguments (any number reach it) and must be safe to call from several threads.
using QueryFn = std::function<Result<Value>(std::span<const Value> args)>;

// Makes `fn` callable in every query parsed from now on, process-wide, by name like a built-in
// ([(my/slug ?name) ?s], [(my/valid? ?x)]) and as a function input (the symbol my/slug passed for
// ?f in [(?f ?x) ?y]):
//
//   quarry::register_function("my/twice", [](std::span<const quarry::Value> args) -> quarry::Result<quarry::Value> {
//     return quarry::Value(args[0].as<std::int64_t>() * 2);  // (check args in real code)
//   });
//   quarry::q("[:find ?y . :where [(my/twice 21) ?y]]", {db});   // 42
//
// A later registration of the same name replaces it. Thread-safe. Errors: :query/invalid when
// `name` is not a plain symbol, is a built-in function's name, or `fn` is empty.
[[nodiscard]] Result<void> register_function(std::string_view name, QueryFn fn);

// A custom aggregate: called once per group with the group's values (one per row, duplicates
// kept, never empty; entity ids and refs as longs), it returns the group's result or an Error,
// which ends the query (ErrorCode::QueryFunction is the usual code). It must be safe to call from
// several threads at once.
using AggregateFn = std::function<Result<Value>(std::span<const Value> values)>;

// Makes `fn` callable in :find as (NAME ?x) in every query parsed from now on, process-wide:
//
//   quarry::register_aggregate("my/median", [](std::span<const quarry::Value> xs) -> ... );
//   quarry::q("[:find (my/median ?a) . :where [_ :age ?a]]", {db});
//
// A later registration of the same name replaces it (queries already running keep the old one).
// Thread-safe. Errors: :query/invalid when `name` is not a plain symbol (a namespace is
// recommended: "my/median"), is a built-in aggregate's name, or `fn` is empty.
[[nodiscard]] Result<void> register_aggregate(std::string_view name, AggregateFn fn);

}  // namespace quarry
