// Positions in an index as people write them: (datoms $ :eavt [:name "Ivan"] :friend) — entity
// components given as ids, lookup refs or idents, attributes as keywords, values as values, and an
// optional fourth component, the transaction.
#pragma once

#include <optional>
#include <span>

#include "codec/error.hpp"
#include "codec/value.hpp"
#include "index/db.hpp"

namespace quarry::index {

struct IndexPosition {
  DatomPrefix prefix;
  // The fourth component: only datoms of this transaction (datoms) or from it on within the first
  // (e a v) group (seek_datoms).
  std::optional<TxId> tx;
  // An entity component (a lookup ref or ident) that names no entity: nothing can match it.
  bool names_nothing = false;
};

// Resolves up to four components of `order` (its own component order, e.g. a, v, e for :avet,
// then tx). Entity components — e, the v of :vaet, and the v of a ref attribute — may be entity
// ids, lookup refs or idents (index/entity_ref.hpp); the tx component is a tx id (a long).
// Errors: :quarry/invalid-argument naming the component; :tx/lookup-ref for a lookup ref on a
// non-unique attribute; those of Db::prefix.
[[nodiscard]] Result<IndexPosition> resolve_position(const Db& db, IndexOrder order,
                                                     std::span<const Value> components);

// The datoms at `position`: those whose leading components equal it (and whose tx is
// position.tx, if set), in index order.
[[nodiscard]] Result<std::vector<Datom>> datoms_at(const Db& db, IndexOrder order, const IndexPosition& position);

// The datoms from `position` to the end of the index, at most `limit` of them. With a tx, datoms of
// the position's own (e a v) with an earlier tx are skipped. Empty when the position names_nothing.
[[nodiscard]] Result<std::vector<Datom>> datoms_from(const Db& db, IndexOrder order, const IndexPosition& position,
                                                     std::size_t limit);

// True when the index orders `v` against every stored value as compare() does, so a scan may start
// or stop at it: its encoding is at most 200 bytes. Longer values sort by a 256-byte stub and a
// hash (doc/format.md, "Large values"); a bound that long leaves its side of a scan open.
[[nodiscard]] bool placeable_bound(const Value& v);

// index-range: the AVET datoms of attribute `a` (in the view of `db`) with start <= v < end, absent
// bounds open, in index order. The bounds compare as the query's comparison predicates do: numbers
// by value across long and double (1 = 1.0, -0.0 = 0.0, though the index keeps them apart and sorts
// 1 before 1.0), everything else by compare() — exactly, also where the index orders large values
// by stub and hash (doc/format.md, "Large values"). So (index-range $ :a S E) returns what
// [?e :a ?v] [(>= ?v S)] [(< ?v E)] binds. The scan is widened where index order and that
// comparison disagree (a bound whose encoding is over 200 bytes leaves its side open), and every
// datom read is checked. A ref attribute's bounds are entities: ids (positive longs), lookup refs
// or idents, resolved in `db`; one that names nothing gives no datoms. Errors: those of
// resolve_entity and Db::index_range.
[[nodiscard]] Result<std::vector<Datom>> datoms_in_range(const Db& db, AttrId a, const std::optional<Value>& start,
                                                         const std::optional<Value>& end);

}  // namespace quarry::index
