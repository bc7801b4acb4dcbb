#include "api/db_impl.hpp"
#include "index/entity_ref.hpp"
#include "query/pull.hpp"

namespace quarry {

Result<Value> Db::pull(const Value& pattern, const Value& eid) const {
  auto parsed = query::parse_pull_pattern(pattern);
  if (!parsed) return std::unexpected(parsed.error());
  auto e = index::resolve_entity(impl_->db, eid);
  if (!e) return std::unexpected(e.error());
  if (!*e) return Value{};
  return query::pull(impl_->db, **parsed, **e);
}

Result<Value> Db::pull(std::string_view pattern_edn, const Value& eid) const {
  auto pattern = read_edn(pattern_edn);
  if (!pattern) return std::unexpected(pattern.error());
  return pull(*pattern, eid);
}

Result<Value> Db::pull_many(const Value& pattern, std::span<const Value> eids) const {
  auto parsed = query::parse_pull_pattern(pattern);
  if (!parsed) return std::unexpected(parsed.error());
  Vector out;
  out.items.reserve(eids.size());
  for (const Value& eid : eids) {
    auto e = index::resolve_entity(impl_->db, eid);
    if (!e) return std::unexpected(e.error());
    if (!*e) {
      out.items.emplace_back();
      continue;
    }
    auto one = query::pull(impl_->db, **parsed, **e);
    if (!one) return std::unexpected(one.error());
    out.items.push_back(std::move(*one));
  }
  return Value(std::move(out));
}

}  // namespace quarry
