// Internal to api/: the transaction functions and entity predicates a Database registers, and the
// tx::TxHooks that reach them (and, for :db.attr/preds, the query layer's functions).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "quarry/quarry.hpp"
#include "tx/connection.hpp"

namespace quarry {

// One Database's registrations. Thread-safe: registering while transactions run is allowed (a
// transaction sees a function registered before it calls it).
struct TxRegistry {
  std::mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<const TxFunction>> functions;         // by ident, "ns/name"
  std::unordered_map<std::string, std::shared_ptr<const EntityPredicate>> entity_preds;  // by symbol
  // The settings Db values made for the hooks carry (so a function's db can run `with`); set once
  // the Database's settings exist.
  std::weak_ptr<const tx::ConnectionOptions> settings;
};

// Hooks over `registry`: transaction functions and entity predicates from it; attribute
// predicates are the query functions of that name (a built-in such as pos? or even?, or one
// registered with quarry::register_function).
[[nodiscard]] tx::TxHooks make_tx_hooks(std::shared_ptr<TxRegistry> registry);

}  // namespace quarry
