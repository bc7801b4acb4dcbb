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

}  // namespace quarry::index
