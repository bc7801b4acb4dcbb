// Quarry's public C++ API: an embedded Datalog database.
//
//   #include <quarry/quarry.hpp>
//
//   auto db = quarry::Database::open({.path = "people-db"});        // or {.in_memory = true}
//   if (!db) return report(db.error());
//   auto r = db->transact(R"([{:db/ident :person/name :db/valueType :db.type/string
//                              :db/unique :db.unique/identity}])");
//   r = db->transact(R"([{:person/name "Ann" :person/age 41}])");
//   quarry::Db now = db->db();                                      // an immutable value
//   auto ann = now.entity(quarry::Value(quarry::Vector{{quarry::Value::keyword("person/name"), "Ann"}}));
//
// Errors are returned as Result<T> (std::expected<T, Error>); nothing here throws except
// std::bad_alloc. Error codes print as keywords (:tx/unique, :storage/locked, ...).
//
// Thread safety: a Database may be used from any number of threads; transactions are serialized
// (one writer at a time) and db() never waits for one. A Db is immutable and may be read by any
// number of threads at once.
//
// Lifetimes: a Db value keeps the storage it reads alive. A RocksDB directory is released (and can
// be opened again) only when its Database and every Db and TxReport taken from it are destroyed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "quarry/import.hpp"
#include "quarry/store_tuning.hpp"
#include "quarry/transaction.hpp"
#include "quarry/value.hpp"

namespace quarry {

// How to open a database. Every field has a working default: `Options{.in_memory = true}` and
// `Options{.path = "dir"}` are complete.
struct Options {
  // The RocksDB directory. Required unless in_memory. Opening a directory that another Database
  // (in this or another process) holds fails with :storage/locked.
  std::string path{};

  // Keep everything in memory (nothing is persisted; path is ignored).
  bool in_memory = false;

  // Create the directory and an empty database when there is none; when false, a missing database
  // is a :storage/io error.
  bool create_if_missing = true;

  // true: transact() returns only after the transaction is on disk (the write-ahead log fsync'ed),
  // so it survives a power failure. false: it survives a crash of the process, but the last
  // transactions may be lost with the machine; much faster for many small transactions.
  bool sync_writes = true;

  // Reject attributes that were not declared (Datomic's behaviour, :tx/unknown-attribute) instead
  // of creating them on first use with cardinality one and no type (DataScript's).
  bool strict_schema = false;

  // Open for reading only: transact() and declare_schema() fail with :storage/read-only, and a
  // RocksDB directory is opened with RocksDB's read-only mode, which takes no lock — so a database
  // another process holds (and writes) can be opened; it is read as it was when it was opened
  // (later commits of the other process are not seen until it is opened again). The database must
  // exist (create_if_missing is ignored). With in_memory it gives an empty database that cannot
  // be written, which is of little use but consistent.
  bool read_only = false;

  // When not empty: open the RocksDB database at `path` as a secondary instance that follows a
  // writer in another process (RocksDB's secondary mode): read-only as above (no lock; transact()
  // fails with :storage/read-only), and Database::catch_up() brings it up to the writer's latest
  // commit. This directory is the secondary's own (created if missing; one per instance). See
  // doc/operations.md, "Readers".
  std::string secondary_path{};

  // RocksDB block cache shared by all indexes, in bytes. Unset (the default): automatic, sized to
  // the data — at open, the live table files' keys and values uncompressed with their index and
  // filter blocks; raised (never lowered) after imports, flushes and compactions; at least 64 MiB
  // and at most the smaller of 1 GiB and an eighth of the machine's memory (doc/operations.md,
  // "Memory: the block cache"). Each Database has its own cache. A value: exactly that capacity,
  // never changed (0: RocksDB's own 8 MiB per key space). The capacity in use, whether it is
  // automatic and the hit ratio are in stats(). Config key `block-cache` (`auto` or a size).
  std::optional<std::size_t> block_cache_bytes{};

