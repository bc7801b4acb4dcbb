// TxHooks: what the transactor calls out to — transaction functions and the predicates of
// constraints, which the application registers (the api layer wires them; tx/ knows only these
// signatures). Each hook answers nullopt when it has nothing under the name, which the transactor
// reports as an unknown function or predicate. An empty hook is the same as one that knows nothing.
//
// Hooks are called on the transacting thread, inside the transaction (the writer waits for them),
// and must not transact on the same database. A transaction whose upserts need a retry runs its
// forms again, so a transaction function may be called more than once for one transaction: it
// must compute its tx-data from its arguments and the database only.
#pragma once

#include <functional>
#include <optional>
#include <span>

#include "codec/error.hpp"
#include "codec/value.hpp"
#include "index/db.hpp"

namespace quarry::tx {

struct TxHooks {
  // The transaction function `name` of [:my.ns/fn arg ...], called with the database before the
  // transaction and the arguments as written; returns the tx-data (a vector of forms) the call
  // stands for, or an error that aborts the transaction.
  std::function<std::optional<Result<Value>>(const Keyword& name, const index::Db& db_before,
                                             std::span<const Value> args)>
      call_function{};
  // The attribute predicate `name` (a :db.attr/preds symbol) applied to an asserted value; a
  // truthy result (not nil or false) accepts the value.
  std::function<std::optional<Result<Value>>(const Symbol& name, const Value& v)> attr_predicate{};
  // The entity predicate `name` (a :db.entity/preds symbol) with the database as the transaction
  // would leave it and the entity; a truthy result accepts the entity.
  std::function<std::optional<Result<Value>>(const Symbol& name, const index::Db& db_after, EntityId e)>
      entity_predicate{};
};

}  // namespace quarry::tx
