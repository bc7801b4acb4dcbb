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

// The components of each order, in key order.
enum class Part { E, A, V };
inline constexpr Part kParts[4][3] = {
    {Part::E, Part::A, Part::V},  // Eavt
    {Part::A, Part::E, Part::V},  // Aevt
    {Part::A, Part::V, Part::E},  // Avet
    {Part::V, Part::A, Part::E},  // Vaet
};

// The encoded prefix. `exact` is false when an attribute id below the system partition cut it
// short: no datom can match it, and every key from `bytes` on sorts after it.
// `upper` is the exclusive end of the keys that start with it. That is usually the prefix
// successor, but a prefix ending in an inline value must stop at bytes · 0xFF: keys of large
// values whose stub equals that value continue it with the 0xFF marker (key_layout.hpp).
// (bytes · 0xFF ends the run of ANY prefix that ends at a component boundary: no component, tx
// suffix or key end continues a prefix with 0xFF except that marker. DatomCursor relies on it.)
struct EncodedPrefix {
  std::string bytes;
  bool exact = true;
  bool ends_with_inline_value = false;
  // When exact: the first `parts` components of the order are in `bytes`, component i ending at
  // byte ends[i] (so keys::split_datom_key need frame only the rest of a key that starts with it).
  std::uint8_t parts = 0;
  std::array<std::uint32_t, 3> ends{};

  [[nodiscard]] std::optional<std::string> upper() const {
    if (ends_with_inline_value) return bytes + '\xff';
    return keys::prefix_successor(bytes);
  }
};
// Errors: InvalidArgument (components that are not a prefix of the order's), CodecUnstorable.
// The first form reuses out's buffer.
[[nodiscard]] Result<void> encode_prefix(IndexOrder order, const DatomPrefix& prefix, EncodedPrefix& out);
[[nodiscard]] Result<EncodedPrefix> encode_prefix(IndexOrder order, const DatomPrefix& prefix);

// A cursor over `order` within `bounds` (applied to the current space and, when the view needs it,
// to the history space: history keys extend datom keys, so the same bounds select them).
// UNPOSITIONED: call a seek. `empty` gives a cursor with nothing in it (for prefixes that cannot
// match). `shared`, when given and exact: the prefix whose run `bounds` are, so that every key
// within them starts with it and the cursor frames only the components after its `parts`. Only
// its exact, parts and ends are read (its bytes may have been moved into the bounds).
[[nodiscard]] Result<DatomCursor> open_cursor(std::shared_ptr<const DbCore> core, IndexOrder order,
                                              CursorBounds bounds, ScanView view, bool empty = false,
                                              ReadHint hint = ReadHint::Default,
                                              const EncodedPrefix* shared = nullptr);
// open_cursor, then seek_to_first.
[[nodiscard]] Result<DatomCursor> open_scan(std::shared_ptr<const DbCore> core, IndexOrder order,
                                            CursorBounds bounds, ScanView view, bool empty = false,
                                            ReadHint hint = ReadHint::Default,
                                            const EncodedPrefix* shared = nullptr);

}  // namespace quarry::index::detail
