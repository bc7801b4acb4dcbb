// Typed transaction operations: the forms of EDN tx-data built from C++ without writing EDN.
//
//   using quarry::TxOp; using quarry::EntityRef;
//   std::vector<TxOp> ops = {
//     TxOp::entity(EntityRef::tempid("ann"), {{kw("person/name"), "Ann"}, {kw("person/age"), 41}}),
//     TxOp::add(EntityRef::tempid("bob"), kw("person/friend"), EntityRef::tempid("ann").value()),
//     TxOp::retract_entity(EntityRef::lookup(kw("person/name"), "Carl")),
//   };
//   db.transact(ops);
//
// An op holds exactly the EDN form it stands for (form()), so the two ways to transact mean the
// same thing (see doc/transactions.md for the semantics).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "quarry/value.hpp"

namespace quarry {

// A keyword from "ns/name" or "name".
[[nodiscard]] inline Keyword kw(std::string_view qualified) {
  return Value::keyword(qualified).as<Keyword>();
}

// Anything that may stand where an entity is expected.
class EntityRef {
 public:
  // An existing (or explicitly chosen) entity id.
  EntityRef(EntityId id) : v_(static_cast<std::int64_t>(id.value)) {}  // NOLINT: implicit on purpose
  // A tempid: entities with the same name in one transaction are the same entity.
  [[nodiscard]] static EntityRef tempid(std::string name) { return EntityRef(Value(std::move(name))); }
  // The entity whose unique attribute `attr` has `value`.
  [[nodiscard]] static EntityRef lookup(Keyword attr, Value value) {
    return EntityRef(Value(Vector{{Value(std::move(attr)), std::move(value)}}));
  }
  // The entity with this :db/ident (an attribute).
  [[nodiscard]] static EntityRef ident(Keyword k) { return EntityRef(Value(std::move(k))); }
  // The transaction being run (for tx metadata).
  [[nodiscard]] static EntityRef current_tx() { return EntityRef(Value::keyword("db/current-tx")); }

  // The EDN form; also usable as a ref value of an op.
  [[nodiscard]] const Value& value() const noexcept { return v_; }

 private:
  explicit EntityRef(Value v) : v_(std::move(v)) {}
  Value v_;
};

class TxOp {
 public:
  // [:db/add e a v]
  [[nodiscard]] static TxOp add(const EntityRef& e, Keyword a, Value v) {
    return TxOp({Value::keyword("db/add"), e.value(), Value(std::move(a)), std::move(v)});
  }
  // [:db/retract e a v]
  [[nodiscard]] static TxOp retract(const EntityRef& e, Keyword a, Value v) {
    return TxOp({Value::keyword("db/retract"), e.value(), Value(std::move(a)), std::move(v)});
  }
  // [:db/retract e a] — every value of a
  [[nodiscard]] static TxOp retract_attribute(const EntityRef& e, Keyword a) {
    return TxOp({Value::keyword("db/retract"), e.value(), Value(std::move(a))});
  }
  // [:db/retractEntity e] — with references to it and its components
  [[nodiscard]] static TxOp retract_entity(const EntityRef& e) {
    return TxOp({Value::keyword("db/retractEntity"), e.value()});
  }
  // [:db/cas e a old new] — old = nullopt: "e has no value for a"
  [[nodiscard]] static TxOp cas(const EntityRef& e, Keyword a, std::optional<Value> old, Value neu) {
    return TxOp({Value::keyword("db/cas"), e.value(), Value(std::move(a)), old ? std::move(*old) : Value(),
                 std::move(neu)});
  }
  // {:db/id e, a v, ...}; without an id the entity is new (or found by upsert). A value may be a
  // nested map (Value(Map)) for a ref attribute, or a vector of values for a card-many one.
  [[nodiscard]] static TxOp entity(std::optional<EntityRef> id, std::vector<std::pair<Keyword, Value>> attrs);

  [[nodiscard]] const Value& form() const noexcept { return form_; }

 private:
  explicit TxOp(std::vector<Value> items) : form_(Vector{std::move(items)}) {}
  explicit TxOp(Value form) : form_(std::move(form)) {}
  Value form_;
};

}  // namespace quarry
