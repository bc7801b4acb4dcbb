// explain_query (query/exec/engine.hpp): the plan run_query runs, as EDN; with analyze, run as well.
//
// Shape (doc/architecture.md, "The quarry command"):
//   {:plan [{:op :scan                 ; query/plan/plan.hpp's StepOp: :scan :lookup :collection
//                                      ; :filter :function :not :or :and :rule
//            :clause [?e :name "Ivan"] ; the clause as written
//            :index :avet              ; data patterns: the index read
//            :range [50000 nil]        ; data patterns narrowed by range predicates: the scan's
//                                      ; [start end), widened as query/plan/range_filter.hpp says;
//                                      ; the scan applies the predicates to each datom it reads,
//            :covered true             ; so their own steps are marked and do not run
//            :bound [?x]               ; variables bound before the step
//            :estimate 2579            ; expected rows afterwards
//            :actual 2581 :ms 0.41}    ; with :analyze only: rows afterwards and wall time
//           ...]
//    :find [?e (count ?f)]
//    :rows 12 :ms 3.2}                 ; with :analyze only: result size and total wall time
// The plan is the object run_query builds and executes (query/exec/solve.hpp); the steps inside an
// or, a not or a rule body are planned when they run, from what is bound then.
#include <chrono>
#include <cmath>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

#include "query/parse/clause_vars.hpp"
#include "query/exec/aggregate_groups.hpp"
#include "query/exec/context.hpp"
#include "query/exec/engine.hpp"
#include "query/exec/find.hpp"
#include "query/exec/inputs.hpp"
#include "query/exec/plan_cache.hpp"
#include "query/parse/parser.hpp"
#include "query/exec/solve.hpp"

namespace quarry::query {

// What explain prints of a plan that does not change from run to run, kept with the plan
// (Plan::printed): per step the values of its map's entries, and the :find form. A plan printed
// again copies them into new maps, in key order; only :actual and :ms are new each run.
struct PrintedPlan {
  struct Step {
    Value bound;                   // :bound, a vector of symbols
    Value clause;                  // :clause
    bool clause_leaves = false;    // the clause is a vector of leaves (a data pattern)
    bool covered = false;          // :covered true, when set
    std::int64_t estimate = 0;     // :estimate
    Value index;                   // :index, or nil for none
    Value op;                      // :op
    Value range;                   // :range, or nil for none
  };
  std::vector<Step> steps;
  Value find;
};

namespace {

// An unqualified keyword (every key and name explain prints is one).
Value kw(std::string_view name) { return Keyword{{}, std::string(name)}; }

// The keys of the maps explain prints, made once.
struct PrintedKeys {
  Value actual = kw("actual"), bound = kw("bound"), clause = kw("clause"), covered = kw("covered"),
        estimate = kw("estimate"), find = kw("find"), index = kw("index"), ms = kw("ms"), op = kw("op"),
        plan = kw("plan"), range = kw("range"), rows = kw("rows");
};

const PrintedKeys& keys() {
  static const PrintedKeys kKeys;
  return kKeys;
}

std::int64_t rounded(double x) {
  if (!std::isfinite(x) || x < 0) return 0;
  return x > 9e18 ? static_cast<std::int64_t>(9e18) : static_cast<std::int64_t>(std::llround(x));
}

// Milliseconds to three decimals, so that printed plans stay readable.
double millis(double ms) { return std::round(ms * 1000.0) / 1000.0; }

// The size of a query's result value: rows of a relation or collection, 0/1 for a scalar/tuple.
std::int64_t result_rows(const QueryOutput& out) {
  const Value& v = out.value;
  if (out.shape == FindShape::Scalar) return v.is_nil() ? 0 : 1;
  if (out.shape == FindShape::Tuple) return v.is_nil() ? 0 : 1;
  if (const auto* s = v.get_if<Set>()) return static_cast<std::int64_t>(s->items.size());
  if (const auto* x = v.get_if<Vector>()) return static_cast<std::int64_t>(x->items.size());
  return 0;
}

// The items of `kept` when it is a vector of leaves (a data pattern, :bound, a :find form), else null.
const std::vector<Value>* leaf_items(const Value& kept) {
  const auto* v = kept.get_if<Vector>();
  if (!v) return nullptr;
  for (const Value& item : v->items)
    if (item.kind() >= ValueKind::Vector) return nullptr;
  return &v->items;
}

// The kept values of a step's map. `forms`: the clauses printed, when the parser printed them
// (Query::where_forms), else empty. `bound_before`: the variables bound when the step starts
// (for_each_bound_before).
PrintedPlan::Step printed_step(const Plan& plan, std::span<const Value> forms, const PlannedStep& step,
                               const std::vector<std::string>& bound_before) {
  PrintedPlan::Step printed;
  Vector bound;
  bound.items.reserve(bound_before.size());
  for (const std::string& v : bound_before) bound.items.push_back(Value::symbol(v));
  printed.bound = Value(std::move(bound));
  printed.clause = step.clause < forms.size() ? forms[step.clause] : to_edn(plan.clauses[step.clause]);
  printed.clause_leaves = leaf_items(printed.clause) != nullptr;
  printed.covered = step.covered;
  printed.estimate = rounded(step.estimate);
  const bool db_pattern = step.pattern && step.pattern->source->db;
  if (db_pattern) printed.index = kw(index_order_name(step.access.order));
  printed.op = kw(step_op_name(step.op));
  if (db_pattern && step.access.range) {
    const ValueRange& r = step.range;
    Value start = r.start ? *r.start : Value();
    Value end = r.end ? *r.end : (r.last ? *r.last : Value());
    printed.range = Value(Vector{{std::move(start), std::move(end)}});
  }
  return printed;
}

// The plan's printed form (PrintedPlan): built once per plan and kept with it.
const PrintedPlan& printed_plan(const Plan& plan, const Query& query, std::span<const Value> forms) {
  if (!plan.printed) {
    auto printed = std::make_shared<PrintedPlan>();
    printed->steps.reserve(plan.steps.size());
    for_each_bound_before(plan, [&](std::size_t k, const std::vector<std::string>& bound) {
      printed->steps.push_back(printed_step(plan, forms, plan.steps[k], bound));
    });
    printed->find = find_form(query);
    plan.printed = std::move(printed);
  }
  return *plan.printed;
}

// A map's entries, made in place in the order they are put: the caller puts them in key order, so
// the map is sorted as make_map would sort it, without its comparisons. In place, because a
// printed plan is most of what explain {:analyze true} adds to a query of a few microseconds:
// a Value built and then moved into an entry leaves a moved-from Value to destroy, which for a
// collection is a call into Value's release of nested values.
class SortedEntries {
 public:
  explicit SortedEntries(std::size_t capacity) { map_.entries.reserve(capacity); }
  template <class... Args>
  void put(const Value& key, Args&&... value) {
    map_.entries.emplace_back(std::piecewise_construct, std::forward_as_tuple(key),
                              std::forward_as_tuple(std::forward<Args>(value)...));
  }
  // A copy of a kept value: a vector of leaves item by item, without Value's copy of nested
  // collections and its depth count. `leaves`: the caller knows kept is one (leaf_items).
  void put_copy(const Value& key, const Value& kept, bool leaves = false) {
    const std::vector<Value>* items = leaves ? &kept.as<Vector>().items : leaf_items(kept);
    if (!items) return put(key, kept);
    put(key, Vector{*items});
  }
  [[nodiscard]] Map take() { return std::move(map_); }

