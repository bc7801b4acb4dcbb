#include <optional>
#include <vector>

#include "api/db_impl.hpp"
#include "index/entity_ref.hpp"
#include "query/pull/pull.hpp"

namespace quarry {

namespace {
LatencyRecorder* pulls(const std::shared_ptr<Metrics>& m) { return m ? &m->pulls : nullptr; }
}  // namespace

Result<Value> Db::pull(const Value& pattern, const Value& eid) const {
  return timed(pulls(impl_->metrics), [&]() -> Result<Value> {
    auto parsed = query::parse_pull_pattern(pattern);
    if (!parsed) return std::unexpected(parsed.error());
    auto e = index::resolve_entity(impl_->db, eid);
    if (!e) return std::unexpected(e.error());
    if (!*e) return Value{};
    return query::pull(impl_->db, **parsed, **e);
  });
}

Result<Value> Db::pull(std::string_view pattern_edn, const Value& eid) const {
  auto pattern = read_edn(pattern_edn);
  if (!pattern) return std::unexpected(pattern.error());
  return pull(*pattern, eid);
}

// All entities are pulled in one query::pull_many call, so the pattern is bound to the schema
// once, not once per entity.
Result<Value> Db::pull_many(const Value& pattern, std::span<const Value> eids) const {
  return timed(pulls(impl_->metrics), [&]() -> Result<Value> {
  auto parsed = query::parse_pull_pattern(pattern);
  if (!parsed) return std::unexpected(parsed.error());
  std::vector<std::optional<EntityId>> resolved;
  resolved.reserve(eids.size());
  std::vector<EntityId> found;
  found.reserve(eids.size());
  for (const Value& eid : eids) {
    auto e = index::resolve_entity(impl_->db, eid);
    if (!e) return std::unexpected(e.error());
    resolved.push_back(*e);
    if (*e) found.push_back(**e);
  }
  auto pulled = query::pull_many(impl_->db, **parsed, found);
  if (!pulled) return std::unexpected(pulled.error());
  if (found.size() == eids.size()) return pulled;
  const auto& results = pulled->as<Vector>().items;
  Vector out;
  out.items.reserve(eids.size());
  std::size_t next = 0;
  for (const auto& e : resolved) out.items.push_back(e ? results[next++] : Value{});
  return Value(std::move(out));
  });
}

}  // namespace quarry
