// Excision: the deletes that erase one entity's datoms (or some attributes' of it) from the
// current indexes, the history spaces and the log (Writer::excise; doc/transactions.md).
#include <algorithm>
#include <array>
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

}  // namespace

Result<void> add_excision(const DbCore& basis, const Excision& excision, WriteBatch& batch, StatsDelta& stats) {
  const Spaces& sp = basis.spaces;
  std::set<std::uint64_t> txs;  // transactions whose log holds the entity's datoms
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
  return {};
}

}  // namespace quarry::index::detail