  // The most memory the range cache may hold, in bytes: the key ranges queries read from RocksDB,
  // kept as sorted arrays, so that a query run again over data that has not changed seeks and
  // scans memory instead of RocksDB's iterators (doc/operations.md, "Memory: the range cache").
  // Filled as queries read, not at open; a transaction drops only the cached ranges holding a key
  // it writes; the least recently used ranges go first when it is full. 0 turns it off. Figures
  // in stats(). Config key `range-cache` (a size). Ignored for in-memory and secondary databases.
  std::size_t range_cache_bytes = std::size_t{256} << 20;

  // How the RocksDB store lays out and writes its files (compression per level, bloom filters,
  // block size, write buffers, WAL limits, background threads); the default is the `balanced`
  // preset. Named presets, a config file and QUARRY_… environment variables fill it (and
  // sync_writes, block_cache_bytes) through configure() in <quarry/config.hpp>;
  // doc/operations.md, "Configuration". Ignored for in-memory databases.
  StoreTuning tuning{};

  // Source of each transaction's :db/txInstant; empty: the system clock. Instants never go
  // backwards (a reading earlier than the previous transaction's is raised to it). For tests.
  std::function<Instant()> clock{};
};

// An immutable database value: the state after one transaction (its basis), or a view of the
// history up to it. Cheap to copy. Reading it is never disturbed by later transactions.
struct TxReport;
struct TxLogEntry;

class Db {
 public:
  // The last transaction this value contains.
  [[nodiscard]] TxId basis() const noexcept;

  // Views (doc/architecture.md, "Data model"): what was true after transaction t; what was
  // asserted after t; every assertion and retraction (datoms with added = false too). They compose.
  [[nodiscard]] Db as_of(TxId t) const;
  [[nodiscard]] Db since(TxId t) const;
  [[nodiscard]] Db history() const;

  // Datoms of one index, in index order, whose leading components equal `components`, given in
  // the index's own order (as the REPL's (datoms $ :eavt 1 :name) gives them): entities as ids
  // (longs), lookup refs [:attr value] or idents, attributes as keywords, then values; a fourth
  // component keeps only the datoms of that transaction (a tx id). A lookup ref or ident that names
  // no entity gives no datoms. :quarry/invalid-argument for components that do not fit the index,
  // :tx/lookup-ref for a lookup ref on an attribute that is not unique.
  [[nodiscard]] Result<std::vector<Datom>> datoms(IndexOrder order,
                                                  std::span<const Value> components = {}) const;

  // The datoms from the position `components` names (as for datoms(), which need not exist) to the
  // end of the index, in index order: at most `limit` of them.
  [[nodiscard]] Result<std::vector<Datom>> seek_datoms(IndexOrder order, std::span<const Value> components = {},
                                                       std::size_t limit = static_cast<std::size_t>(-1)) const;

  // The AVET datoms of attribute `attr` (a keyword or id) whose value v has start <= v < end, in
  // index order; an absent bound is open. v is compared with the bounds as the query's `<` and `>=`
  // compare: numbers by value across long and double (1 = 1.0, -0.0 = 0.0, though the index keeps
  // them apart and lists 1 before 1.0), large values exactly (doc/format.md, "Large values"). For a
  // ref attribute the bounds may be entity ids.
  // Errors: :quarry/invalid-argument for an unknown attribute, :codec/unstorable for a bound that
  // cannot be a value.
  [[nodiscard]] Result<std::vector<Datom>> index_range(const Value& attr, const std::optional<Value>& start,
                                                       const std::optional<Value>& end) const;

  // The transaction log: every transaction t with from <= t < to, in tx order, with its datoms in
  // the order they were committed (retractions have added = false). An absent `from` starts at the
  // first transaction after the built-in schema's (kTx0 + 1); an absent `to` goes to the end (the
  // basis). Independent of the view: the log of an as-of value is still the whole log.
  [[nodiscard]] Result<std::vector<TxLogEntry>> tx_range(std::optional<TxId> from, std::optional<TxId> to) const;

