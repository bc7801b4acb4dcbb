// The transactor: turns parsed tx-data (tx/tx_data.hpp) into the datoms of one transaction against
// a database value, without writing anything. tx/connection.hpp commits the result.
//
// Semantics (doc/architecture.md, "Data model"; DataScript 1.8 where it is silent — see doc/transactions.md):
// - Forms are applied in order to a private overlay of the basis, so a later form sees the
//   effects of earlier ones (a cas after a retraction sees it). The datoms produced are the NET
//   change: asserting one card-one value twice in one transaction leaves one assertion.
// - Conflicts (Datomic's): two different values asserted for one card-one attribute of one entity
//   by one transaction are TxConflict — also when they come from two maps that resolve to one
//   entity (e.g. through a shared unique identity). Replacing the basis' value is not a conflict.
// - Tempids: a string (other than "datomic.tx") or a negative long. A tempid gets an id the first
//   time it is met (in form order): the entity found by an upsert, else max-eid + 1 (in the
//   system partition for a tempid that asserts :db/ident). If a later upsert resolves a tempid
//   that already has a new id to an existing entity, the transaction is re-run with that tempid
//   bound from the start (DataScript's retry); a tempid resolving to two existing entities is a
//   TxUpsert error. A tempid that appears only in value positions is a TxTempid error.
// - Upserts: a map (or [:db/add tempid a v]) whose :db.unique/identity attribute has a value held
//   by an existing entity is that entity. An explicit entity id that disagrees is TxUpsert.
// - :db.unique/value and identity are checked on the final state of the transaction (TxUnique).
// - Attributes used without declaration are created (cardinality one, no type) unless
//   TxOptions::strict_schema; :db/* idents are never created implicitly.
// - Schema changes (datoms on attribute entities) take effect for the forms after them and are
//   validated against all data at the end (tx/schema_change.hpp).
// - Every transaction asserts :db/txInstant on its own entity, unless the tx-data sets it.
// - Transaction functions ([:my.ns/fn arg ...], tx/hooks.hpp) see the database before the
//   transaction; the tx-data they return runs in place of the call (and may call functions
//   itself, up to kMaxCallDepth deep). Unknown functions and tx-data of the wrong shape are
//   TxFunction; an error a function returns aborts the transaction with its own code.
// - Composite tuples (:db/tupleAttrs) are recomputed at the end for every entity whose component
//   attributes the transaction touched: [v1 v2 ...] with nil for a missing component, retracted
//   when every component is missing. Asserting or retracting one directly is TxTuple; a map may
//   give one only as an upsert key (then it must equal the recomputed value).
// - A composite tuple upserts in list forms too: [:db/add tempid composite v] finds the entity
//   holding v (a new entity otherwise, whose components must then give v), and a tempid whose new
//   entity ends the transaction with a unique identity composite that an existing entity holds is
//   that entity (the transaction is re-run with it bound, as for any upsert).
// - Every attribute has its cardinality as a datom (Datomic's rule): one that ends a transaction
//   with schema datoms or values but no :db/cardinality gets [a :db/cardinality :db.cardinality/one].
//   A bare {:db/ident :x} (an enum value, a spec) is no attribute until used as one.
// - Excision is tx-data: [:db/add "datomic.tx" :db/excise e] (and :db.excise/attrs) records it on
//   the transaction entity; such a transaction may not also change the excised entity.
// - Constraints are checked on the final state: :db.attr/preds on every asserted value
//   (TxAttrPred), and the entity specs named by :db/ensure (virtual, never stored):
//   :db.entity/attrs present (TxEntityAttrs), :db.entity/preds true (TxEntityPred).
#pragma once

#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "codec/error.hpp"
#include "codec/value.hpp"
#include "index/db.hpp"
#include "tx/hooks.hpp"
#include "tx/tx_data.hpp"

namespace quarry::tx {

struct TxOptions {
  // Reject attributes that have not been declared (Datomic's behaviour) instead of creating them
  // untyped with cardinality one (DataScript's).
  bool strict_schema = false;
  // The :db/txInstant asserted on the transaction entity.
  Instant tx_instant{};
  // Transaction functions and constraint predicates; null: none registered.
  const TxHooks* hooks = nullptr;
  // For a basis whose max_eid counts entities its store does not hold yet (the import's bulk
  // path: index::BulkLoad::view): user entities above this id have no datoms in the store, so
  // their slots start empty without a read. Unset: the basis' max_eid. Only an optimization: the
  // reads it saves would find nothing.
  std::optional<std::uint64_t> stored_max_eid{};
  // PreparedTx::tempids sorted by tempid (a report's order). False (the import's bulk path, which
  // keeps them in a hash table): in no order, and a name of the transaction may repeat; sorting
  // ten thousand tempids was 4% of an import's importing thread.
  bool sorted_tempids = true;
};

// How deep transaction function calls may nest (a function's tx-data calling a function ...).
inline constexpr int kMaxCallDepth = 32;

// The outcome of prepare_tx: what to commit, and how tempids were resolved.
struct PreparedTx {
  TxId tx;
  // Retractions (added = false) and assertions, tx = `tx`, with no redundant datom; the last
  // assertion is :db/txInstant on the tx entity (unless the tx-data asserted it).
  std::vector<Datom> datoms;
  // Every tempid of the tx-data (as written: "a", -1, "datomic.tx") and :db/current-tx, with the
  // entity it resolved to; sorted by tempid (unless TxOptions::sorted_tempids is false).
  std::vector<std::pair<Value, EntityId>> tempids;
  // The excision the tx-data asked for, if any ([:db/add "datomic.tx" :db/excise e], and
  // :db.excise/attrs): the commit must then also erase e's datoms (of `attrs` only, when not
  // empty), as index::Writer::excise does; `datoms` hold none of e's.
  struct Excision {
    EntityId e;
    std::vector<AttrId> attrs;
  };
  std::optional<Excision> excision;
};

// Computes the transaction `forms` would make on `basis` (whose next_tx() is its id). Errors:
// the Tx* codes of codec/error.hpp, with messages naming the form or datom; storage errors as they
// come. Nothing is written and `basis` is not changed.
[[nodiscard]] Result<PreparedTx> prepare_tx(const index::Db& basis, std::span<const TxForm> forms,
                                            const TxOptions& options);

}  // namespace quarry::tx
