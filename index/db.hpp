// The index layer's API: database values (Db) and the one writer that makes new ones (Writer).
//
// A Db is an immutable database value: a storage snapshot, the basis transaction it reflects, the
// schema and statistics as of that transaction, and a VIEW over them:
//   current          what is true at the basis                 (reads only the current spaces)
//   as_of(t)         what was true after transaction t          (current + history spaces)
//   since(t)         what is true now and was asserted after t  (Datomic's since)
//   history()        every assertion and retraction, as [e a v tx added]; combined with as_of/since
//                    it keeps the events whose tx lies in the window (since, as_of]
// Views compose: db.as_of(t1).since(t0).history(). A view never changes basis(), schema(), the
// counters or attr_stats(): those always describe the current state at the basis.
//
// Copying a Db is cheap (one shared pointer and the view). A Db keeps its snapshot, and through it
// the Store, alive: the Store is only closed when the Writer and every Db and DatomCursor are gone.
// Thread safety: a Db is immutable; any number of threads may read one concurrently.
//
// Writer: owns the latest Db of one Store and commits transactions to it — one atomic storage
// batch per commit. See Writer::commit for exactly what the index layer checks (very little: the
// tx layer does the semantics).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "codec/error.hpp"
#include "codec/ids.hpp"
#include "codec/value.hpp"
#include "index/datom.hpp"
#include "index/datom_cursor.hpp"
#include "index/schema.hpp"
#include "storage/store.hpp"

namespace quarry::index {

// Exact per-attribute figures of the current state at the basis, for the query planner.
struct AttrStats {
  std::uint64_t datoms = 0;           // current datoms of the attribute
  std::uint64_t distinct_values = 0;  // distinct values among them
  friend bool operator==(const AttrStats&, const AttrStats&) = default;
};

// DatomPrefix (the leading components of an index position) is declared in index/datom_cursor.hpp.

namespace detail {
struct DbCore;  // snapshot, space ids, schema, counters, stats (index/db_core.hpp)
struct Excision;  // what an excision erases (index/commit.hpp)
}

class Db {
 public:
  // ---- identity and metadata (independent of the view) ----
  [[nodiscard]] TxId basis() const noexcept;    // the last transaction this value contains
  [[nodiscard]] TxId next_tx() const noexcept;  // basis() + 1: the id the next commit should use
  [[nodiscard]] const Schema& schema() const noexcept;
  [[nodiscard]] std::shared_ptr<const Schema> schema_ptr() const noexcept;
  // The state this value reads (snapshot, schema, counters, statistics), shared by all its views.
  // Two values read the same state exactly when their handles are owner-equal (std::owner_less
  // both ways); a handle never compares equal to a later state, even once its own has been freed,
  // so caches may key on it without keeping the state alive (query plans do).
  [[nodiscard]] std::weak_ptr<const void> state() const noexcept;
  // Largest user entity id ever used as a datom's e (0 when none); new user entities get
  // max_eid() + 1 (doc/architecture.md, "Data model").
  [[nodiscard]] std::uint64_t max_eid() const noexcept;
  // The next free id in the system partition (for new attributes), >= sys::kFirstUserSystemId.
  [[nodiscard]] std::uint64_t next_system_id() const noexcept;
  // Zeroes for an attribute with no datoms or no such attribute.
  [[nodiscard]] AttrStats attr_stats(AttrId a) const noexcept;
  // About how many current AVET datoms of `a` have values in [start, end) (absent bounds are
  // open), from the store's size figures without reading the range: exact on the memory store
  // (O(log n)), RocksDB's approximate sizes (SST metadata; may lag recent writes) otherwise. Counts
  // the store's current state, not this view's. For the planner's estimates only.
  [[nodiscard]] Result<std::uint64_t> estimate_avet_range(AttrId a, const std::optional<Value>& start,
                                                         const std::optional<Value>& end) const;

  // ---- views ----
  // as_of(t) of an as-of view keeps the earlier t; since(t) of a since view keeps the later t.
  // A t above basis() is the same as basis().
  [[nodiscard]] Db as_of(TxId t) const;
  [[nodiscard]] Db since(TxId t) const;
  [[nodiscard]] Db history() const;
  [[nodiscard]] std::optional<TxId> as_of_t() const noexcept { return as_of_; }
  [[nodiscard]] std::optional<TxId> since_t() const noexcept { return since_; }
  [[nodiscard]] bool is_history() const noexcept { return history_; }
  // The same snapshot with no view (the current state at basis()).
  [[nodiscard]] Db current() const;