  // A speculative transaction (Datomic's `with`): the report of transacting `tx_data` on this
  // value, computed in memory and never written. report.db_after can be queried, pulled and given
  // to with() again; the database and this value are unchanged, and the database's basis does not
  // move (the next real transaction gets the same id the speculative one got). The transaction
  // runs on the state at this value's basis; db_after keeps this value's view, so on an as-of or
  // since value the speculative datoms are outside it (as in Datomic). Strict schema and the
  // clock are those of the Database this value came from. Errors: those of Database::transact.
  [[nodiscard]] Result<TxReport> with(const Value& tx_data) const;
  [[nodiscard]] Result<TxReport> with(std::string_view tx_data_edn) const;
  [[nodiscard]] Result<TxReport> with(const char* tx_data_edn) const;
  [[nodiscard]] Result<TxReport> with(const std::string& tx_data_edn) const;

  // Every attribute of an entity, as a map with :db/id: card-many values as sets, refs as {:db/id n}
  // or n's :db/ident if it has one (Datomic's enums). `eid`: an entity id (long), a lookup ref [:attr
  // value] or an ident keyword. An entity with no datoms is {:db/id n}; nothing found gives nil.
  [[nodiscard]] Result<Value> entity(const Value& eid) const;

  // Pull (doc/pull.md): the attributes `pattern` names of the entity `eid` (as for
  // entity()), as a map; nil when nothing matches or the entity is not found. pull_many gives a
  // vector with one result per id. Errors: :pull/syntax, :edn/syntax, those of entid().
  [[nodiscard]] Result<Value> pull(const Value& pattern, const Value& eid) const;
  [[nodiscard]] Result<Value> pull(std::string_view pattern_edn, const Value& eid) const;
  // (So that pull("[*]", id) takes the text for EDN, not for a Value holding a string.)
  [[nodiscard]] Result<Value> pull(const char* pattern_edn, const Value& eid) const {
    return pull(std::string_view(pattern_edn), eid);
  }
  [[nodiscard]] Result<Value> pull(const std::string& pattern_edn, const Value& eid) const {
    return pull(std::string_view(pattern_edn), eid);
  }
  [[nodiscard]] Result<Value> pull_many(const Value& pattern, std::span<const Value> eids) const;

  // Every assertion and retraction about one entity (`eid` as for entity()) in tx order,
  // retractions before assertions within a transaction.
  [[nodiscard]] Result<std::vector<Datom>> entity_history(const Value& eid) const;

  // The entity `eid` names (as for entity()), or nullopt if a lookup ref or ident finds nothing.
  [[nodiscard]] Result<std::optional<EntityId>> entid(const Value& eid) const;

  // Attribute ids and idents, as of the basis.
  [[nodiscard]] std::optional<Keyword> ident(AttrId a) const;
  [[nodiscard]] std::optional<AttrId> attribute(const Keyword& ident) const;

  // [e :attr v tx added] — a datom as EDN, its attribute as a keyword.
  [[nodiscard]] Value datom_value(const Datom& d) const;

  // A Db is made by Database::db(), TxReport and the views above; its state is Quarry's own.
 private:
  struct Impl;             // defined in api/db_impl.hpp
  friend struct DbAccess;  // api/db_impl.hpp: how Quarry's api/ builds and reads a Db
  explicit Db(std::shared_ptr<const Impl> impl) noexcept : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

// What a transaction did.
struct TxReport {
  Db db_before;
  Db db_after;
  TxId tx;
  // The datoms written: retractions (added = false) and assertions, :db/txInstant included.
  std::vector<Datom> datoms;
  // Each tempid as written ("a", -1, "datomic.tx") and :db/current-tx -> its entity; sorted.
  std::vector<std::pair<Value, EntityId>> tempids;

