// Connection: the one writer of a database. Holds the index Writer, serializes transactions
// (one at a time, a mutex), and turns tx-data into committed transactions with their reports.
//
// Thread safety: every member function may be called from any thread. transact() calls are
// serialized; db() never waits for a transaction in progress (it returns the latest committed
// value, which stays consistent however many transactions follow).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <utility>
#include <vector>

#include "codec/error.hpp"
#include "codec/value.hpp"
#include "index/db.hpp"
#include "storage/store.hpp"
#include "tx/transactor.hpp"
#include "tx/tx_data.hpp"

namespace quarry::tx {

struct ConnectionOptions {
  // See TxOptions::strict_schema.
  bool strict_schema = false;
  // Durability of each commit; absent: the store's default.
  std::optional<bool> sync{};
  // Source of :db/txInstant (milliseconds since the epoch). Absent: the system clock. Instants
  // never go backwards: a clock reading earlier than the previous transaction's is raised to it.
  std::function<Instant()> clock{};
  // Transaction functions and constraint predicates (tx/hooks.hpp).
  TxHooks hooks{};
};

// What a transaction did.
struct TxReport {
  index::Db db_before;
  index::Db db_after;
  TxId tx;
  // The datoms committed: retractions (added = false) and assertions, including :db/txInstant.
  std::vector<Datom> datoms;
  // Tempid as written -> entity, sorted by tempid; always has :db/current-tx.
  std::vector<std::pair<Value, EntityId>> tempids;
};

class Connection {
 public:
  // Opens (bootstrapping an empty store) the database kept in `store`.
  [[nodiscard]] static Result<std::unique_ptr<Connection>> open(std::shared_ptr<Store> store,
                                                                ConnectionOptions options = {});

  // The latest committed database value.
  [[nodiscard]] index::Db db() const;

  // Runs one transaction: all of it is committed, or (on any error) nothing, leaving db() as it
  // was. tx-data is a vector of forms (tx/tx_data.hpp).
  [[nodiscard]] Result<TxReport> transact(const Value& tx_data);
  [[nodiscard]] Result<TxReport> transact(std::span<const TxForm> forms);

  // Excision (index::Writer::excise): one transaction that erases every datom of `e` (of `attrs`
  // only, when not empty) from the indexes, history and log, and records itself on its own entity:
  // [tx :db/excise e] and [tx :db.excise/attrs :a] per attribute — the same as transacting that
  // tx-data, which is how `with` excises. InvalidArgument for an entity outside the user
  // partition, one with no datoms (current or past), or an unknown attribute.
  [[nodiscard]] Result<TxReport> excise(EntityId e, std::span<const Keyword> attrs);

  [[nodiscard]] const ConnectionOptions& options() const noexcept { return options_; }

  // For the bulk path of an import (index/bulk.hpp), which commits by other means:
  // prepare_on prepares a transaction as transact() would, but against `view`, with the next
  // :db/txInstant after `last` (which it advances), committing nothing; reload, once the bulk
  // load's entries are in the store, reads the latest value again and takes `last` as the last
  // transaction's instant. last_instant is the instant of the last committed transaction.
  // `stored_max_eid`: TxOptions::stored_max_eid (index::BulkLoad::stored_max_eid). The tempids
  // come unsorted (TxOptions::sorted_tempids false).
  [[nodiscard]] Result<PreparedTx> prepare_on(const index::Db& view, std::span<const TxForm> forms, Instant& last,
                                              std::uint64_t stored_max_eid);
  [[nodiscard]] Result<void> reload(Instant last);
  [[nodiscard]] Instant last_instant();

 private:
  Connection(std::unique_ptr<index::Writer> writer, ConnectionOptions options, Instant last);
  [[nodiscard]] Instant next_instant();
  // The clock's now, raised to `last` if earlier (next_instant() is this after last_instant_).
  [[nodiscard]] Instant instant_after(Instant last) const;
  // transact() with the lock held: prepares and commits (an excision through Writer::excise).
  [[nodiscard]] Result<TxReport> transact_locked(std::span<const TxForm> forms, bool strict, const TxHooks* hooks);

  std::unique_ptr<index::Writer> writer_;
  ConnectionOptions options_;
  std::mutex transact_mutex_;  // one transaction at a time; guards last_instant_
  Instant last_instant_;
};

// A speculative transaction (Datomic's `with`): what transact() would do if `db` were the latest
// value, without writing anything. `db` may be any value of a database (an older one, a view, or
// the db_after of an earlier speculation); the transaction is prepared against its current state at
// its basis and gets id basis + 1, and report.db_after keeps `db`'s view (index::Db::with_datoms).
// Its :db/txInstant is the options' clock, raised to the basis transaction's instant if earlier.
// Errors: those of transact(). Thread-safe; never waits for a transaction in progress.
[[nodiscard]] Result<TxReport> speculate(const index::Db& db, std::span<const TxForm> forms,
                                         const ConnectionOptions& options);
[[nodiscard]] Result<TxReport> speculate(const index::Db& db, const Value& tx_data,
                                         const ConnectionOptions& options);

// The tx-data that declares a DataScript-style schema map: {:name {:db/unique :db.unique/identity}}
// becomes [{:db/ident :name, :db/unique :db.unique/identity}]. TxSyntax if `schema` is not a map of
// keywords to maps.
[[nodiscard]] Result<Value> schema_tx_data(const Value& schema);

}  // namespace quarry::tx
