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
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

  // RocksDB block cache shared by all indexes, in bytes.
  std::size_t block_cache_bytes = std::size_t{64} << 20;

  // Source of each transaction's :db/txInstant; empty: the system clock. Instants never go
  // backwards (a reading earlier than the previous transaction's is raised to it). For tests.
  std::function<Instant()> clock{};
};

// An immutable database value: the state after one transaction (its basis), or a view of the
// history up to it. Cheap to copy. Reading it is never disturbed by later transactions.
class Db {
 public:
  // The last transaction this value contains.
  [[nodiscard]] TxId basis() const noexcept;

  // Views (DESIGN.md §3): what was true after transaction t; what was asserted after t; every
  // assertion and retraction (datoms with added = false too). They compose.
  [[nodiscard]] Db as_of(TxId t) const;
  [[nodiscard]] Db since(TxId t) const;
  [[nodiscard]] Db history() const;

  // Datoms of one index, in index order, whose leading components equal `components` (as the
  // REPL's (datoms $ :eavt 1 :name) gives them: entity ids as longs, attributes as keywords).
  // :quarry/invalid-argument for components that do not fit the index.
  [[nodiscard]] Result<std::vector<Datom>> datoms(IndexOrder order,
                                                  std::span<const Value> components = {}) const;

  // Every attribute of an entity, as a map with :db/id: card-many values as sets, ref values as
  // {:db/id n}. `eid` is an entity id (long), a lookup ref [:attr value] or an ident keyword. An
  // entity with no datoms is {:db/id n}; a lookup ref or ident that finds nothing gives nil.
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

  struct Impl;  // defined in api/db.cpp
  explicit Db(std::shared_ptr<const Impl> impl) noexcept : impl_(std::move(impl)) {}
  // For Quarry's own layers; Impl is opaque to applications.
  [[nodiscard]] const Impl& impl() const noexcept { return *impl_; }

 private:
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

// A database: the connection to one store, and its only writer.
class Database {
 public:
  // Opens (creating if allowed) a RocksDB database at options.path, or an in-memory one.
  // Errors: :storage/locked, :storage/version, :storage/io, :quarry/invalid-argument.
  [[nodiscard]] static Result<Database> open(const Options& options);

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

  // Declares attributes from a DataScript-style schema map, {:name {:db/unique
  // :db.unique/identity}, ...}: the same as transacting [{:db/ident :name, ...}, ...].
  [[nodiscard]] Result<TxReport> declare_schema(const Value& schema);
  [[nodiscard]] Result<TxReport> declare_schema(std::string_view schema_edn);
  [[nodiscard]] Result<TxReport> declare_schema(const char* schema_edn) { return declare_schema(std::string_view(schema_edn)); }
  [[nodiscard]] Result<TxReport> declare_schema(const std::string& schema_edn) { return declare_schema(std::string_view(schema_edn)); }

  // The latest committed value.
  [[nodiscard]] Db db() const;

  [[nodiscard]] const Options& options() const noexcept;

  struct Impl;  // defined in api/database.cpp

 private:
  explicit Database(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace quarry

#include "quarry/query.hpp"  // q, explain, QueryOptions: everything above plus queries