  // The entity a tempid resolved to.
  [[nodiscard]] std::optional<EntityId> tempid(const Value& name) const;
  // {:tx T, :tempids {...}, :datoms N} — what the REPL prints for (transact! ...).
  [[nodiscard]] Value summary() const;
};

// One transaction of the log (Db::tx_range).
struct TxLogEntry {
  TxId t;
  std::vector<Datom> data;
};

// Calls of one kind since the Database was opened, and their latency (Database::stats). The
// percentiles come from a histogram of buckets 9% wide (each is the upper bound of its bucket,
// so within 9% above the true value); max is exact. Zero when count is 0.
struct LatencySummary {
  std::uint64_t count = 0;   // calls completed, failed ones included
  std::uint64_t errors = 0;  // calls that returned an error
  double p50_ms = 0, p95_ms = 0, p99_ms = 0, max_ms = 0;
};

// One key space of the store (the indexes, history, log, ...), from the store's estimates.
struct SpaceStats {
  std::string name;
  std::uint64_t bytes = 0;           // keys and values (as storage_bytes)
  std::uint64_t memtable_bytes = 0;  // RocksDB: memory of its memtables; memory store: 0
  std::uint64_t sst_bytes = 0;       // RocksDB: its table files on disk; memory store: 0
};

// Figures of a database (Database::stats). Nothing here reads a datom: counts come from the index
// statistics, sizes and storage figures from the store's properties, latencies from counters the
// Database keeps.
struct DatabaseStats {
  TxId basis;                        // the last transaction
  std::uint64_t datoms = 0;          // current datoms, from the index statistics (no scan)
  std::uint64_t attributes = 0;      // attributes, built-in ones included
  std::uint64_t storage_bytes = 0;   // keys and values in the store (RocksDB: an estimate)

  // Current datoms per index: EAVT, AEVT and AVET hold every datom, VAET those of
  // :db.type/ref attributes.
  std::uint64_t eavt_datoms = 0, aevt_datoms = 0, avet_datoms = 0, vaet_datoms = 0;

  // Operations through this Database and the Db values taken from it: transactions (transact,
  // declare_schema, excise; not `with`), queries (q with such a Db as an input), pulls (pull,
  // pull_many, entity) and scans (datoms, seek_datoms, index_range, tx_range, entity history).
  LatencySummary transactions, queries, pulls, scans;

  // RocksDB only (zero for an in-memory database). The block cache since open: hits, misses,
  // hits / (hits + misses), bytes in use and capacity (now: an automatic cache's grows with the
  // data); block_cache_automatic: Options::block_cache_bytes was unset, so the capacity follows
  // the data (false for a given size). pending_compaction_bytes: RocksDB's
  // estimate of the bytes compactions still have to rewrite (writes slow down past 64 GiB).
  // write_stall_micros: time writers were delayed or stopped since open. background_errors:
  // failed flushes and compactions since open (RocksDB then refuses writes until reopened).
  std::uint64_t block_cache_hits = 0, block_cache_misses = 0;
  double block_cache_hit_ratio = 0;
  std::uint64_t block_cache_usage_bytes = 0, block_cache_capacity_bytes = 0;
  bool block_cache_automatic = false;
  std::uint64_t memtable_bytes = 0, sst_bytes = 0;  // sums over spaces
  std::uint64_t pending_compaction_bytes = 0;
  std::uint64_t write_stall_micros = 0;
  std::uint64_t background_errors = 0;
  // RocksDB only: the range cache since open (Options::range_cache_bytes; doc/operations.md,
  // "Memory: the range cache"). hits: cursor moves into a cached range and point reads answered
  // from one; reads: ranges read from RocksDB by cursors (admitted: of those, kept); evicted:
  // dropped for room; invalidated: dropped because a write changed a key in them.
  std::uint64_t range_cache_hits = 0, range_cache_reads = 0, range_cache_admitted = 0;
  std::uint64_t range_cache_evicted = 0, range_cache_invalidated = 0;
  std::uint64_t range_cache_usage_bytes = 0, range_cache_capacity_bytes = 0;
  std::vector<SpaceStats> spaces;
};

// What Database::backup_incremental made.
struct IncrementalBackup {
  std::uint32_t id = 0;               // the backup's id in its directory: 1, 2, ...
  std::uint32_t backups = 0;          // backups the directory holds now
  std::uint64_t bytes = 0;            // this backup's files (shared ones included)
  std::uint64_t directory_bytes = 0;  // the whole directory (each shared file once)
};

// A transaction function (Datomic's installed transaction functions, written in C++), registered
// with Database::register_tx_function and called from tx-data as [:my.ns/fn arg ...] or
// [:db.fn/call :my.ns/fn arg ...]. It gets the database as it was before the transaction and the
// call's arguments as written (EDN values: tempids, lookup refs and idents unresolved), and
// returns tx-data — a vector of forms, which may call functions themselves — that runs in place
// of the call, in the same transaction; or an Error, which aborts the transaction (with the
// Error's code). It runs on the transacting thread while the writer waits, must not transact on
// the same Database, and may be called more than once for one transaction (an upsert retry runs
// the forms again): compute the tx-data from the arguments and the database only.
using TxFunction = std::function<Result<Value>(const Db& db_before, std::span<const Value> args)>;

// An entity predicate of an entity spec (:db.entity/preds), registered with
// Database::register_entity_predicate: called at the end of a transaction that asserts
// [e :db/ensure spec] with the database as the transaction would leave it and e; false (or an
// Error) aborts the transaction. Same threading rules as TxFunction.
using EntityPredicate = std::function<Result<bool>(const Db& db_after, EntityId e)>;

// A registration made by Database::listen. Move-only; destroying it (or remove()) unregisters.
class Listener {
 public:
  Listener() noexcept = default;
  Listener(Listener&&) noexcept;
  Listener& operator=(Listener&&) noexcept;
  ~Listener();
  // Unregisters: after it returns the callback is not called again, and no call of it is running
  // (unless remove() is called from inside the callback itself, which is allowed). Idempotent.
  void remove() noexcept;

