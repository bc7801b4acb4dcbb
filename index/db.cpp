// Db: accessors, views, and the reads built on detail::open_scan.
#include "index/db.hpp"

#include <algorithm>

#include "codec/value_codec.hpp"
#include "index/db_core.hpp"
#include "index/key_layout.hpp"

namespace quarry::index {
namespace {

using detail::encode_prefix;
using detail::kParts;
using detail::Part;

std::optional<EntityId> as_entity(const Value& v) {
  if (auto e = v.get_if<EntityId>()) return *e;
  if (auto n = v.get_if<std::int64_t>(); n && *n > 0) return EntityId{static_cast<std::uint64_t>(*n)};
  return std::nullopt;
}

}  // namespace

Db::Db(std::shared_ptr<const detail::DbCore> core) noexcept : core_(std::move(core)) {}

TxId Db::basis() const noexcept { return core_->counters.basis; }
TxId Db::next_tx() const noexcept { return TxId{core_->counters.basis.value + 1}; }
const Schema& Db::schema() const noexcept { return *core_->schema; }
std::shared_ptr<const Schema> Db::schema_ptr() const noexcept { return core_->schema; }
std::weak_ptr<const void> Db::state() const noexcept { return core_; }
std::uint64_t Db::max_eid() const noexcept { return core_->counters.max_eid; }
std::uint64_t Db::next_system_id() const noexcept { return core_->counters.next_system_id; }

AttrStats Db::attr_stats(AttrId a) const noexcept {
  auto it = core_->stats->find(a);
  return it == core_->stats->end() ? AttrStats{} : it->second;
}

Db Db::as_of(TxId t) const {
  Db d = *this;
  TxId clamped = std::min(t, basis());
  d.as_of_ = as_of_ ? std::min(*as_of_, clamped) : clamped;
  return d;
}

Db Db::since(TxId t) const {
  Db d = *this;
  d.since_ = since_ ? std::max(*since_, t) : t;
  return d;
}

Db Db::history() const {
  Db d = *this;
  d.history_ = true;
  return d;
}

Db Db::current() const { return Db(core_); }

namespace {
detail::ScanView scan_view(const Db& db) {
  return {db.since_t() ? db.since_t()->value : 0, db.as_of_t() ? db.as_of_t()->value : db.basis().value,
          db.is_history()};
}
}  // namespace

Result<DatomCursor> Db::datoms(IndexOrder order, const DatomPrefix& prefix) const {
  auto p = encode_prefix(order, prefix);
  if (!p) return std::unexpected(p.error());
  CursorBounds bounds;
  if (!p->bytes.empty()) {
    bounds.upper = p->upper();
    bounds.lower = std::move(p->bytes);
  }
  return detail::open_scan(core_, order, std::move(bounds), scan_view(*this), !p->exact, ReadHint::Default, &*p);
}

Result<DatomCursor> Db::cursor(IndexOrder order, const DatomPrefix& range, ReadHint hint) const {
  auto p = encode_prefix(order, range);
  if (!p) return std::unexpected(p.error());
  CursorBounds bounds;
  if (!p->bytes.empty()) {
    bounds.upper = p->upper();
    bounds.lower = std::move(p->bytes);
  }
  return detail::open_cursor(core_, order, std::move(bounds), scan_view(*this), !p->exact, hint, &*p);
}

Result<DatomCursor> Db::seek_datoms(IndexOrder order, const DatomPrefix& prefix) const {
  auto p = encode_prefix(order, prefix);
  if (!p) return std::unexpected(p.error());
  CursorBounds bounds;
  if (!p->bytes.empty()) bounds.lower = std::move(p->bytes);
  return detail::open_scan(core_, order, std::move(bounds), scan_view(*this));
}

namespace {

// The AVET key range of attribute a's values in [start, end); absent bounds are open.
Result<CursorBounds> avet_bounds(AttrId a, const std::optional<Value>& start, const std::optional<Value>& end) {
  std::string attr;
  keys::append_attr(attr, a);
  CursorBounds bounds;
  bounds.lower = attr;
  if (start)
    if (auto r = keys::append_value_component(*bounds.lower, *start); !r) return std::unexpected(r.error());
  if (end) {
    bounds.upper = attr;
    if (auto r = keys::append_value_component(*bounds.upper, *end); !r) return std::unexpected(r.error());
  } else {
    bounds.upper = keys::prefix_successor(attr);
  }
  return bounds;
}

}  // namespace

Result<DatomCursor> Db::index_range(AttrId a, const std::optional<Value>& start,
                                    const std::optional<Value>& end) const {
  if (a.value < kSystemBase) return detail::open_scan(core_, IndexOrder::Avet, {}, scan_view(*this), true);
  auto bounds = avet_bounds(a, start, end);
  if (!bounds) return std::unexpected(bounds.error());
  return detail::open_scan(core_, IndexOrder::Avet, std::move(*bounds), scan_view(*this));
}

Result<std::uint64_t> Db::estimate_avet_range(AttrId a, const std::optional<Value>& start,
                                              const std::optional<Value>& end) const {
  auto bounds = avet_bounds(a, start, end);
  if (!bounds) return std::unexpected(bounds.error());
  auto stats = core_->store->range_stats(core_->spaces.current[static_cast<int>(IndexOrder::Avet)], *bounds);
  if (!stats) return std::unexpected(stats.error());
  return stats->approximate_keys;
}

Result<DatomPrefix> Db::prefix(IndexOrder order, std::span<const Value> components) const {
  if (components.size() > 3)
    return fail(ErrorCode::InvalidArgument, "at most 3 components for :" + std::string(index_order_name(order)));
  DatomPrefix p;
  for (std::size_t i = 0; i < components.size(); ++i) {
    const Value& c = components[i];
    switch (kParts[static_cast<int>(order)][i]) {
      case Part::E:
        p.e = as_entity(c);
        if (!p.e) return fail(ErrorCode::InvalidArgument, "the e component must be an entity id");
        break;
      case Part::A:
        if (auto k = c.get_if<Keyword>()) {
          const AttrSchema* s = schema().find(*k);
          if (!s) return fail(ErrorCode::InvalidArgument, "unknown attribute :" + k->qualified());
          p.a = s->id;
        } else if (auto e = as_entity(c)) {
          p.a = AttrId{e->value};
        } else {
          return fail(ErrorCode::InvalidArgument, "the a component must be an attribute keyword or id");
        }
        break;
      case Part::V:
        if (order == IndexOrder::Vaet) {
          auto e = as_entity(c);
          if (!e) return fail(ErrorCode::InvalidArgument, "the v component of :vaet must be an entity id");
          p.v = Value(*e);
        } else if (!c.is_storable()) {
          return fail(ErrorCode::CodecUnstorable, "the v component is not a storable value");
        } else {
          p.v = c;
        }
        break;
    }
  }
  // A long in the v position of a ref attribute means the entity (as in tx-data).
  if (p.v && p.a && p.v->is<std::int64_t>()) {
    const AttrSchema* s = schema().find(*p.a);
    if (s && s->is_ref())
      if (auto e = as_entity(*p.v)) p.v = Value(*e);
  }
  return p;
}

Result<std::vector<Datom>> Db::entity_datoms(EntityId e) const {
  Db state = *this;
  state.history_ = false;
  return collect(state.datoms(IndexOrder::Eavt, {.e = e}));
}

Result<std::vector<Datom>> Db::attr_datoms(EntityId e, AttrId a) const {
  Db state = *this;
  state.history_ = false;
  return collect(state.datoms(IndexOrder::Eavt, {.e = e, .a = a}));
}

Result<bool> Db::has_datom(EntityId e, AttrId a, const Value& v) const {
  if (!as_of_ && !since_) {  // the current state: one point read
    if (a.value < kSystemBase) return false;
    std::string key;
    if (auto r = keys::append_datom_key(key, IndexOrder::Eavt, e, a, v); !r) return std::unexpected(r.error());
    auto got = core_->snapshot->get(core_->spaces.current[0], key);
    if (!got) return std::unexpected(got.error());
    return got->has_value();
  }
  Db state = *this;
  state.history_ = false;
  auto c = state.datoms(IndexOrder::Eavt, {.e = e, .a = a, .v = v});
  if (!c) return std::unexpected(c.error());
  if (auto s = c->status(); !s) return std::unexpected(s.error());
  return c->valid();
}

Result<bool> Db::entity_exists(EntityId e) const {
  Db state = *this;
  state.history_ = false;
  auto c = state.datoms(IndexOrder::Eavt, {.e = e});
  if (!c) return std::unexpected(c.error());
  if (auto s = c->status(); !s) return std::unexpected(s.error());
  return c->valid();
}

Result<std::optional<EntityId>> Db::find_unique(AttrId a, const Value& v) const {
  Db state = *this;
  state.history_ = false;
  auto c = state.datoms(IndexOrder::Avet, {.a = a, .v = v});
  if (!c) return std::unexpected(c.error());
  if (auto s = c->status(); !s) return std::unexpected(s.error());
  if (!c->valid()) return std::optional<EntityId>();
  return std::optional<EntityId>(c->datom().e);
}

Result<std::vector<Datom>> Db::referencing_datoms(EntityId e) const {
  Db state = *this;
  state.history_ = false;
  return collect(state.datoms(IndexOrder::Vaet, {.v = Value(e)}));
}

Result<std::vector<Datom>> Db::entity_history(EntityId e) const {
  auto all = collect(history().datoms(IndexOrder::Eavt, {.e = e}));
  if (!all) return all;
  std::stable_sort(all->begin(), all->end(), [](const Datom& x, const Datom& y) {
    if (x.tx != y.tx) return x.tx < y.tx;
    if (x.added != y.added) return !x.added;
    if (x.a != y.a) return x.a < y.a;
    return compare(x.v, y.v) < 0;
  });
  return all;
}

Result<std::vector<Datom>> Db::tx_log(TxId start, TxId end) const {
  std::vector<Datom> out;
  if (end <= start) return out;
  CursorBounds bounds;
  bounds.lower = std::string();
  bounds.upper = std::string();
  keys::append_tx_fixed(*bounds.lower, start);
  keys::append_tx_fixed(*bounds.upper, end);
  auto c = core_->snapshot->cursor(core_->spaces.log, std::move(bounds));
  if (!c) return std::unexpected(c.error());
  for ((*c)->seek_to_first(); (*c)->valid(); (*c)->next()) {
    auto d = keys::decode_log((*c)->key(), (*c)->value(), &core_->values);
    if (!d) return std::unexpected(d.error());
    out.push_back(std::move(*d));
  }
  if (auto s = (*c)->status(); !s) return std::unexpected(s.error());
  return out;
}

Result<std::optional<TxId>> Db::tx_at_or_before(Instant at) const {
  std::string attr;
  keys::append_attr(attr, sys::kTxInstant);
  CursorBounds bounds{attr, keys::prefix_successor(attr)};
  std::string target = attr;
  if (auto r = codec::append_value(target, Value(at)); !r) return std::unexpected(r.error());
  target.push_back('\xff');  // after every entity of that instant
  auto c = core_->snapshot->cursor(core_->spaces.current[static_cast<int>(IndexOrder::Avet)], std::move(bounds));
  if (!c) return std::unexpected(c.error());
  (*c)->seek_for_prev(target);
  if (!(*c)->valid()) {
    if (auto s = (*c)->status(); !s) return std::unexpected(s.error());
    return std::optional<TxId>();
  }
  auto d = keys::decode_current(IndexOrder::Avet, (*c)->key(), (*c)->value());
  if (!d) return std::unexpected(d.error());
  return std::optional<TxId>(TxId{d->e.value});
}

}  // namespace quarry::index
