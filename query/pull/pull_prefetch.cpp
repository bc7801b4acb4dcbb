#include "query/pull/pull_prefetch.hpp"

#include <algorithm>

namespace quarry::query {

Result<EntityPrefetch> EntityPrefetch::read(const index::Db& db, std::span<const EntityId> entities) {
  EntityPrefetch out;
  if (entities.size() < kMinRun) return out;
  std::vector<std::uint64_t> ids;
  ids.reserve(entities.size());
  for (EntityId e : entities) ids.push_back(e.value);
  std::ranges::sort(ids);
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());

  for (std::size_t begin = 0; begin < ids.size();) {
    std::size_t end = begin + 1;
    while (end < ids.size() && ids[end] - ids[end - 1] <= kMaxGap) ++end;
    if (end - begin >= kMinRun) {
      auto cursor = db.seek_datoms(IndexOrder::Eavt, {.e = EntityId{ids[begin]}});
      if (!cursor) return std::unexpected(cursor.error());
      std::size_t next = begin;  // the first wanted id not yet passed
      for (; cursor->valid(); cursor->next()) {
        const Datom& d = cursor->datom();
        if (d.e.value > ids[end - 1]) break;
        while (ids[next] < d.e.value) ++next;
        if (ids[next] != d.e.value) continue;
        if (out.ranges_.empty() || out.ranges_.back().first != d.e.value)
          out.ranges_.push_back({d.e.value, {out.datoms_.size(), out.datoms_.size()}});
        out.datoms_.push_back(d);
        out.ranges_.back().second.second = out.datoms_.size();
      }
      if (auto s = cursor->status(); !s) return std::unexpected(s.error());
      // Wanted ids without datoms get empty ranges, so they are not read again.
      for (std::size_t i = begin; i < end; ++i) out.ranges_.push_back({ids[i], {0, 0}});
    }
    begin = end;
  }
  // Entities with datoms appear twice (once with their range, once empty): keep the first.
  std::ranges::stable_sort(out.ranges_, {}, &decltype(out.ranges_)::value_type::first);
  out.ranges_.erase(std::unique(out.ranges_.begin(), out.ranges_.end(),
                                [](const auto& x, const auto& y) { return x.first == y.first; }),
                    out.ranges_.end());
  return out;
}

std::optional<std::span<const Datom>> EntityPrefetch::datoms_of(EntityId e) const {
  auto it = std::ranges::lower_bound(ranges_, e.value, {}, &decltype(ranges_)::value_type::first);
  if (it == ranges_.end() || it->first != e.value) return std::nullopt;
  return std::span<const Datom>(datoms_).subspan(it->second.first, it->second.second - it->second.first);
}

}  // namespace quarry::query