  struct Registry;  // opaque: defined in api/listeners.hpp

 private:
  friend class Database;
  Listener(std::weak_ptr<Registry> registry, std::uint64_t id) noexcept : registry_(std::move(registry)), id_(id) {}
  std::weak_ptr<Registry> registry_;
  std::uint64_t id_ = 0;
};

// A database: the connection to one store, and its only writer.
class Database {
 public:
  // Opens (creating if allowed) a RocksDB database at options.path, or an in-memory one. A
  // database is created only in a missing or empty directory; a directory that is not a Quarry
  // database, or a damaged one, is refused and left as it was (doc/reliability.md).
  // Errors: :storage/locked, :storage/version, :storage/foreign, :storage/damaged,
  // :storage/corruption, :storage/io, :quarry/invalid-argument.
  [[nodiscard]] static Result<Database> open(const Options& options);

  // Repairs the Quarry database at options.path after :storage/damaged, as far as that loses
  // nothing committed the files still hold (a lost CURRENT is rewritten; a lost MANIFEST is rebuilt
  // from the table files when no log holds data; a lost log is replaced by an empty one), then
  // checks that it opens; returns what it did. The database must not be open.
  // Errors: :storage/foreign and :storage/version (nothing touched), :storage/damaged (not
  // repairable without losing data), those of open(). doc/reliability.md, "Recovery".
  [[nodiscard]] static Result<std::string> repair(const Options& options);

  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  ~Database();

  // Runs one transaction, all or nothing: on any error nothing is written and db() is unchanged.
  // tx-data as EDN text, as a Value (a vector of forms), or as typed operations.
  // (Text is EDN: the const char* and std::string overloads exist so that a string literal is
  // not taken for a Value holding a string.)
  [[nodiscard]] Result<TxReport> transact(std::string_view tx_data_edn);
  [[nodiscard]] Result<TxReport> transact(const char* tx_data_edn) { return transact(std::string_view(tx_data_edn)); }
  [[nodiscard]] Result<TxReport> transact(const std::string& tx_data_edn) { return transact(std::string_view(tx_data_edn)); }
  [[nodiscard]] Result<TxReport> transact(const Value& tx_data);
  [[nodiscard]] Result<TxReport> transact(std::span<const TxOp> ops);

