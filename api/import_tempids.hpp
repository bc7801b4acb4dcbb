// Internal to api/: the tempids of one import, which name one entity across the whole file
// (doc/transactions.md, "Importing").
//
// After each transaction of the import, record() keeps the tempids it resolved; before the next,
// resolve() replaces those tempids by their entity ids wherever tx-data takes an entity: the e of
// [:db/add e ...], [:db/retract e ...], [:db/retractEntity e], [:db/cas e ...], a map's :db/id, and
// the values of ref attributes and reverse attributes (:_friend), alone, in collections and in
// nested maps. So [:db/add "b" :friend "a"] in the tenth transaction of a file finds the entity
// "a" got in the first. Arguments of transaction function calls, tuple values and lookup refs are
// left as written. Whether an attribute is a ref is read from the schema at that transaction, and
// from the attributes the transaction itself declares ({:db/ident :a :db/valueType :db.type/ref}).
//
// Memory: one entry per distinct tempid of the file (its name and an id), in a TempidTable
// (import_tempid_table.hpp: about 35-60 bytes an entry).
//
// Forward references (ForwardRefs): a transaction may refer, as a value, to a tempid that only a
// later transaction of the file gives an attribute ({:db/id "p1" :follows "p9"} before "p9"'s own
// map, in another batch). On its own that transaction would fail (:tx/tempid: a tempid used only
// as a value), so the reference is taken out — the whole [:db/add e a "p9"], or the value out of
// the map, as [:db/add e a "p9"] — and kept until the transaction that gives "p9" an attribute,
// where it is added. A map with no :db/id gets a tempid of its own ("quarry.import/N") so that the
// reference can name its entity later. References inside nested maps and from the transaction
// entity are not moved (their transaction fails as it would alone).
#pragma once

#include <cstddef>
#include <span>
#include <unordered_map>
#include <optional>
#include <unordered_set>
#include <utility>
#include <vector>

#include "api/import_tempid_table.hpp"
#include "index/schema.hpp"
#include <quarry/quarry.hpp>

namespace quarry::import_detail {

class ImportTempids {
 public:
  // Replaces in `ops` (one transaction's forms, in place) the tempids an earlier transaction
  // resolved. `schema` is the database's schema before the transaction.
  void resolve(std::vector<Value>& ops, const index::Schema& schema) const;

  // Keeps the tempids of a committed transaction (its report's map): strings other than
  // "datomic.tx", and negative longs; the first resolution of a name is kept.
  void record(std::span<const std::pair<Value, EntityId>> tempids);

  [[nodiscard]] std::size_t size() const noexcept { return ids_.size(); }
  // Whether the table holds `tempid`.
  [[nodiscard]] bool contains(const Value& tempid) const { return ids_.find(tempid).has_value(); }
  // Bytes the table holds.
  [[nodiscard]] std::size_t memory_bytes() const noexcept { return ids_.memory_bytes(); }

 private:
  TempidTable ids_;
};

class ForwardRefs {
 public:
  // Makes `ops` (after ImportTempids::resolve) committable on its own as far as tempids go: adds
  // the waiting forms whose tempid `ops` gives an attribute (resolved through `known`), then takes
  // out every reference to a tempid that `ops` mentions only as a value, to wait.
  void settle(std::vector<Value>& ops, const index::Schema& schema, const ImportTempids& known);

  // Forms waiting, and one tempid they wait for (for the message when the file ends first).
  [[nodiscard]] std::size_t waiting() const noexcept { return count_; }
  [[nodiscard]] std::optional<Value> a_waiting_tempid() const;

 private:
  std::unordered_map<Value, std::vector<Value>> waiting_;
  std::size_t count_ = 0;
  std::uint64_t synthetic_ = 0;  // "quarry.import/N" tempids given so far
};

}  // namespace quarry::import_detail
