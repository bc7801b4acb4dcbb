#include "api/db_impl.hpp"
#include "index/entity_ref.hpp"
#include "index/index_position.hpp"
#include "index/schema.hpp"
#include "query/pull/entity_map.hpp"

namespace quarry {

TxId Db::basis() const noexcept { return impl_->db.basis(); }
Db Db::as_of(TxId t) const { return wrap_db(impl_->db.as_of(t), impl_->settings, impl_->metrics); }
Db Db::since(TxId t) const { return wrap_db(impl_->db.since(t), impl_->settings, impl_->metrics); }
Db Db::history() const { return wrap_db(impl_->db.history(), impl_->settings, impl_->metrics); }

namespace {
LatencyRecorder* scans(const std::shared_ptr<Metrics>& m) { return m ? &m->scans : nullptr; }
LatencyRecorder* pulls(const std::shared_ptr<Metrics>& m) { return m ? &m->pulls : nullptr; }
}  // namespace

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
  return timed(scans(impl_->metrics), [&]() -> Result<std::vector<Datom>> {
    auto position = index::resolve_position(impl_->db, order, components);
    if (!position) return std::unexpected(position.error());
    return index::datoms_at(impl_->db, order, *position);
  });
}

Result<std::vector<Datom>> Db::seek_datoms(IndexOrder order, std::span<const Value> components,
                                           std::size_t limit) const {
  return timed(scans(impl_->metrics), [&]() -> Result<std::vector<Datom>> {
    auto position = index::resolve_position(impl_->db, order, components);
    if (!position) return std::unexpected(position.error());
    return index::datoms_from(impl_->db, order, *position, limit);
  });
}

Result<std::vector<Datom>> Db::index_range(const Value& attr, const std::optional<Value>& start,
                                           const std::optional<Value>& end) const {
  return timed(scans(impl_->metrics), [&]() -> Result<std::vector<Datom>> {
  auto prefix = impl_->db.prefix(IndexOrder::Avet, std::span<const Value>(&attr, 1));
  if (!prefix) return std::unexpected(prefix.error());
  for (const auto* v : {&start, &end})
    if (*v && !(*v)->is_storable())
      return fail(ErrorCode::CodecUnstorable, "an index-range bound must be a storable value, got " + to_edn(**v));
  return index::datoms_in_range(impl_->db, *prefix->a, start, end);
  });
}

Result<std::vector<TxLogEntry>> Db::tx_range(std::optional<TxId> from, std::optional<TxId> to) const {
  return timed(scans(impl_->metrics), [&]() -> Result<std::vector<TxLogEntry>> {
  TxId start = from.value_or(TxId{kTx0 + 1});
  TxId end = to.value_or(TxId{impl_->db.basis().value + 1});
  auto datoms = impl_->db.tx_log(start, end);
  if (!datoms) return std::unexpected(datoms.error());
  std::vector<TxLogEntry> out;
  for (Datom& d : *datoms) {
    if (out.empty() || out.back().t != d.tx) out.push_back(TxLogEntry{d.tx, {}});
    out.back().data.push_back(std::move(d));
  }
  return out;
  });
}

Result<TxReport> Db::with(const Value& tx_data) const {
  static const auto defaults = std::make_shared<const tx::ConnectionOptions>();
  const auto& settings = impl_->settings ? impl_->settings : defaults;
  auto report = tx::speculate(impl_->db, tx_data, *settings);
  if (!report) return std::unexpected(report.error());
  return wrap_report(std::move(*report), impl_->settings, impl_->metrics);
}

Result<TxReport> Db::with(std::string_view tx_data_edn) const {
  auto value = read_edn(tx_data_edn);
  if (!value) return std::unexpected(value.error());
  return with(*value);
}
Result<TxReport> Db::with(const char* tx_data_edn) const { return with(std::string_view(tx_data_edn)); }
Result<TxReport> Db::with(const std::string& tx_data_edn) const { return with(std::string_view(tx_data_edn)); }

Result<std::optional<EntityId>> Db::entid(const Value& eid) const {
  return index::resolve_entity(impl_->db, eid);
}

Result<Value> Db::entity(const Value& eid) const {
  return timed(pulls(impl_->metrics), [&]() -> Result<Value> {
    auto e = entid(eid);
    if (!e) return std::unexpected(e.error());
    if (!*e) return Value{};
    return query::entity_map(impl_->db, **e);
  });
}

Result<std::vector<Datom>> Db::entity_history(const Value& eid) const {
  return timed(scans(impl_->metrics), [&]() -> Result<std::vector<Datom>> {
    auto e = entid(eid);
    if (!e) return std::unexpected(e.error());
    if (!*e) return std::vector<Datom>{};
    return impl_->db.entity_history(**e);
  });
}

}  // namespace quarry
