#include "quarry/query.hpp"

#include <optional>

#include "api/db_impl.hpp"
#include "api/out_of_memory.hpp"
#include "query/builtins/aggregates.hpp"
#include "query/builtins/builtins.hpp"
#include "query/exec/engine.hpp"
#include "query/exec/plan_cache.hpp"
#include "query/parse/query_cache.hpp"

namespace quarry {
namespace {

// One cache for the process: parsed queries do not depend on any database.
query::QueryCache& parsed_queries() {
  static query::QueryCache cache;
  return cache;
}

// Plans of the parsed queries above, per database state and input shape (they hold no database
// alive: an entry whose database is gone is dropped).
query::PlanCache& planned_queries() {
  static query::PlanCache cache;
  return cache;
}

std::vector<query::Input> engine_inputs(std::span<const QueryInput> inputs) {
  std::vector<query::Input> out;
  out.reserve(inputs.size());
  for (const QueryInput& input : inputs) {
    if (const Db* db = std::get_if<Db>(&input)) {
      out.emplace_back(DbAccess::index_db(*db));
    } else {
      out.emplace_back(std::get<Value>(input));
    }
  }
  return out;
}

FindShape public_shape(query::FindShape shape) {
  switch (shape) {
    case query::FindShape::Relation: return FindShape::Relation;
    case query::FindShape::Collection: return FindShape::Collection;
    case query::FindShape::Scalar: return FindShape::Scalar;
    case query::FindShape::Tuple: return FindShape::Tuple;
  }
  return FindShape::Relation;
}

}  // namespace

Result<QueryResult> q(std::string_view query_edn, std::span<const QueryInput> inputs,
                      const QueryOptions& options) {
  auto form = read_edn(query_edn);
  if (!form) return std::unexpected(form.error());
  return q(*form, inputs, options);
}

namespace {

query::Limits engine_limits(const QueryOptions& o) {
  return {.deadline = o.deadline, .cancel = o.cancel, .max_rows = o.max_rows, .max_bytes = o.max_bytes};
}

// The engine's run of a parsed query, its output in `form`.
Result<query::QueryOutput> run_parsed(const std::shared_ptr<const query::Query>& parsed,
                                      std::span<const QueryInput> inputs, const QueryOptions& options,
                                      query::OutputForm form) {
  return query::run_query({parsed, &planned_queries()}, engine_inputs(inputs), engine_limits(options), form);
}

QueryResult result_of(query::QueryOutput&& out) {
  return QueryResult{std::move(out.value), public_shape(out.shape), std::move(out.columns)};
}

QueryRows rows_of(query::QueryOutput&& out) {
  return QueryRows{public_shape(out.shape), std::move(out.columns), out.width, std::move(out.cells)};
}

Result<Value> explain_parsed(const std::shared_ptr<const query::Query>& parsed, std::span<const QueryInput> inputs,
                             const ExplainOptions& options) {
  std::optional<query::QueryOutput> output;
  if (options.result) output.emplace();
  const query::ExplainOptions engine{.analyze = options.analyze, .limits = engine_limits(options.query),
                                     .output = output ? &*output : nullptr};
  auto plan = query::explain_query({parsed, &planned_queries()}, engine_inputs(inputs), engine);
  if (plan && options.result && options.analyze) *options.result = result_of(std::move(*output));
  return plan;
}

// The counters of the Database the query's first database input came from, if any.
LatencyRecorder* query_recorder(std::span<const QueryInput> inputs) {
  for (const QueryInput& input : inputs)
    if (const Db* db = std::get_if<Db>(&input))
      if (Metrics* m = DbAccess::metrics(*db)) return &m->queries;
  return nullptr;
}

std::unexpected<Error> empty_prepared() {
  return std::unexpected(Error{ErrorCode::InvalidArgument, "A query made by quarry::prepare is needed, got an empty PreparedQuery"});
}

}  // namespace

struct PreparedQueryAccess {
  static PreparedQuery make(std::shared_ptr<const query::Query> parsed, Value form) {
    PreparedQuery p;
    p.parsed_ = std::move(parsed);
    p.form_ = std::move(form);
    return p;
  }
  static std::shared_ptr<const query::Query> parsed(const PreparedQuery& p) {
    return std::static_pointer_cast<const query::Query>(p.parsed_);
  }
};

Result<PreparedQuery> prepare(const Value& query) {
  return guard_allocation("preparing a query", [&]() -> Result<PreparedQuery> {
    auto parsed = parsed_queries().parse(query);
    if (!parsed) return std::unexpected(parsed.error());
    return PreparedQueryAccess::make(std::move(*parsed), query);
  });
}

Result<PreparedQuery> prepare(std::string_view query_edn) {
  auto form = read_edn(query_edn);
  if (!form) return std::unexpected(form.error());
  return prepare(*form);
}

namespace {

// q and q_rows: the parsed query `parse` gives, run with its output in `form` and made the
// caller's result by `make`; timed for the database's counters, allocation failures caught.
template <class Parse, class Make>
auto run_timed(std::span<const QueryInput> inputs, const QueryOptions& options, query::OutputForm form, Parse parse,
               Make make) -> Result<decltype(make(query::QueryOutput{}))> {
  using Out = decltype(make(query::QueryOutput{}));
  return timed(query_recorder(inputs), [&] { return guard_allocation("running a query", [&]() -> Result<Out> {
    Result<std::shared_ptr<const query::Query>> parsed = parse();
    if (!parsed) return std::unexpected(parsed.error());
    auto out = run_parsed(*parsed, inputs, options, form);
    if (!out) return std::unexpected(out.error());
    return make(std::move(*out));
  }); });
}

// A query form, parsed (or found among the parsed queries).
auto parse_form(const Value& query) {
  return [&query] { return parsed_queries().parse(query); };
}

// A prepared query's parse. REQUIRES: not empty.
auto parse_prepared(const PreparedQuery& query) {
  return [&query]() -> Result<std::shared_ptr<const query::Query>> { return PreparedQueryAccess::parsed(query); };
}

}  // namespace

Result<QueryResult> q(const Value& query, std::span<const QueryInput> inputs, const QueryOptions& options) {
  return run_timed(inputs, options, query::OutputForm::Value, parse_form(query), result_of);
}

Result<QueryResult> q(const PreparedQuery& query, std::span<const QueryInput> inputs, const QueryOptions& options) {
  if (!PreparedQueryAccess::parsed(query)) return empty_prepared();
  return run_timed(inputs, options, query::OutputForm::Value, parse_prepared(query), result_of);
}

Result<QueryRows> q_rows(std::string_view query_edn, std::span<const QueryInput> inputs, const QueryOptions& options) {
  auto form = read_edn(query_edn);
  if (!form) return std::unexpected(form.error());
  return q_rows(*form, inputs, options);
}

Result<QueryRows> q_rows(const Value& query, std::span<const QueryInput> inputs, const QueryOptions& options) {
  return run_timed(inputs, options, query::OutputForm::Rows, parse_form(query), rows_of);
}

Result<QueryRows> q_rows(const PreparedQuery& query, std::span<const QueryInput> inputs, const QueryOptions& options) {
  if (!PreparedQueryAccess::parsed(query)) return empty_prepared();
  return run_timed(inputs, options, query::OutputForm::Rows, parse_prepared(query), rows_of);
}

Result<Value> explain(const Value& query, std::span<const QueryInput> inputs, const ExplainOptions& options) {
  return guard_allocation("explaining a query", [&]() -> Result<Value> {
    auto parsed = parsed_queries().parse(query);
    if (!parsed) return std::unexpected(parsed.error());
    return explain_parsed(*parsed, inputs, options);
  });
}

Result<Value> explain(const PreparedQuery& query, std::span<const QueryInput> inputs, const ExplainOptions& options) {
  if (!PreparedQueryAccess::parsed(query)) return empty_prepared();
  return guard_allocation("explaining a query",
                          [&]() { return explain_parsed(PreparedQueryAccess::parsed(query), inputs, options); });
}

Result<void> register_function(std::string_view name, QueryFn fn) {
  return query::register_custom_function(name, std::move(fn));
}

Result<void> register_aggregate(std::string_view name, AggregateFn fn) {
  return query::register_custom_aggregate(name, std::move(fn));
}

}  // namespace quarry
