// Overlay: the database as a transaction in progress sees it — the basis Db plus the changes the
// transaction has made so far — and, at the end, the net change as datoms.
//
// State is kept per (entity, attribute) "slot": the values the basis has (read on first touch) and
// the values now. A card-one assertion replaces the slot's value; a card-many one adds to it;
// retractions remove. Asserting what is already there and retracting what is not are no-ops, so
// the net change (now minus before, before minus now) has no redundant datom — exactly what
// index::Writer::commit requires.
//
// Reads that cross entities (who holds a unique value, who refers to an entity, what attributes an
// entity has) combine the basis' indexes with the slots the transaction touched.
//
// Cost: one hash lookup per datom, plus one EAVT point read on the first touch of a slot of an
// entity that may already have datoms (entities above the basis' max-eid are known to be empty).
// Not thread-safe; lives for one transaction attempt.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "codec/error.hpp"
#include "index/db.hpp"

namespace quarry::tx {

class Overlay {
 public:
  // REQUIRES: `basis` outlives the overlay. User entities above `stored_max_eid` (at most the
  // basis' max_eid) are known to have no datoms in the basis' store.
  explicit Overlay(const index::Db& basis) : Overlay(basis, basis.max_eid()) {}
  Overlay(const index::Db& basis, std::uint64_t stored_max_eid);

  // The values e has for a now (empty when none). The pointer is valid until the next call that
  // touches a new slot.
  [[nodiscard]] Result<const std::vector<Value>*> values(EntityId e, AttrId a);

  // Asserts [e a v]: a card-one attribute's other value is replaced. Returns false if v was
  // already there (a redundant assertion). Values of unique attributes are remembered for holder().
  [[nodiscard]] Result<bool> add(EntityId e, const index::AttrSchema& a, const Value& v);
  // Retracts [e a v]; false if it was not there.
  [[nodiscard]] Result<bool> retract(EntityId e, AttrId a, const Value& v);
  // Retracts every value of e.a.
  [[nodiscard]] Result<void> retract_all(EntityId e, AttrId a);

  // The entity that has value v for attribute a now, if any. Exact for attributes that were unique
  // whenever this transaction asserted values of them; otherwise one holder among several.
  [[nodiscard]] Result<std::optional<EntityId>> holder(AttrId a, const Value& v);
  // The attributes e has at least one value for now, in no particular order.
  [[nodiscard]] Result<std::vector<AttrId>> attributes(EntityId e);
  // The (entity, attribute) pairs whose values include a ref to target now.
  [[nodiscard]] Result<std::vector<std::pair<EntityId, AttrId>>> referrers(EntityId target);

  // Every entity whose values of `a` the transaction changed, with its values now.
  // Used to validate schema changes together with the basis' datoms of `a`.
  struct SlotView {
    EntityId e;
    const std::vector<Value>* now;
  };
  [[nodiscard]] std::vector<SlotView> touched_slots(AttrId a) const;
  // The values of e.a the transaction asserted that are there now (now, but not in the basis).
  [[nodiscard]] std::vector<Value> asserted_values(EntityId e, AttrId a) const;
  // One of those values other than v, if any (no allocation: checked on every card-one assertion).
  [[nodiscard]] const Value* asserted_other_than(EntityId e, AttrId a, const Value& v) const;
  [[nodiscard]] bool touched(EntityId e, AttrId a) const;
  // Every (entity, attribute) slot the transaction touched, in first-touch order.
  [[nodiscard]] std::vector<std::pair<EntityId, AttrId>> touched_keys() const;

  // The net change, slot by slot in first-touch order: retractions (added = false) then
  // assertions, each with tx = `tx`.
  [[nodiscard]] std::vector<Datom> changes(TxId tx) const;
  // The net change of the given slots only (untouched ones contribute nothing), same form.
  [[nodiscard]] std::vector<Datom> changes_of(std::span<const std::pair<EntityId, AttrId>> slots,
                                              TxId tx) const;

  [[nodiscard]] std::size_t slot_count() const noexcept { return slots_.size(); }
  // Preallocates for about `slots` slots (saves rehashing in large transactions).
  void reserve(std::size_t slots);

 private:
  struct Key {
    std::uint64_t e;
    std::uint64_t a;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept {
      return std::hash<std::uint64_t>{}(k.e * 0x9e3779b97f4a7c15ULL ^ k.a);
    }
  };
  struct ValueKey {
    std::uint64_t a;
    Value v;
    friend bool operator==(const ValueKey& x, const ValueKey& y) { return x.a == y.a && x.v == y.v; }
  };
  struct ValueKeyHash {
    std::size_t operator()(const ValueKey& k) const noexcept {
      return hash_value(k.v) ^ std::hash<std::uint64_t>{}(k.a);
    }
  };
  struct Slot {
    EntityId e;
    AttrId a;
    std::vector<Value> before;
    std::vector<Value> now;
  };

  [[nodiscard]] Result<Slot*> slot(EntityId e, AttrId a);
  [[nodiscard]] bool may_have_datoms(EntityId e) const noexcept;
  void remember_value(const Slot& s, const Value& v);
  void append_changes(const Slot& s, TxId tx, std::vector<Datom>& out) const;

  const index::Db& basis_;
  std::uint64_t basis_max_eid_;  // user entities above it have no stored datoms
  std::uint64_t basis_next_system_id_;
  std::vector<Slot> slots_;
  std::unordered_map<Key, std::uint32_t, KeyHash> index_;
  // Secondary lookups over values asserted in this transaction (candidates, re-checked on use).
  std::unordered_map<ValueKey, std::vector<EntityId>, ValueKeyHash> asserted_by_value_;
  std::unordered_map<std::uint64_t, std::vector<Key>> asserted_refs_;   // ref target -> slots
  std::unordered_map<std::uint64_t, std::vector<AttrId>> attrs_by_entity_;
};

}  // namespace quarry::tx
