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

#include "query/parse/clause_vars.hpp"
#include "query/exec/context.hpp"
#include "query/exec/engine.hpp"
#include "query/exec/find.hpp"
#include "query/exec/inputs.hpp"
#include "query/exec/plan_cache.hpp"
#include "query/parse/parser.hpp"
#include "query/exec/solve.hpp"

namespace quarry::query {
namespace {

// An unqualified keyword (every key and name explain prints is one).
Value kw(std::string_view name) { return Keyword{{}, std::string(name)}; }

std::int64_t rounded(double x) {
  if (!std::isfinite(x) || x < 0) return 0;
  return x > 9e18 ? static_cast<std::int64_t>(9e18) : static_cast<std::int64_t>(std::llround(x));
}

// Milliseconds to three decimals, so that printed plans stay readable.
Value millis(double ms) { return Value(std::round(ms * 1000.0) / 1000.0); }

// The size of a query's result value: rows of a relation or collection, 0/1 for a scalar/tuple.
std::int64_t result_rows(const QueryOutput& out) {
  const Value& v = out.value;
  if (out.shape == FindShape::Scalar) return v.is_nil() ? 0 : 1;
  if (out.shape == FindShape::Tuple) return v.is_nil() ? 0 : 1;
  if (const auto* s = v.get_if<Set>()) return static_cast<std::int64_t>(s->items.size());
  if (const auto* x = v.get_if<Vector>()) return static_cast<std::int64_t>(x->items.size());
  return 0;
}

// The step as printed without run figures. `forms`: the clauses printed, when the parser printed
// them (Query::where_forms), else empty. `bound_before`: the variables bound when the step starts
// (for_each_bound_before).
Value static_step(const Plan& plan, std::span<const Value> forms, const PlannedStep& step,
                  const std::vector<std::string>& bound_before) {
  const Clause& clause = plan.clauses[step.clause];
  // In key order (:bound :clause :covered :estimate :index :op :range), so make_map need not sort.
  std::vector<std::pair<Value, Value>> entries;
  entries.reserve(7);
  Vector bound;
  bound.items.reserve(bound_before.size());
  for (const std::string& v : bound_before) bound.items.push_back(Value::symbol(v));
  entries.emplace_back(kw("bound"), Value(std::move(bound)));
  entries.emplace_back(kw("clause"), step.clause < forms.size() ? forms[step.clause] : to_edn(clause));
  if (step.covered) entries.emplace_back(kw("covered"), Value(true));
  entries.emplace_back(kw("estimate"), Value(rounded(step.estimate)));
  const bool db_pattern = step.pattern && step.pattern->source->db;
  if (db_pattern) entries.emplace_back(kw("index"), kw(index_order_name(step.access.order)));
  entries.emplace_back(kw("op"), kw(step_op_name(step.op)));
  if (db_pattern && step.access.range) {
    const ValueRange& r = step.range;
    Value start = r.start ? *r.start : Value();
    Value end = r.end ? *r.end : (r.last ? *r.last : Value());
    entries.emplace_back(kw("range"), Value(Vector{{start, end}}));
  }
  Map m;
  (void)make_map(std::move(entries), m);
  return Value(std::move(m));
}

}  // namespace

// What explain prints of a plan that does not change from run to run, kept with the plan
// (Plan::printed): each step with :actual and :ms placed for an analyzed run (their values filled
// in per run, or the two left out for a plain explain), and the :find form.
struct PrintedPlan {
  struct Step {
    Map map;                   // :actual first, :ms in key order; both nil here
    std::size_t ms_entry = 0;  // the index of :ms in map.entries
  };
  std::vector<Step> steps;
  Value find;
};

namespace {

// `printed` with :actual and :ms added in key order, their values left nil.
PrintedPlan::Step with_figures(const Value& printed) {
  const auto& entries = printed.as<Map>().entries;
  PrintedPlan::Step a;
  a.map.entries.reserve(entries.size() + 2);
  a.map.entries.emplace_back(kw("actual"), Value());
  bool ms_placed = false;
  for (const auto& entry : entries) {
    if (!ms_placed && entry.first.as<Keyword>().name > std::string_view("ms")) {
      a.ms_entry = a.map.entries.size();
      a.map.entries.emplace_back(kw("ms"), Value());
      ms_placed = true;
    }
    a.map.entries.push_back(entry);
  }
  if (!ms_placed) {
    a.ms_entry = a.map.entries.size();
    a.map.entries.emplace_back(kw("ms"), Value());
  }
  return a;
}

// The plan's printed form (PrintedPlan): built once per plan and kept with it.
const PrintedPlan& printed_plan(const Plan& plan, const Query& query, std::span<const Value> forms) {
  if (!plan.printed) {
    auto printed = std::make_shared<PrintedPlan>();
    printed->steps.reserve(plan.steps.size());
    for_each_bound_before(plan, [&](std::size_t k, const std::vector<std::string>& bound) {
      printed->steps.push_back(with_figures(static_step(plan, forms, plan.steps[k], bound)));
    });
    printed->find = find_form(query);
    plan.printed = std::move(printed);
  }
  return *plan.printed;
}

// A kept step with its run's figures, or without them (run null).
Value printed_step(const PrintedPlan::Step& step, const StepRun* run) {
  if (run) {
    Map m = step.map;
    m.entries.front().second = Value(static_cast<std::int64_t>(run->rows));
    m.entries[step.ms_entry].second = millis(run->ms);
    return Value(std::move(m));
  }
  Map m;
  m.entries.reserve(step.map.entries.size() - 2);
  for (std::size_t i = 1; i < step.map.entries.size(); ++i)
    if (i != step.ms_entry) m.entries.push_back(step.map.entries[i]);
  return Value(std::move(m));
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
    if (auto r = execute(ctx, bindings, **plan, &runs); !r) return std::unexpected(r.error());
    auto out = find_output(ctx, query, bindings);
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
    steps.items.push_back(printed_step(printed.steps[k], options.analyze ? &runs[k] : nullptr));
  // In key order (:find :ms :plan :rows), so make_map need not sort. The keys are made once (copies
  // share them).
  static const Value k_find = kw("find"), k_ms = kw("ms"), k_plan = kw("plan"), k_rows = kw("rows");
  std::vector<std::pair<Value, Value>> entries;
  entries.reserve(4);
  entries.emplace_back(k_find, printed.find);
  if (output)
    entries.emplace_back(
        k_ms, millis(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count()));
  entries.emplace_back(k_plan, Value(std::move(steps)));
  if (output) entries.emplace_back(k_rows, Value(result_rows(*output)));
  if (output && options.output) *options.output = std::move(*output);
  Map m;
  (void)make_map(std::move(entries), m);
  return Value(std::move(m));
}

}  // namespace

Result<Value> explain_query(const Query& query, std::span<const Input> inputs, const ExplainOptions& options) {
  return explain(query, {}, inputs, options);
}

Result<Value> explain_query(const PlanCaching& caching, std::span<const Input> inputs, const ExplainOptions& options) {
  return explain(*caching.query, caching, inputs, options);
}

}  // namespace quarry::query
