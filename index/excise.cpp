// Excision: the deletes that erase one entity's datoms (or some attributes' of it) from the
// current indexes, the history spaces and the log (Writer::excise; doc/transactions.md), and the
// large values (stored once, out of line) that no datom left behind may hold.
//
// Large values have no reference count, so whether one is still held is decided by looking:
// a datom that stays holds it if it is current or in history (an AVET scan of value V under
// every attribute that has keys: two seeks per attribute and space), or if it is a log entry of
// the transaction being committed (its own log puts in the batch). Retracted datoms of
// :db/noHistory attributes live on only in the log, which has no index by value; so a value stays
// whenever an attribute that is, or ever was, :db/noHistory could hold it (untyped, or of the
// value's type). Kept values are only bytes no key names once the last holder is excised.
#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "codec/value_codec.hpp"
#include "index/commit.hpp"
#include "index/key_layout.hpp"
#include "index/stats.hpp"

namespace quarry::index::detail {
namespace {

constexpr IndexOrder kOrders[] = {IndexOrder::Eavt, IndexOrder::Aevt, IndexOrder::Avet, IndexOrder::Vaet};

// The key prefixes of the entity's datoms in EAVT order: E, or E·A per attribute.
std::vector<std::string> eavt_prefixes(const Excision& x) {
  std::vector<std::string> out;
  if (x.attrs.empty()) {
    keys::append_entity(out.emplace_back(), x.e);
    return out;
  }
  for (AttrId a : x.attrs) {
    std::string& p = out.emplace_back();
    keys::append_entity(p, x.e);
    keys::append_attr(p, a);
  }
  return out;
}

// Deletes the key of `d` in each index order (VAET only for a ref value), with `suffix` appended
// (the asserting tx, fixed 8 bytes, in the history spaces).
Result<void> delete_keys(const Datom& d, const std::array<SpaceId, 4>& spaces, std::string_view suffix,
                         WriteBatch& batch) {
  for (IndexOrder order : kOrders) {
    if (order == IndexOrder::Vaet && !d.v.is<EntityId>()) continue;
    std::string key;
    if (auto r = keys::append_datom_key(key, order, d.e, d.a, d.v); !r) return r;
    key += suffix;
    batch.del(spaces[static_cast<std::size_t>(order)], key);
  }
  return {};
}

// Large values the excised datoms hold: hash -> their V component (stub · FF · H) and the value.
struct LargeRef {
  std::string component;
  Value value;
};
using LargeRefs = std::map<std::uint64_t, LargeRef>;

void note_large(const Value& v, LargeRefs& out) {
  std::string component;
  keys::LargeValue large;
  if (!keys::append_value_component(component, v, &large)) return;  // it was stored, so it encodes
  if (!large.encoding.empty()) out.try_emplace(large.hash, LargeRef{std::move(component), v});
}

bool excised(const Excision& x, EntityId e, AttrId a) {
  return e == x.e && (x.attrs.empty() || std::find(x.attrs.begin(), x.attrs.end(), a) != x.attrs.end());
}

// The attributes that are or ever were :db/noHistory true (current and history AEVT of the flag).
Result<std::vector<AttrId>> no_history_attrs(const DbCore& basis) {
  std::vector<AttrId> out;
  std::string prefix;
  keys::append_attr(prefix, sys::kNoHistory);
  for (int h = 0; h < 2; ++h) {
    const auto& spaces = h ? basis.spaces.history : basis.spaces.current;
    auto c = basis.snapshot->cursor(spaces[static_cast<std::size_t>(IndexOrder::Aevt)],
                                    CursorBounds{prefix, keys::prefix_successor(prefix)});
    if (!c) return std::unexpected(c.error());
    for ((*c)->seek_to_first(); (*c)->valid(); (*c)->next()) {
      std::string_view key = (*c)->key();
      if (h) key.remove_suffix(8);  // the asserting tx
      auto d = keys::decode_datom_key(IndexOrder::Aevt, key);
      if (!d) return std::unexpected(d.error());
      if (d->v == Value(true)) out.push_back(AttrId{d->e.value});
    }
    if (auto st = (*c)->status(); !st) return std::unexpected(st.error());
  }
  return out;
}

// Whether a datom that is not excised holds `ref` (see the file comment).
Result<bool> still_held(const DbCore& basis, const Excision& x, const LargeRef& ref,
                        std::span<const AttrId> no_history, const WriteBatch& batch) {
  // The transaction's own datoms: their log entries, already in the batch.
  const std::string_view marker = std::string_view(ref.component).substr(ref.component.size() - 9);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto op = batch[i];
    if (op.kind == WriteBatch::Kind::Put && op.space == basis.spaces.log &&
        op.value.find(marker) != std::string_view::npos)
      return true;
  }
  for (AttrId a : no_history) {
    const AttrSchema* s = basis.schema->find(a);
    if (!s || s->type == ValueType::Any || value_has_type(ref.value, s->type)) return true;
  }
  // Current and history AVET: A · V · E (· T+), skipping from one attribute to the next.
  for (int h = 0; h < 2; ++h) {
    const auto& spaces = h ? basis.spaces.history : basis.spaces.current;
    auto c = basis.snapshot->cursor(spaces[static_cast<std::size_t>(IndexOrder::Avet)]);
    if (!c) return std::unexpected(c.error());
    (*c)->seek_to_first();
    while ((*c)->valid()) {
      keys::DatomKeyParts parts;
      std::string_view key = (*c)->key();
      if (h) key.remove_suffix(std::min<std::size_t>(8, key.size()));
      if (!keys::split_datom_key(IndexOrder::Avet, key, parts))
        return fail(ErrorCode::StorageCorruption, "excision: an AVET key does not frame as one");
      const std::string attr(parts.a);
      const std::string prefix = attr + ref.component;
      for ((*c)->seek(prefix); (*c)->valid() && (*c)->key().starts_with(prefix); (*c)->next()) {
        std::string_view held = (*c)->key();
        if (h) held.remove_suffix(8);
        if (!keys::split_datom_key(IndexOrder::Avet, held, parts))
          return fail(ErrorCode::StorageCorruption, "excision: an AVET key does not frame as one");
        if (!excised(x, keys::entity_of(parts.e), keys::attr_of(parts.a))) return true;
      }
      auto next_attr = keys::prefix_successor(attr);
      if (!next_attr) break;
      (*c)->seek(*next_attr);
    }
    if (auto st = (*c)->status(); !st) return std::unexpected(st.error());
  }
  return false;
}

}  // namespace

