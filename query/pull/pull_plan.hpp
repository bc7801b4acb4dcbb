// A pull pattern bound to one schema: attribute idents resolved to ids, cardinality, ref-ness and
// component-ness looked up, default limits applied, and DataScript's schema-dependent pattern
// errors raised (:limit on a cardinality-one attribute, a nested pattern on a non-ref, a reverse
// attribute that is not a ref). Binding happens once per (pattern, schema), not once per entity:
// the plan is cached on the parsed pattern.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "codec/error.hpp"
#include "codec/value.hpp"
#include "index/db.hpp"
#include "index/schema.hpp"
#include "query/pull/pull_pattern.hpp"

namespace quarry::query {

struct PullPlanPattern;

inline constexpr std::size_t kNoLimit = std::numeric_limits<std::size_t>::max();
// DataScript's default :limit for cardinality-many (and reverse) attributes.
inline constexpr std::size_t kDefaultManyLimit = 1000;

struct PullPlanAttr {
  Value key;                               // the result key
  // The key's position among all keys of the plan in Value order (equal keys, equal ranks), so
  // that result maps are sorted by comparing integers.
  std::uint32_t key_rank = 0;
  const index::AttrSchema* attr = nullptr; // nullptr for :db/id and for unknown attributes
  bool db_id = false;
  bool reverse = false;
  bool multival = false;  // the result is a vector (card-many forward, non-component reverse)
  bool ref = false;
  std::size_t limit = kNoLimit;
  std::optional<Value> default_value;
  // Where a ref leads: nullptr = print it as {:db/id n}; otherwise pull this pattern from it.
  const PullPlanPattern* pattern = nullptr;
  std::optional<std::int64_t> recursion_limit;  // for recursive attributes: nullopt = unbounded
  // DataScript's auto-expanding attributes (recursive ones, and components pulled with a
  // wildcard pattern) are the ones whose targets are checked against the entities already
  // expanded on the path from the root, so cycles stop as {:db/id n}.
  bool auto_expanding = false;
};

struct PullPlanPattern {
  bool wildcard = false;
  std::vector<PullPlanAttr> db_ids;   // :db/id specs (a wildcard adds one unless given)
  std::vector<PullPlanAttr> forward;  // known forward attributes, sorted by attribute id
  std::vector<PullPlanAttr> absent;   // unknown forward attributes that have a default
  std::vector<PullPlanAttr> reverse;  // in the order written
};

struct PullPlan {
  std::shared_ptr<const index::Schema> schema;  // keeps the AttrSchema pointers alive
  std::vector<std::unique_ptr<PullPlanPattern>> patterns;  // owns every pattern of the plan
  const PullPlanPattern* root = nullptr;
  // How a wildcard pulls each attribute it was not given a spec for, sorted by attribute id:
  // refs as {:db/id n}, components expanded with a wildcard.
  std::vector<PullPlanAttr> wildcard_attrs;

  // The wildcard default for attribute a; nullptr if the schema does not know it.
  [[nodiscard]] const PullPlanAttr* wildcard_attr(AttrId a) const noexcept;
};

// The plan of `pattern` for `schema` (cached on `pattern` while the schema stays the same).
// Errors: :pull/syntax naming the offending spec.
[[nodiscard]] Result<std::shared_ptr<const PullPlan>> plan_pull(
    const PullPattern& pattern, const std::shared_ptr<const index::Schema>& schema);

// How results are shaped: pull's (vectors, default limits, refs as {:db/id n}) or the entity API's
// (sets, no limits, a ref to an entity with a :db/ident as that keyword: Datomic's enums).
struct PullShape {
  bool many_as_sets = false;
  bool unlimited = false;
  bool refs_as_idents = false;
};

// Runs a plan on each entity (query/pull/pull.cpp), appending one result per entity to `out`: the
// pulled map, or nil when nothing was pulled. On error `out` holds the results before it.
// Errors: :quarry/invalid-argument on a history database; index read errors.
[[nodiscard]] Result<void> execute_pull(const index::Db& db, const PullPlan& plan,
                                        std::span<const EntityId> entities, PullShape shape,
                                        std::vector<Value>& out);

}  // namespace quarry::query
