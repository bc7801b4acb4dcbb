#include "index/stats.hpp"

#include <algorithm>

#include "codec/value_codec.hpp"
#include "index/key_layout.hpp"

namespace quarry::index::detail {

void StatsDelta::add(AttrId a, std::string_view encoded_value, EntityId e, bool added) {
  Group& g = groups_[{a, std::string(encoded_value)}];
  if (added) ++g.asserted;
  else g.retracted.push_back(e);
}

Result<StatsMap> StatsDelta::apply(const DbCore& basis, std::vector<AttrId>& changed) const {
  StatsMap stats = *basis.stats;
  const SpaceId avet = basis.spaces.current[static_cast<int>(IndexOrder::Avet)];
  // One cursor for the whole transaction: groups come in key order, so each seek moves forward.
  // Not kept in the store's cache: this transaction's own write changes these keys.
  auto c = basis.snapshot->cursor(avet, {}, CursorOptions{.fill_cache = false});
  if (!c) return std::unexpected(c.error());
  for (const auto& [key, g] : groups_) {
    const auto& [attr, value] = key;
    std::string prefix;
    keys::append_attr(prefix, attr);
    prefix += value;
    (*c)->seek(prefix);
    // A key of this value continues the prefix with E; one continuing it with 0xFF belongs to a
    // large value whose stub equals this (inline) value.
    auto holds_value = [&] {
      if (!(*c)->valid() || !(*c)->key().starts_with(prefix)) return false;
      std::string_view k = (*c)->key();
      return k.size() == prefix.size() || static_cast<unsigned char>(k[prefix.size()]) != 0xFF;
    };
    bool before = holds_value();
    bool after = g.asserted > 0;
    std::vector<EntityId> retracted;
    if (!after) {
      retracted = g.retracted;
      std::sort(retracted.begin(), retracted.end());
    }
    for (; !after && holds_value(); (*c)->next()) {
      std::string_view rest = (*c)->key().substr(prefix.size());
      auto e = codec::decode_uint(rest);
      if (!e) return std::unexpected(e.error());
      after = !std::binary_search(retracted.begin(), retracted.end(), EntityId{*e});
    }
    if (auto st = (*c)->status(); !st) return std::unexpected(st.error());

    AttrStats& s = stats[attr];
    s.datoms = static_cast<std::uint64_t>(static_cast<std::int64_t>(s.datoms) + g.asserted -
                                          static_cast<std::int64_t>(g.retracted.size()));
    s.distinct_values = s.distinct_values + (after ? 1 : 0) - (before ? 1 : 0);
    changed.push_back(attr);
  }
  std::sort(changed.begin(), changed.end());
  changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  for (AttrId a : changed)
    if (stats[a] == AttrStats{}) stats.erase(a);
  return stats;
}

std::string encode_stats(const AttrStats& s) {
  std::string out;
  codec::append_uint_fixed(out, s.datoms);
  codec::append_uint_fixed(out, s.distinct_values);
  return out;
}

Result<AttrStats> decode_stats(std::string_view bytes) {
  auto datoms = codec::decode_uint_fixed(bytes);
  auto distinct = datoms ? codec::decode_uint_fixed(bytes) : datoms;
  if (!datoms || !distinct || !bytes.empty())
    return fail(ErrorCode::StorageCorruption, "undecodable meta statistics record");
  return AttrStats{*datoms, *distinct};
}

}  // namespace quarry::index::detail
