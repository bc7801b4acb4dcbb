// The pull API (Datomic's and DataScript's): a pattern names which attributes of an entity to
// return, as a map.
//
//   [:name :age]                 those attributes (absent ones are left out)
//   [*]                          every attribute; component refs expanded, other refs as {:db/id n}
//   [:name {:friend [:name]}]    nested: follow a ref and pull the pattern from its target
//   [:_friend]                   reverse: entities whose :friend points here (a collection, or one
//                                map for a component attribute)
//   [(:name :as :n) (:friend :limit 2) (:age :default 0)]  and [:name :as :n], [:x :limit nil]
//   {:friend ...} / {:friend 3}  recursion, unbounded (cycles stop) or to a depth
//   [:db/id]                     the entity id
// Results follow DataScript 1.8: refs print as {:db/id n} (maps), cardinality-many values as
// vectors, an entity with no matching attributes pulls as nil.
#pragma once

#include <memory>
#include <span>

#include "codec/error.hpp"
#include "codec/value.hpp"
#include "index/db.hpp"

namespace quarry::query {

struct PullPattern;  // parsed pattern (query/pull/pull_pattern.hpp)

// Parses a pattern. Syntax only (no database): :pull/syntax for a malformed one.
[[nodiscard]] Result<std::shared_ptr<const PullPattern>> parse_pull_pattern(const Value& pattern);

// Pulls one entity. Attributes that the schema does not know are simply absent.
[[nodiscard]] Result<Value> pull(const index::Db& db, const PullPattern& pattern, EntityId e);
// One result per id, in order (nil for entities with nothing to pull).
[[nodiscard]] Result<Value> pull_many(const index::Db& db, const PullPattern& pattern,
                                      std::span<const EntityId> entities);

}  // namespace quarry::query
