// Internal to index/: the shared state behind a Db value, and the scan primitive every read uses.
// Not for other layers (use index/db.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/container/flat_map.hpp>

#include "index/datom_cursor.hpp"
#include "index/db.hpp"
#include "index/key_layout.hpp"
#include "storage/store.hpp"

namespace quarry::index::detail {

// Space ids of keys::all_spaces() in one store.
struct Spaces {
  std::array<SpaceId, 4> current{};  // by IndexOrder
  std::array<SpaceId, 4> history{};
  SpaceId log{};
  SpaceId meta{};
  SpaceId values{};
};
[[nodiscard]] Result<Spaces> resolve_spaces(const Store& store);

// Large values read from the values space of one snapshot. Borrows the snapshot.
class SnapshotValues final : public keys::LargeValueSource {
 public:
  SnapshotValues() = default;
  SnapshotValues(const Snapshot* snapshot, SpaceId space) : snapshot_(snapshot), space_(space) {}
  [[nodiscard]] Result<std::string> encoding(std::uint64_t hash) const override;

 private:
  const Snapshot* snapshot_ = nullptr;
  SpaceId space_{};
};

using StatsMap = boost::container::flat_map<AttrId, AttrStats>;

struct Counters {
  TxId basis{0};
  std::uint64_t max_eid = 0;
  std::uint64_t next_system_id = sys::kFirstUserSystemId;
};

// Everything a Db value shares. Immutable after construction.
// Member order matters: the snapshot is destroyed before the store that made it.
struct DbCore {
  std::shared_ptr<Store> store;
  std::shared_ptr<const Snapshot> snapshot;
  Spaces spaces;
  std::shared_ptr<const Schema> schema;
  std::shared_ptr<const StatsMap> stats;
  Counters counters;
  SnapshotValues values;  // over `snapshot`; set with it
};

// Which datoms a scan yields, in the terms of db.hpp's views. The tx window is (lo, hi]: lo is
// since (0 when none), hi is as-of (the basis when none).
struct ScanView {
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  bool history = false;
};

// A scan over `order` within `bounds` (applied to the current space and, when the view needs it,
// to the history space: history keys extend datom keys, so the same bounds select them).
// `empty` gives a cursor with nothing in it (for prefixes that cannot match).
[[nodiscard]] Result<DatomCursor> open_scan(std::shared_ptr<const DbCore> core, IndexOrder order,
                                            CursorBounds bounds, ScanView view, bool empty = false);

}  // namespace quarry::index::detail