  // Imports a file of EDN tx-data (doc/transactions.md, "Importing"), or of CSV or JSON Lines rows
  // (options.format; one entity map per row, the rows one vector): a sequence of vectors of
  // forms, read and committed as a stream, so memory stays bounded whatever the file's size
  // (ImportSummary says by what). Each vector of at most options.batch_size forms is one
  // transaction, as written; a longer one is cut into transactions of batch_size forms (unless it
  // names its own transaction, "datomic.tx" or :db/current-tx: then it is one transaction, read
  // whole). A tempid (a string or negative number) names one entity throughout the file: the first
  // transaction that mentions it resolves it, later ones use that entity. The reader stays one
  // batch ahead of the writer, so a file of at most batch_size forms is checked whole before
  // anything is written. A failure stops the import; the transactions committed before it stay,
  // and the message says which transaction failed (its vector's line and column, and for a cut
  // vector which of its forms) and how many were committed before it.
  // Errors: :storage/io (unreadable), :edn/syntax (with line and column), :quarry/invalid-argument
  // (a top-level form that is not a vector, batch_size 0; malformed CSV or JSON Lines, or a value
  // that does not fit its attribute, with line and column), a transaction's own error,
  // :query/cancelled, :storage/read-only.
  [[nodiscard]] Result<ImportSummary> import(const std::string& path, const ImportOptions& options = {});
  // The same from a stream; `name` stands for it in messages.
  [[nodiscard]] Result<ImportSummary> import(std::istream& in, std::string_view name,
                                             const ImportOptions& options = {});

  // Declares attributes from a DataScript-style schema map, {:name {:db/unique
  // :db.unique/identity}, ...}: the same as transacting [{:db/ident :name, ...}, ...].
  [[nodiscard]] Result<TxReport> declare_schema(const Value& schema);
  [[nodiscard]] Result<TxReport> declare_schema(std::string_view schema_edn);
  [[nodiscard]] Result<TxReport> declare_schema(const char* schema_edn) { return declare_schema(std::string_view(schema_edn)); }
  [[nodiscard]] Result<TxReport> declare_schema(const std::string& schema_edn) { return declare_schema(std::string_view(schema_edn)); }

  // The latest committed value.
  [[nodiscard]] Db db() const;

  // Registers `fn` as the transaction function `ident` (a namespaced keyword outside :db and
  // :db.*, e.g. :my.ns/inc) for this Database, replacing an earlier registration. Registrations
  // are not persisted: register again after opening. Thread-safe. :quarry/invalid-argument for a
  // reserved or unqualified ident or an empty fn.
  [[nodiscard]] Result<void> register_tx_function(const Keyword& ident, TxFunction fn);

  // Registers `fn` as the entity predicate `name` (the symbol a spec's :db.entity/preds holds,
  // e.g. my.ns/balance-ok?) for this Database. Same rules as register_tx_function.
  [[nodiscard]] Result<void> register_entity_predicate(const Symbol& name, EntityPredicate fn);

  // Excision (doc/transactions.md, "Excision"): removes every datom of the entity `eid` (an id,
  // lookup ref or ident) — or, with `attrs`, only of those attributes — from the current indexes,
  // the history and the log, as if it had never been asserted. The one operation that rewrites
  // history: as-of, history and tx-range views no longer show those datoms. It is itself a
  // transaction, recorded on its own entity as [tx :db/excise e] (and :db.excise/attrs), so the
  // log shows that something was erased. Datoms of other entities that refer to e are kept.
  // Database values taken before still see the old data, and a RocksDB store keeps the bytes in
  // its files until they are compacted (compact()). Errors: :quarry/invalid-argument for an
  // unknown entity or attribute, a system entity or a transaction; those of transact().
  [[nodiscard]] Result<TxReport> excise(const Value& eid, std::span<const Keyword> attrs = {});

