// Reading the datoms of many entities at once, for pull-many: ids that lie close together are
// read with one EAVT cursor per run of ids instead of one cursor per entity. Opening a cursor is
// the dominant cost of pulling a small entity from RocksDB (an iterator per entity), so a
// pull-many of 1000 neighbouring entities reads a few cursors instead of 1000.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "codec/error.hpp"
#include "index/db.hpp"

namespace quarry::query {

class EntityPrefetch {
 public:
  // Reads every datom (in the view of `db`) of the entities in `entities` that belong to a run
  // of at least kMinRun ids with gaps of at most kMaxGap; the others are left to the caller.
  [[nodiscard]] static Result<EntityPrefetch> read(const index::Db& db, std::span<const EntityId> entities);

  // e's datoms in EAVT order, or nullopt if e was not prefetched.
  [[nodiscard]] std::optional<std::span<const Datom>> datoms_of(EntityId e) const;

  static constexpr std::size_t kMinRun = 8;
  static constexpr std::uint64_t kMaxGap = 16;

 private:
  std::vector<Datom> datoms_;
  // Prefetched ids, sorted, with the range of datoms_ holding each one's datoms.
  std::vector<std::pair<std::uint64_t, std::pair<std::size_t, std::size_t>>> ranges_;
};

}  // namespace quarry::query