 private:
  Map map_;
};

// A step's map: the kept values, with the run's :actual and :ms (run not null) or without them.
Map step_map(const PrintedPlan::Step& step, const StepRun* run) {
  const PrintedKeys& k = keys();
  SortedEntries m(9);  // :actual :bound :clause :covered :estimate :index :ms :op :range
  if (run) m.put(k.actual, static_cast<std::int64_t>(run->rows));
  m.put_copy(k.bound, step.bound, true);
  m.put_copy(k.clause, step.clause, step.clause_leaves);
  if (step.covered) m.put(k.covered, true);
  m.put(k.estimate, step.estimate);
  if (!step.index.is_nil()) m.put(k.index, step.index);
  if (run) m.put(k.ms, millis(run->ms));
  m.put(k.op, step.op);
  if (!step.range.is_nil()) m.put(k.range, step.range);
  return m.take();
}

Result<Value> explain(const Query& query, const PlanCaching& caching, std::span<const Input> inputs,
                      const ExplainOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  Context ctx(options.limits);
  Bindings bindings;
  if (auto r = bind_inputs(query, inputs, ctx, bindings); !r) return std::unexpected(r.error());
  use_plan_cache(ctx, caching, query);
  std::vector<std::string> computed;
  const std::vector<std::string>& keep = find_vars(query, computed);
  PlanHold hold;
  auto plan = cached_plan(ctx, bindings, query.where, &keep, hold);
  if (!plan) return std::unexpected(plan.error());
  std::vector<StepRun> runs;
  std::optional<QueryOutput> output;
  if (options.analyze) {
    // As run_query runs it: an aggregate's groups filled by the last step (the step's :actual is
    // then the rows it sent them).
    const std::unique_ptr<AggregateGroups> groups = aggregate_sink(ctx, query, bindings, keep);
    ctx.sink = groups.get();
    if (auto r = execute(ctx, bindings, **plan, &runs); !r) return std::unexpected(r.error());
    auto out = find_output(ctx, query, bindings, &keep, OutputForm::Value, groups.get());
    if (!out) return std::unexpected(out.error());
    output = std::move(*out);
  }
  Vector steps;
  const Plan& planned = **plan;
  std::span<const Value> forms;
  if (planned.clauses.data() == query.where.data() && query.where_forms.size() == query.where.size())
    forms = query.where_forms;
  const PrintedPlan& printed = printed_plan(planned, query, forms);
  steps.items.reserve(printed.steps.size());
  for (std::size_t k = 0; k < printed.steps.size(); ++k)
    steps.items.emplace_back(step_map(printed.steps[k], options.analyze ? &runs[k] : nullptr));
  const PrintedKeys& key = keys();
  SortedEntries m(4);  // :find :ms :plan :rows
  m.put_copy(key.find, printed.find);
  if (output)
    m.put(key.ms, millis(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count()));
  m.put(key.plan, std::move(steps));
  if (output) m.put(key.rows, result_rows(*output));
  if (output && options.output) *options.output = std::move(*output);
  return Result<Value>(std::in_place, m.take());  // in place: no moved-from Value to destroy
}

}  // namespace

Result<Value> explain_query(const Query& query, std::span<const Input> inputs, const ExplainOptions& options) {
  return explain(query, {}, inputs, options);
}

Result<Value> explain_query(const PlanCaching& caching, std::span<const Input> inputs, const ExplainOptions& options) {
  return explain(*caching.query, caching, inputs, options);
}

}  // namespace quarry::query
