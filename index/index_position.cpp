#include "index/index_position.hpp"

#include <cmath>

#include "codec/edn_printer.hpp"
#include "codec/value_codec.hpp"
#include "index/entity_ref.hpp"

namespace quarry::index {
namespace {

enum class Part { E, A, V };
constexpr Part kParts[4][3] = {
    {Part::E, Part::A, Part::V},  // Eavt
    {Part::A, Part::E, Part::V},  // Aevt
    {Part::A, Part::V, Part::E},  // Avet
    {Part::V, Part::A, Part::E},  // Vaet
};

// The attribute a component names, if it is one the schema knows (for "is v an entity?").
const AttrSchema* attribute_of(const Db& db, const Value& a) {
  if (auto k = a.get_if<Keyword>()) return db.schema().find(*k);
  if (auto n = a.get_if<std::int64_t>(); n && *n > 0) return db.schema().find(AttrId{static_cast<std::uint64_t>(*n)});
  return nullptr;
}

bool entity_like(const Value& v) { return v.is<Keyword>() || is_lookup_ref(v); }

// Where the scan for one side of [start, end) starts or stops: the first key, in index order, of
// the values equal to `bound` by value — numbers equal to it sort together, from -0.0 for zero, and
// a long just before the double of the same value — or nullopt (that side open) for a bound the
// index cannot place exactly.
std::optional<Value> scan_bound(const Value& bound) {
  if (const auto* l = bound.get_if<std::int64_t>()) return *l == 0 ? Value(-0.0) : bound;
  if (const auto* d = bound.get_if<double>()) {
    if (*d == 0) return Value(-0.0);
    constexpr double kLongRange = 9223372036854775808.0;  // 2^63
    if (std::isfinite(*d) && std::trunc(*d) == *d && *d >= -kLongRange && *d < kLongRange)
      return Value(static_cast<std::int64_t>(*d));
    return bound;
  }
  if (!placeable_bound(bound)) return std::nullopt;
  return bound;
}

}  // namespace

bool placeable_bound(const Value& v) {
  constexpr std::size_t kExactBoundBytes = 200;
  auto bytes = codec::encode_value(v);
  return bytes && bytes->size() <= kExactBoundBytes;
}

Result<IndexPosition> resolve_position(const Db& db, IndexOrder order, std::span<const Value> components) {
  if (components.size() > 4)
    return fail(ErrorCode::InvalidArgument, "at most 4 components (" + std::string(index_order_name(order)) +
                                                " in that order, then tx) for :" + std::string(index_order_name(order)));
  IndexPosition out;
  std::vector<Value> resolved(components.begin(), components.begin() + std::min<std::size_t>(components.size(), 3));
  // The attribute, if given, decides whether a v component names an entity.
  const AttrSchema* attr = nullptr;
  for (std::size_t i = 0; i < resolved.size(); ++i)
    if (kParts[static_cast<int>(order)][i] == Part::A) attr = attribute_of(db, resolved[i]);
  for (std::size_t i = 0; i < resolved.size(); ++i) {
    Part part = kParts[static_cast<int>(order)][i];
    bool entity = part == Part::E || (part == Part::V && (order == IndexOrder::Vaet || (attr && attr->is_ref())));
    if (!entity || !entity_like(resolved[i])) continue;
    auto e = resolve_entity(db, resolved[i]);
    if (!e) return std::unexpected(e.error());
    if (!*e) {
      out.names_nothing = true;
      resolved[i] = Value(EntityId{1});  // any well-formed entity; nothing will be read
    } else {
      resolved[i] = Value(**e);
    }
  }
  auto prefix = db.prefix(order, resolved);
  if (!prefix) return std::unexpected(prefix.error());
  out.prefix = std::move(*prefix);
  if (components.size() == 4) {
    const Value& t = components[3];
    auto n = t.get_if<std::int64_t>();
    if (!n || *n <= 0) return fail(ErrorCode::InvalidArgument, "the tx component must be a tx id, got " + to_edn(t));
    out.tx = TxId{static_cast<std::uint64_t>(*n)};
  }
  return out;
}

Result<std::vector<Datom>> datoms_at(const Db& db, IndexOrder order, const IndexPosition& position) {
  if (position.names_nothing) return std::vector<Datom>{};
  auto all = collect(db.datoms(order, position.prefix));
  if (!all || !position.tx) return all;
  std::erase_if(*all, [&](const Datom& d) { return d.tx != *position.tx; });
  return all;
}

Result<std::vector<Datom>> datoms_from(const Db& db, IndexOrder order, const IndexPosition& position,
                                       std::size_t limit) {
  if (position.names_nothing) return std::vector<Datom>{};
  auto c = db.seek_datoms(order, position.prefix);
  if (!c) return std::unexpected(c.error());
  std::vector<Datom> out;
  const DatomPrefix& p = position.prefix;
  bool leading = position.tx && p.e && p.a && p.v;  // a full (e a v) position with a tx
  for (; c->valid() && out.size() < limit; c->next()) {
    const Datom& d = c->datom();
    if (leading) {
      if (d.e == *p.e && d.a == *p.a && d.v == *p.v && d.tx < *position.tx) continue;
      leading = false;
    }
    out.push_back(d);
  }
  if (auto s = c->status(); !s) return std::unexpected(s.error());
  return out;
}

Result<std::vector<Datom>> datoms_in_range(const Db& db, AttrId a, const std::optional<Value>& raw_start,
                                           const std::optional<Value>& raw_end) {
  std::optional<Value> start = raw_start, end = raw_end;
  if (const AttrSchema* s = db.schema().find(a); s && s->is_ref()) {
    for (std::optional<Value>* bound : {&start, &end}) {
      if (!*bound) continue;
      if (auto n = (*bound)->get_if<std::int64_t>(); n && *n > 0) {
        *bound = Value(EntityId{static_cast<std::uint64_t>(*n)});
      } else if (entity_like(**bound)) {
        auto e = resolve_entity(db, **bound);
        if (!e) return std::unexpected(e.error());
        if (!*e) return std::vector<Datom>{};
        *bound = Value(**e);
      }
    }
  }
  auto c = db.index_range(a, start ? scan_bound(*start) : std::nullopt, end ? scan_bound(*end) : std::nullopt);
  if (!c) return std::unexpected(c.error());
  std::vector<Datom> out;
  for (; c->valid(); c->next()) {
    const Datom& d = c->datom();
    if (start && compare_by_value(d.v, *start) < 0) continue;
    if (end && compare_by_value(d.v, *end) >= 0) continue;
    out.push_back(d);
  }
  if (auto s = c->status(); !s) return std::unexpected(s.error());
  return out;
}

}  // namespace quarry::index