  // ---- raw index access (honours the view) ----
  // Datoms whose key starts with `prefix`, in index order; history views order by index order,
  // then tx. Errors: InvalidArgument (bad prefix), CodecUnstorable (unencodable v).
  [[nodiscard]] Result<DatomCursor> datoms(IndexOrder order, const DatomPrefix& prefix = {}) const;
  // An UNPOSITIONED cursor over the datoms whose key starts with `range` (call a seek first), for
  // probes: one cursor per index per query step, re-seeked per lookup (datom_cursor.hpp). `hint`
  // chooses the read strategy only. Errors as datoms().
  [[nodiscard]] Result<DatomCursor> cursor(IndexOrder order, const DatomPrefix& range = {},
                                           ReadHint hint = ReadHint::Default) const;
  // Datoms from the position `prefix` names to the end of the whole index.
  [[nodiscard]] Result<DatomCursor> seek_datoms(IndexOrder order, const DatomPrefix& prefix = {}) const;
  // AVET datoms of attribute a with start <= v < end (an absent bound is open), v compared in index
  // order (3 before 3.0). Exact except for large values near a bound (see Writer::commit on large
  // values): a scan range for the planner, which checks its predicates afterwards. The
  // index-range form reads through index::datoms_in_range (index/index_position.hpp), which is exact.
  [[nodiscard]] Result<DatomCursor> index_range(AttrId a, const std::optional<Value>& start = std::nullopt,
                                                const std::optional<Value>& end = std::nullopt) const;
  // Builds a prefix from positional components as the REPL's (datoms $ :eavt 1 :name "x") gives
  // them: e as a ref or positive long; a as a keyword (resolved through schema()) or an id;
  // v as any storable value (a ref or positive long on Vaet). InvalidArgument otherwise.
  [[nodiscard]] Result<DatomPrefix> prefix(IndexOrder order, std::span<const Value> components) const;

  // ---- point helpers (read the view's state: on a history view, as the same view without
  // history) ----
  [[nodiscard]] Result<std::vector<Datom>> entity_datoms(EntityId e) const;            // EAVT e
  [[nodiscard]] Result<std::vector<Datom>> attr_datoms(EntityId e, AttrId a) const;    // EAVT e a
  [[nodiscard]] Result<bool> has_datom(EntityId e, AttrId a, const Value& v) const;
  [[nodiscard]] Result<bool> entity_exists(EntityId e) const;  // has any datom as e
  // The entity holding v for attribute a (AVET), e.g. for a unique attribute; the smallest such
  // entity if several do.
  [[nodiscard]] Result<std::optional<EntityId>> find_unique(AttrId a, const Value& v) const;
  // Datoms whose value is a ref to e (VAET), e.g. for :db/retractEntity.
  [[nodiscard]] Result<std::vector<Datom>> referencing_datoms(EntityId e) const;
  // Every assertion and retraction about e within the view's tx window, ordered by tx, then
  // retractions before assertions, then a, then v.
  [[nodiscard]] Result<std::vector<Datom>> entity_history(EntityId e) const;

  // ---- speculative transactions ----
  // The database after committing `datoms` as transaction `tx` on this value's state at its basis,
  // kept in memory over this value's snapshot and never written to its store (Datomic's `with`;
  // storage/layered_store.hpp). Nothing about this value or the store changes. The result has
  // basis tx, is read like any other value (indexes, history, log, schema, statistics) and may
  // itself be given to with_datoms again; it keeps this value's view (as-of, since, history), so an
  // as-of value does not show the speculative transaction (Datomic does the same).
  // Checks and errors as Writer::commit, with `basis` = this value's current state.
  [[nodiscard]] Result<Db> with_datoms(TxId tx, std::span<const Datom> datoms) const;
  // The same for an excision (Writer::excise): `datoms`, the record, committed as transaction `tx`
  // and, in the same layer, every datom of `e` (of `attrs` only, when not empty) erased from the
  // indexes, the history spaces and the log. Checks and errors as Writer::excise.
  [[nodiscard]] Result<Db> with_excision(TxId tx, std::span<const Datom> datoms, EntityId e,
                                         std::span<const AttrId> attrs) const;

  // ---- transaction log and time ----
  // The datoms of transactions start <= tx < end, in tx order and, within one transaction, in the
  // order they were committed; retractions have added = false. Ignores the view.
  [[nodiscard]] Result<std::vector<Datom>> tx_log(TxId start, TxId end) const;
  // The last transaction whose :db/txInstant is <= at (for as-of/since by #inst); nullopt if
  // there is none.
  [[nodiscard]] Result<std::optional<TxId>> tx_at_or_before(Instant at) const;

