// The entity API's view of one entity: every attribute as a map, with :db/id.
#pragma once

#include "codec/error.hpp"
#include "codec/value.hpp"
#include "index/db.hpp"

namespace quarry::query {

// {:db/id n, :attr v, ...}: cardinality-many values as sets, refs as {:db/id m} — or, when m has
// a :db/ident (an enum value), as that keyword, as Datomic's entity API shows them — component
// refs expanded recursively into their own entity maps (an entity already expanded on the path
// from `e` appears as {:db/id m}, so component cycles end). An entity with no datoms is
// {:db/id n}. This is pull's [*] with sets, no :limit and idents. Reads the view of `db` (as-of,
// since).
// Errors: :quarry/invalid-argument on a history database; index read errors.
[[nodiscard]] Result<Value> entity_map(const index::Db& db, EntityId e);

}  // namespace quarry::query
