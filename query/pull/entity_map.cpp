#include "query/pull/entity_map.hpp"

#include <memory>
#include <vector>

#include "query/pull/pull.hpp"
#include "query/pull/pull_pattern.hpp"
#include "query/pull/pull_plan.hpp"

namespace quarry::query {

Result<Value> entity_map(const index::Db& db, EntityId e) {
  // [*], parsed once; its plan is cached per schema on the pattern.
  static const std::shared_ptr<const PullPattern> wildcard = [] {
    auto p = parse_pull_pattern(Value(Vector{{Value::symbol("*")}}));
    return p ? *p : nullptr;
  }();
  if (!wildcard) return fail(ErrorCode::Internal, "query/pull/entity_map.cpp: [*] does not parse");
  auto plan = plan_pull(*wildcard, db.schema_ptr());
  if (!plan) return std::unexpected(plan.error());
  std::vector<Value> out;
  const PullShape shape{.many_as_sets = true, .unlimited = true, .refs_as_idents = true};
  if (auto r = execute_pull(db, **plan, std::span(&e, 1), shape, out); !r)
    return std::unexpected(r.error());
  return std::move(out.front());
}

}  // namespace quarry::query
