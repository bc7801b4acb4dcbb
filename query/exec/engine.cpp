// run_query (query/exec/engine.hpp): bind the inputs, solve the where clauses, build the :find output.
#include "query/exec/engine.hpp"

#include "query/exec/aggregate_groups.hpp"
#include "query/exec/context.hpp"
#include "query/exec/find.hpp"
#include "query/exec/inputs.hpp"
#include "query/exec/plan_cache.hpp"
#include "query/exec/solve.hpp"

namespace quarry::query {

namespace {

Result<QueryOutput> run(const Query& query, const PlanCaching& caching, std::span<const Input> inputs,
                        const Limits& limits, OutputForm form) {
  Context ctx(limits);
  Bindings bindings;
  if (auto r = bind_inputs(query, inputs, ctx, bindings); !r) return std::unexpected(r.error());
  if (auto r = ctx.check_interrupt(); !r) return std::unexpected(r.error());
  use_plan_cache(ctx, caching, query);
  std::vector<std::string> computed;
  const std::vector<std::string>& keep = find_vars(query, computed);
  const std::unique_ptr<AggregateGroups> groups = aggregate_sink(ctx, query, bindings, keep);
  ctx.sink = groups.get();
  if (auto r = solve(ctx, bindings, query.where, &keep); !r) return std::unexpected(r.error());
  return find_output(ctx, query, bindings, &keep, form, groups.get());
}

}  // namespace

Result<QueryOutput> run_query(const Query& query, std::span<const Input> inputs, const Limits& limits,
                              OutputForm form) {
  return run(query, {}, inputs, limits, form);
}

Result<QueryOutput> run_query(const PlanCaching& caching, std::span<const Input> inputs, const Limits& limits,
                              OutputForm form) {
  return run(*caching.query, caching, inputs, limits, form);
}

}  // namespace quarry::query
