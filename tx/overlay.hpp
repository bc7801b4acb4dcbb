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
// Cost: one hash probe per datom, plus one EAVT point read on the first touch of a slot of an
// entity that may already have datoms (entities above the basis' max-eid are known to be empty).
// A slot of one value allocates nothing of its own: the slots sit in one vector, their index is an
// open-addressing table of slot numbers, a single value sits inside its slot, and the lookups by
// entity and by ref target are made when first asked for (most transactions never ask). A
// transaction of new entities' maps (an import's) thus allocates a few growing arrays, not
// several heap blocks per datom.
// Not thread-safe; lives for one transaction attempt.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "codec/error.hpp"
#include "index/db.hpp"

namespace quarry::tx {

class Overlay {
 public:
  // The values of one slot: most slots hold one, kept inside the slot.
  using Values = boost::container::small_vector<Value, 1>;

  // REQUIRES: `basis` outlives the overlay. User entities above `stored_max_eid` (at most the
  // basis' max_eid) are known to have no datoms in the basis' store.
  explicit Overlay(const index::Db& basis) : Overlay(basis, basis.max_eid()) {}
  Overlay(const index::Db& basis, std::uint64_t stored_max_eid);

  // The values e has for a now (empty when none). The pointer is valid until the next call that
  // touches a new slot.
  [[nodiscard]] Result<const Values*> values(EntityId e, AttrId a);

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
    const Values* now;
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
  // Preallocates for about `slots` slots (saves growing in large transactions).
  void reserve(std::size_t slots);

 private:
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
    Values now;
  };

  [[nodiscard]] Result<Slot*> slot(EntityId e, AttrId a);
  // The slot of (e, a), or null when the transaction has not touched it.
  [[nodiscard]] const Slot* find(EntityId e, AttrId a) const noexcept;
  // Where (e, a) is in table_, or the empty position where it would go. REQUIRES: table_ not empty.
  [[nodiscard]] std::size_t position(EntityId e, AttrId a) const noexcept;
  // Makes table_ at least twice the size of `slots` (a power of two), re-placing every slot.
  void grow_table(std::size_t slots);
  [[nodiscard]] bool may_have_datoms(EntityId e) const noexcept;
  void remember_value(std::uint32_t slot, const Value& v);
  void append_changes(const Slot& s, TxId tx, std::vector<Datom>& out) const;

  static constexpr std::uint32_t kNoSlot = ~std::uint32_t{0};

  const index::Db& basis_;
  std::uint64_t basis_max_eid_;  // user entities above it have no stored datoms
  std::uint64_t basis_next_system_id_;
  std::vector<Slot> slots_;
  // Slot numbers by (e, a): linear probing over a power-of-two table, at most half full (slots are
  // never removed). Empty until the first slot.
  std::vector<std::uint32_t> table_;
  int table_bits_ = 0;
  // Secondary lookups over values asserted in this transaction (candidates, re-checked on use).
  std::unordered_map<ValueKey, std::vector<EntityId>, ValueKeyHash> asserted_by_value_;
  // Lookups by entity (for attributes()) and by ref target (for referrers()), made from the slots
  // on first use and kept up to date after it: most transactions never ask.
  bool entities_indexed_ = false;
  std::unordered_map<std::uint64_t, std::vector<AttrId>> attrs_by_entity_;
  bool refs_indexed_ = false;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> refs_asserted_;  // (target, slot), until indexed
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> asserted_refs_;  // target -> slots
};

}  // namespace quarry::tx
