#include "api/db_impl.hpp"
#include "index/entity_ref.hpp"
#include "index/schema.hpp"
#include "query/pull/entity_map.hpp"

namespace quarry {

TxId Db::basis() const noexcept { return impl_->db.basis(); }
Db Db::as_of(TxId t) const { return wrap_db(impl_->db.as_of(t)); }
Db Db::since(TxId t) const { return wrap_db(impl_->db.since(t)); }
Db Db::history() const { return wrap_db(impl_->db.history()); }

std::optional<Keyword> Db::ident(AttrId a) const {
  if (const auto* s = impl_->db.schema().find(a)) return s->ident;
  return std::nullopt;
}

std::optional<AttrId> Db::attribute(const Keyword& ident) const {
  if (const auto* s = impl_->db.schema().find(ident)) return s->id;
  return std::nullopt;
}

Value Db::datom_value(const Datom& d) const {
  auto id = ident(d.a);
  Value a = id ? Value(*id) : Value(static_cast<std::int64_t>(d.a.value));
  Value v = d.v;
  if (auto ref = v.get_if<EntityId>()) v = Value(static_cast<std::int64_t>(ref->value));
  return Vector{{Value(static_cast<std::int64_t>(d.e.value)), std::move(a), std::move(v),
                 Value(static_cast<std::int64_t>(d.tx.value)), Value(d.added)}};
}

Result<std::vector<Datom>> Db::datoms(IndexOrder order, std::span<const Value> components) const {
  auto prefix = impl_->db.prefix(order, components);
  if (!prefix) return std::unexpected(prefix.error());
  return index::collect(impl_->db.datoms(order, *prefix));
}

Result<std::optional<EntityId>> Db::entid(const Value& eid) const {
  return index::resolve_entity(impl_->db, eid);
}

Result<Value> Db::entity(const Value& eid) const {
  auto e = entid(eid);
  if (!e) return std::unexpected(e.error());
  if (!*e) return Value{};
  return query::entity_map(impl_->db, **e);
}

Result<std::vector<Datom>> Db::entity_history(const Value& eid) const {
  auto e = entid(eid);
  if (!e) return std::unexpected(e.error());
  if (!*e) return std::vector<Datom>{};
  return impl_->db.entity_history(**e);
}

}  // namespace quarry
