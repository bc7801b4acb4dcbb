// BulkLoad: the index side of the import's bulk path (doc/transactions.md, "Importing").
//
// A bulk load turns transactions into index entries WITHOUT writing them: the caller (api/) sorts
// the entries and adds them to the store in one step (RocksDB table files, ingested at once), then
// reopens the database value. Between the first transaction added and that step the store does not
// hold the load's data, so the tx layer prepares each transaction against view(): the basis'
// store and schema with the counters (basis tx, max-eid) advanced past the transactions added.
// Such a transaction is only right if it needed to read none of the data still pending;
// conflict() decides that, conservatively, from the datoms the tx layer produced:
//  - only assertions, about user entities (and the transaction's own entity): no schema change,
//    no retraction (card-one replacement of stored data, :db/retract...), no datom about an
//    earlier transaction entity;
//  - a value of a unique attribute that a pending datom already has (the tx layer would have
//    upserted or refused it);
//  - a datom about an entity that pending datoms are about (held in a bitmap of user ids) when a
//    bloom filter (index/pending_filter.hpp) says a pending datom may have the same e and a
//    (card-one: it would be replaced) or the same e, a and v (card-many: it would be redundant);
//    or of a composite tuple's attribute (the tx layer reads the entity's other attributes).
// On a conflict the caller writes what is pending and prepares the transaction again on the real
// database, so the result is always the one the ordinary path gives.
//
// Statistics and counters are computed, not read back: add() counts datoms per attribute;
// avet_key(), called with every pending AVET key in ascending order, counts the distinct values
// (asking the basis' AVET whether a value was already held); meta_records() gives the meta
// records to write with the entries.
//
// Not thread-safe. Memory: the bitmap (one bit per user id up to the largest pending one), the
// bloom filter (its size given at construction; bloom_bytes_for) and one 8-byte hash per pending
// unique value.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "index/db.hpp"
#include "index/pending_filter.hpp"
#include "storage/store.hpp"

namespace quarry::index {

namespace detail {
struct DbCore;
}

// Where BulkLoad::add sends index entries, a transaction at a time. The log's entries come in
// ascending key order; the others in no given order (in an import of new entities, EAVT's and
// AEVT's mostly ascend from one transaction to the next), and an entry of the values space may
// repeat (same key, same value).
class BulkSink {
 public:
  virtual ~BulkSink() = default;
  [[nodiscard]] virtual Result<void> put(SpaceId space, std::string_view key, std::string_view value) = 0;
  // After the last entry of a transaction (BulkLoad::add's last call).
  [[nodiscard]] virtual Result<void> end_transaction() { return {}; }
};

class BulkLoad {
 public:
  // The bloom filter when the load's size is not known: ~54 bits a datom at 10M
  // (index/pending_filter.hpp says what that gives).
  static constexpr std::size_t kBloomBytes = std::size_t{64} << 20;
  static constexpr std::size_t kMinBloomBytes = std::size_t{1} << 20;
  static constexpr std::size_t kMaxBloomBytes = std::size_t{256} << 20;
  // The bloom filter for a load of at most about `datoms` datoms: 54 bits a datom, within
  // [kMinBloomBytes, kMaxBloomBytes]; 0 (not known): kBloomBytes. A small load then touches
  // little memory (a filter's pages are touched at random), a large one keeps its false
  // positives rare.
  [[nodiscard]] static std::size_t bloom_bytes_for(std::uint64_t datoms) noexcept;

  // `basis`: the latest database value. REQUIRES: nothing else commits to its store until the
  // load's entries are written (the caller holds the database's transaction lock).
  explicit BulkLoad(Db basis, std::size_t bloom_bytes = kBloomBytes);
  ~BulkLoad();

  // What the next transaction is prepared against (see above).
  [[nodiscard]] Db view() const;
  // The largest user entity id the store held when the load began: view() counts pending entities
  // in its max_eid, but user entities above this one have no datoms in its store.
  [[nodiscard]] std::uint64_t stored_max_eid() const noexcept;
  // Why `datoms` (transaction tx's, as the tx layer prepared them against view()) cannot be added
  // without reading pending data; nullopt when they can.
  [[nodiscard]] std::optional<std::string> conflict(TxId tx, std::span<const Datom> datoms) const;
  // Sends the entries of transaction tx (current indexes, log, large values) to `sink` and counts
  // them. REQUIRES: conflict(tx, datoms) is nullopt; tx is view().basis() + 1. Errors:
  // CodecUnstorable (an unstorable value, or a large value whose hash the store holds for another
  // value), errors of the store and the sink; on an error the sink may have received part of tx.
  [[nodiscard]] Result<void> add(TxId tx, std::span<const Datom> datoms, BulkSink& sink);

  // Every pending AVET key, once each, in ascending order (after all add() calls).
  [[nodiscard]] Result<void> avet_key(std::string_view key);
  // The meta records (sorted by key) that make counters and statistics right once the entries are
  // in the store: basis-tx, max-eid, next-system-id, and stats/A of every attribute added to.
  // REQUIRES: avet_key saw every pending AVET key.
  [[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> meta_records();

  [[nodiscard]] bool empty() const noexcept { return transactions_ == 0; }
  [[nodiscard]] std::uint64_t datoms() const noexcept { return datoms_; }
  [[nodiscard]] std::uint64_t transactions() const noexcept { return transactions_; }

  // The spaces of the store, for the caller's sink: the four current spaces by IndexOrder, log,
  // meta, values.
  [[nodiscard]] SpaceId current(IndexOrder order) const noexcept;
  [[nodiscard]] SpaceId log() const noexcept;
  [[nodiscard]] SpaceId meta() const noexcept;
  [[nodiscard]] SpaceId values() const noexcept;

 private:
  [[nodiscard]] bool pending_entity(std::uint64_t e) const noexcept;
  void mark_entity(std::uint64_t e);

  std::shared_ptr<const detail::DbCore> basis_;
  TxId last_tx_;
  std::uint64_t max_eid_;
  std::uint64_t transactions_ = 0;
  std::uint64_t datoms_ = 0;
  std::vector<std::uint64_t> entities_;  // bitmap of user ids with pending datoms
  PendingFilter bloom_;                  // (e a) of card-one, (e a v) of card-many pending datoms
  std::unordered_set<std::uint64_t> unique_values_;  // hash of (a, v) of pending unique datoms
  std::map<AttrId, std::uint64_t> counts_;            // pending datoms per attribute
  std::map<AttrId, std::uint64_t> distinct_;          // new distinct values per attribute
  std::string last_group_;                            // the A·V of the last AVET key seen
  std::unique_ptr<Cursor> stored_avet_;               // over the basis, for attributes with data
};

}  // namespace quarry::index
