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
// Memory: one entry per distinct tempid of the file (its name and an id).
#pragma once

#include <cstddef>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

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

 private:
  std::unordered_map<Value, EntityId> ids_;
};

}  // namespace quarry::import_detail
