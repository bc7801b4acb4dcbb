// explain_query (query/engine.hpp): the plan run_query would follow, planned from estimates.
//
// Shape:
//   {:clauses [{:clause [?e :name "Ivan"]   ; the clause as written
//               :index :avet                ; :eavt :aevt :avet :vaet for data patterns;
//                                           ; :filter (predicate, not), :function, :join (or),
//                                           ; :rule (rule call)
//               :lookup false               ; patterns: true = one index lookup per binding
//                                           ; of the bound variables, false = one scan
//               :range [50000 nil]          ; patterns narrowed by range predicates: [start end]
//               :bound [?x]                 ; variables bound before the clause runs
//               :estimate 2579}             ; expected rows afterwards
//              ...]
//    :find [?e (count ?f)]}
// The order is the planner's with estimated sizes (inputs at their real sizes); run_query plans
// with the real sizes as it goes, so the order can differ when estimates are far off.
#include <cmath>

#include "query/clause_order.hpp"
#include "query/clause_vars.hpp"
#include "query/engine.hpp"
#include "query/find.hpp"
#include "query/inputs.hpp"
#include "query/parser.hpp"

namespace quarry::query {
namespace {

Value kw(std::string_view name) { return Value::keyword(name); }

Value index_keyword(const Clause& clause, const PlanStep& step) {
  if (step.pattern) {
    if (!step.pattern->source->db) return kw("collection");
    return kw(index_order_name(step.access.order));
  }
  if (std::holds_alternative<Predicate>(clause.node) || std::holds_alternative<Not>(clause.node)) return kw("filter");
  if (std::holds_alternative<FunctionCall>(clause.node)) return kw("function");
  if (std::holds_alternative<Or>(clause.node)) return kw("join");
  if (std::holds_alternative<RuleCall>(clause.node)) return kw("rule");
  return kw("join");
}

std::int64_t rounded(double x) {
  if (!std::isfinite(x) || x < 0) return 0;
  return x > 9e18 ? static_cast<std::int64_t>(9e18) : static_cast<std::int64_t>(std::llround(x));
}

}  // namespace

Result<Value> explain_query(const Query& query, std::span<const Input> inputs) {
  const Limits limits;
  Context ctx(limits);
  Bindings bindings;
  if (auto r = bind_inputs(query, inputs, ctx, bindings); !r) return std::unexpected(r.error());
  std::vector<std::pair<std::vector<std::string>, double>> groups;
  std::vector<std::string> bound;
  for (const Relation& r : bindings.relations()) {
    groups.emplace_back(r.vars(), static_cast<double>(r.size()));
    for (const std::string& v : r.vars()) bound.push_back(v);
  }
  EstimatedBindings estimated(groups);
  auto planner = ClausePlanner::make(ctx, query.where, bound);
  if (!planner) return std::unexpected(planner.error());
  const BoundRows rows = [&](const std::string& var) { return estimated.rows(var); };
  const ScalarLookup scalar = [&](const std::string& var) -> const Value* {
    const int i = bindings.find(var);
    if (i < 0) return nullptr;
    const Relation& r = bindings.relations()[static_cast<std::size_t>(i)];
    return r.size() == 1 ? &r.at(0, static_cast<std::size_t>(r.column(var))) : nullptr;
  };
  Vector clauses;
  while (!planner->done()) {
    auto step = planner->next(ctx, rows, scalar);
    if (!step) return std::unexpected(step.error());
    const Clause& clause = query.where[step->clause];
    Vector bound_now;
    for (const std::string& v : estimated.bound_vars()) bound_now.items.push_back(Value::symbol(v));
    std::vector<std::pair<Value, Value>> entries;
    entries.emplace_back(kw("clause"), to_edn(clause));
    entries.emplace_back(kw("index"), index_keyword(clause, *step));
    if (step->pattern) {
      entries.emplace_back(kw("lookup"), Value(step->access.probe));
      if (step->access.range) {
        const ValueRange& r = step->range;
        Value start = r.start ? *r.start : Value();
        Value end = r.end ? *r.end : (r.last ? *r.last : Value());
        entries.emplace_back(kw("range"), Value(Vector{{start, end}}));
      }
    }
    entries.emplace_back(kw("bound"), Value(std::move(bound_now)));
    entries.emplace_back(kw("estimate"), Value(rounded(step->rows)));
    Map m;
    (void)make_map(std::move(entries), m);
    clauses.items.push_back(Value(std::move(m)));

    std::vector<std::string> touched = output_vars(clause);
    for (const std::string& v : clause_vars(clause))
      if (estimated.rows(v)) add_unique(touched, v);
    estimated.bind(touched, step->rows);
  }
  Map plan;
  (void)make_map({{kw("clauses"), Value(std::move(clauses))}, {kw("find"), find_form(query)}}, plan);
  return Value(std::move(plan));
}

}  // namespace quarry::query