 private:
  friend class Writer;
  friend class BulkLoad;  // index/bulk.hpp
  explicit Db(std::shared_ptr<const detail::DbCore> core) noexcept;
  std::shared_ptr<const detail::DbCore> core_;
  std::optional<TxId> as_of_;
  std::optional<TxId> since_;
  bool history_ = false;
};

class Writer {
 public:
  // Opens the database kept in `store`, which must have every space of keys::all_spaces()
  // (StorageUnknownSpace otherwise). An empty store is bootstrapped in one batch: the built-in
  // attributes as transaction kTx0 (with :db/txInstant #inst 0 on kTx0) and the meta format
  // marker. An existing one has its marker checked (StorageVersion if it is missing or another
  // version) and its counters, statistics and schema loaded.
  [[nodiscard]] static Result<std::unique_ptr<Writer>> open(std::shared_ptr<Store> store);

  // The latest committed value. Thread-safe.
  [[nodiscard]] Db db() const;

  // Commits one transaction: `datoms` are its assertions (added = true) and retractions
  // (added = false), applied in ONE atomic storage batch; their tx fields are ignored (tx is used).
  // Writes the current indexes (VAET for ref attributes), moves retracted datoms to the history
  // spaces (not for :db/noHistory attributes), appends the tx log in the given order, updates
  // statistics, counters and, when system entities change, the schema.
  //
  // REQUIRES of the caller (the tx layer) and CHECKED because a violation would corrupt the index,
  // each as InvalidArgument naming the datom (TxSchema for the schema rules), nothing written:
  //  - basis is db() (not an older value) and tx > basis.basis(), tx < kSystemBase;
  //  - every attribute exists in the schema after this transaction (or before it, for retractions);
  //  - every assertion is not already current, every retraction is current, and no (e a v)
  //    appears twice (so redundant assertions and retractions of absent datoms must be dropped);
  //  - a ref attribute's values are refs; an attribute's ref-ness does not change, and its
  //    :db/ident is not retracted, while it has datoms (TxSchema); schema datoms on system
  //    entities have the right kinds and known :db.type/* etc. keywords, and no two attributes
  //    share an ident (TxSchema, from Schema::with);
  //  - values are storable (CodecUnstorable). Values of any size are accepted: those encoding to
  //    more than keys::kMaxInlineValueBytes are stored once, out of line (index/key_layout.hpp);
  //    the index orders them exactly except among large values sharing their first
  //    keys::kValueStubBytes (and inline values extending that same prefix).
  // Everything else (types, cardinality, uniqueness) is the tx layer's job.
  // On any error nothing is written and db() is unchanged. If the batch was written but the
  // snapshot after it could not be taken, the error is returned and every later commit fails
  // (the store is ahead of db()): reopen. Commits are serialized here; db() may be called from
  // any thread meanwhile.
  [[nodiscard]] Result<Db> commit(const Db& basis, TxId tx, std::span<const Datom> datoms,
                                  WriteOptions options = {});

  // Excision: commits transaction `tx` (its `datoms`, as commit() does — the record of the
  // excision) and, in the same atomic batch, erases every datom whose entity is `e` — only those
  // of `attrs` when it is not empty — from the current indexes, the history spaces and the log, as
  // if it had never been asserted; statistics follow. A large value leaves the values space too
  // unless a datom that stays may hold it (index/excise.cpp says how that is decided). Checks and
  // errors as commit(); InvalidArgument when `e` is a system entity or a transaction.
  [[nodiscard]] Result<Db> excise(const Db& basis, TxId tx, std::span<const Datom> datoms, EntityId e,
                                  std::span<const AttrId> attrs, WriteOptions options = {});

  // Reads the latest value again from the store, after entries were added to it by other means
  // than commit() (a bulk load's table files, index/bulk.hpp), and makes it db(). Errors: those
  // of opening; db() is then unchanged and later commits fail until a reload succeeds.
  [[nodiscard]] Result<Db> reload();

  ~Writer();

 private:
  explicit Writer(Db db, std::shared_ptr<Store> store);
  [[nodiscard]] Result<Db> commit_batch(const Db& basis, TxId tx, std::span<const Datom> datoms,
                                        WriteOptions options, const detail::Excision* excision);
  std::shared_ptr<Store> store_;
  mutable std::mutex db_mutex_;  // guards db_
  std::mutex commit_mutex_;      // serializes commit()
  bool broken_ = false;          // a batch was written but its snapshot failed (guarded by commit_mutex_)
  Db db_;
};

}  // namespace quarry::index