  // Calls `callback` with the report of every transaction committed from now on, in commit order,
  // until the returned Listener is removed or destroyed (Datomic's tx-report queue as a callback).
  // Threading: callbacks run on one notifier thread of this Database, never on the thread that
  // transacted, so a slow callback delays only later notifications (reports queue up in memory),
  // never a transaction; an exception thrown by a callback is caught and dropped. Callbacks may
  // read the database and call transact() (its report is queued behind the current one); they run
  // one at a time. Reports committed before the Database is destroyed are still delivered; then
  // the thread stops.
  [[nodiscard]] Listener listen(std::function<void(const TxReport&)> callback);

  // An online, consistent copy: every key space of one snapshot (so one committed transaction,
  // whatever commits meanwhile) written into a new RocksDB database at `dir`, which
  // Database::open (and `quarry DIR`) opens as an equal database: indexes, history, log and
  // schema. Works for in-memory databases too. `dir` must not exist or be an empty directory;
  // anything else is :quarry/invalid-argument, and nothing is written to it. A failure part way
  // leaves a partial directory, which is not a database (no format marker is written until the
  // end... see doc/operations.md). Returns the number of keys copied.
  [[nodiscard]] Result<std::uint64_t> backup(const std::string& dir) const;

  // An incremental backup (RocksDB's BackupEngine) into `dir`, a backup directory (created if
  // missing) that keeps every backup made into it: table files an earlier backup there holds are
  // shared, not copied again, so a backup after a few transactions copies little. Consistent while
  // writers run (one moment of every key space). Not a database itself: restore_backup() writes
  // one of its backups out as a database. RocksDB databases only (:quarry/invalid-argument for
  // memory: use backup()). Errors: :storage/io, :storage/corruption.
  [[nodiscard]] Result<IncrementalBackup> backup_incremental(const std::string& dir) const;

  // Writes backup `id` (absent: the latest) of the backup directory `backup_dir` as a new RocksDB
  // database at `path`, which must not exist or be an empty directory (:quarry/invalid-argument);
  // Database::open then opens it. Returns the id restored.
  [[nodiscard]] static Result<std::uint32_t> restore_backup(const std::string& backup_dir, const std::string& path,
                                                            std::optional<std::uint32_t> id = std::nullopt);

  // The reverse of backup(), and with it the migration between memory and RocksDB: replaces this
  // database, which must hold nothing but the built-in schema (a new one, in memory or RocksDB),
  // by a copy of the RocksDB database at `dir` — every key space, so indexes, history, log and
  // schema — and returns the number of keys copied. `dir` is opened read-only (so another process
  // may hold it) and is not changed. The copy of the `meta` space, which holds the format marker,
  // is written last: a RocksDB database whose restore was cut short is refused when opened, not
  // misread. Errors: :quarry/invalid-argument when this database has transactions of its own;
  // :storage/read-only; those of opening `dir` (:storage/io when there is no database there).
  [[nodiscard]] Result<std::uint64_t> restore(const std::string& dir);

  // Compacts every key space (RocksDB: drops deleted and overwritten data and rewrites the table
  // files; memory: nothing to do). Returns the store's bytes before and after.
  [[nodiscard]] Result<std::pair<std::uint64_t, std::uint64_t>> compact();

  // Counts from the index statistics, the store's size estimates and properties, and the
  // operation counters of this Database (DatabaseStats); no datom is read.
  [[nodiscard]] Result<DatabaseStats> stats() const;

  // A secondary instance (Options::secondary_path): reads what the writer has committed since the
  // open or the last catch_up and returns the new basis; db() then gives the latest value.
  // REQUIRES: no other thread uses this Database, or a Db value taken from it, during the call;
  // Db values taken before it read the new state afterwards (RocksDB's secondary mode has no
  // snapshots), so take db() again. :quarry/invalid-argument when not a secondary.
  [[nodiscard]] Result<TxId> catch_up();

  [[nodiscard]] const Options& options() const noexcept;

 private:
  struct Impl;  // defined in api/database.cpp
  explicit Database(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace quarry

#include "quarry/query.hpp"  // q, explain, QueryOptions: everything above plus queries