Result<void> add_excision(const DbCore& basis, const Excision& excision, WriteBatch& batch, StatsDelta& stats) {
  const Spaces& sp = basis.spaces;
  std::set<std::uint64_t> txs;  // transactions whose log holds the entity's datoms
  LargeRefs large;
  for (const std::string& prefix : eavt_prefixes(excision)) {
    CursorBounds bounds{prefix, keys::prefix_successor(prefix)};
    // Current datoms: they leave the indexes and the statistics.
    auto c = basis.snapshot->cursor(sp.current[0], bounds);
    if (!c) return std::unexpected(c.error());
    for ((*c)->seek_to_first(); (*c)->valid(); (*c)->next()) {
      auto d = keys::decode_current(IndexOrder::Eavt, (*c)->key(), (*c)->value(), &basis.values);
      if (!d) return std::unexpected(d.error());
      auto parts = keys::split_datom_key(IndexOrder::Eavt, (*c)->key());
      if (!parts) return std::unexpected(parts.error());
      stats.add(d->a, parts->v, d->e, false);
      txs.insert(d->tx.value);
      note_large(d->v, large);
      if (auto r = delete_keys(*d, sp.current, "", batch); !r) return r;
    }
    if (auto s = (*c)->status(); !s) return std::unexpected(s.error());
    // History: every datom once asserted and since retracted.
    auto h = basis.snapshot->cursor(sp.history[0], bounds);
    if (!h) return std::unexpected(h.error());
    for ((*h)->seek_to_first(); (*h)->valid(); (*h)->next()) {
      auto entry = keys::decode_history(IndexOrder::Eavt, (*h)->key(), (*h)->value(), &basis.values);
      if (!entry) return std::unexpected(entry.error());
      txs.insert(entry->asserted.tx.value);
      txs.insert(entry->retracted.value);
      note_large(entry->asserted.v, large);
      std::string suffix;
      keys::append_tx_fixed(suffix, entry->asserted.tx);
      if (auto r = delete_keys(entry->asserted, sp.history, suffix, batch); !r) return r;
    }
    if (auto s = (*h)->status(); !s) return std::unexpected(s.error());
  }
  // The log entries of those transactions that are about the entity (and attributes).
  for (std::uint64_t t : txs) {
    std::string prefix;
    keys::append_tx_fixed(prefix, TxId{t});
    auto c = basis.snapshot->cursor(sp.log, CursorBounds{prefix, keys::prefix_successor(prefix)});
    if (!c) return std::unexpected(c.error());
    for ((*c)->seek_to_first(); (*c)->valid(); (*c)->next()) {
      auto d = keys::decode_log((*c)->key(), (*c)->value(), &basis.values);
      if (!d) return std::unexpected(d.error());
      if (d->e != excision.e) continue;
      if (!excision.attrs.empty() &&
          std::find(excision.attrs.begin(), excision.attrs.end(), d->a) == excision.attrs.end())
        continue;
      batch.del(sp.log, (*c)->key());
    }
    if (auto s = (*c)->status(); !s) return std::unexpected(s.error());
  }
  if (large.empty()) return {};
  auto no_history = no_history_attrs(basis);
  if (!no_history) return std::unexpected(no_history.error());
  for (const auto& [hash, ref] : large) {
    auto held = still_held(basis, excision, ref, *no_history, batch);
    if (!held) return std::unexpected(held.error());
    if (!*held) batch.del(sp.values, keys::value_key(hash));
  }
  return {};
}

}  // namespace quarry::index::detail
