#include "tx/overlay.hpp"

#include <algorithm>
#include <bit>

namespace quarry::tx {
namespace {

template <class Range>
bool contains(const Range& values, const Value& v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

}  // namespace

Overlay::Overlay(const index::Db& basis, std::uint64_t stored_max_eid)
    : basis_(basis),
      basis_max_eid_(std::min(stored_max_eid, basis.max_eid())),
      basis_next_system_id_(basis.next_system_id()) {}

bool Overlay::may_have_datoms(EntityId e) const noexcept {
  if (is_user_entity(e.value)) return e.value <= basis_max_eid_;
  if (is_system_entity(e.value)) return e.value < basis_next_system_id_;
  return e.value <= basis_.basis().value;  // a transaction entity
}

// Fibonacci hashing: the multiply spreads consecutive entity ids (an import's) over the table's
// high bits, which pick the position.
std::size_t Overlay::position(EntityId e, AttrId a) const noexcept {
  const std::uint64_t h = (e.value ^ (a.value * 0xc2b2ae3d27d4eb4fULL)) * 0x9e3779b97f4a7c15ULL;
  const std::size_t mask = table_.size() - 1;
  for (std::size_t i = static_cast<std::size_t>(h >> (64 - table_bits_));; i = (i + 1) & mask) {
    const std::uint32_t n = table_[i];
    if (n == kNoSlot || (slots_[n].e == e && slots_[n].a == a)) return i;
  }
}

void Overlay::grow_table(std::size_t slots) {
  const std::size_t size = std::max<std::size_t>(16, std::bit_ceil(2 * slots));
  if (size <= table_.size()) return;
  table_.assign(size, kNoSlot);
  table_bits_ = std::countr_zero(size);
  for (std::uint32_t n = 0; n < slots_.size(); ++n) table_[position(slots_[n].e, slots_[n].a)] = n;
}

const Overlay::Slot* Overlay::find(EntityId e, AttrId a) const noexcept {
  if (table_.empty()) return nullptr;
  const std::uint32_t n = table_[position(e, a)];
  return n == kNoSlot ? nullptr : &slots_[n];
}

Result<Overlay::Slot*> Overlay::slot(EntityId e, AttrId a) {
  if (2 * (slots_.size() + 1) > table_.size()) grow_table(slots_.size() + 1);
  const std::size_t at = position(e, a);
  if (table_[at] != kNoSlot) return &slots_[table_[at]];
  Slot s{e, a, {}, {}};
  if (may_have_datoms(e)) {
    auto datoms = basis_.attr_datoms(e, a);
    if (!datoms) return std::unexpected(datoms.error());
    s.before.reserve(datoms->size());
    for (auto& d : *datoms) s.before.push_back(std::move(d.v));
    s.now.assign(s.before.begin(), s.before.end());
  }
  table_[at] = static_cast<std::uint32_t>(slots_.size());
  if (entities_indexed_) attrs_by_entity_[e.value].push_back(a);
  slots_.push_back(std::move(s));
  return &slots_.back();
}

void Overlay::reserve(std::size_t slots) {
  slots_.reserve(slots);
  grow_table(slots);
}

bool Overlay::touched(EntityId e, AttrId a) const { return find(e, a) != nullptr; }

std::vector<std::pair<EntityId, AttrId>> Overlay::touched_keys() const {
  std::vector<std::pair<EntityId, AttrId>> out;
  out.reserve(slots_.size());
  for (const auto& s : slots_) out.emplace_back(s.e, s.a);
  return out;
}

std::vector<Value> Overlay::asserted_values(EntityId e, AttrId a) const {
  std::vector<Value> out;
  const Slot* s = find(e, a);
  if (!s) return out;
  for (const Value& v : s->now)
    if (!contains(s->before, v)) out.push_back(v);
  return out;
}

const Value* Overlay::asserted_other_than(EntityId e, AttrId a, const Value& v) const {
  const Slot* s = find(e, a);
  if (!s) return nullptr;
  for (const Value& x : s->now)
    if (x != v && !contains(s->before, x)) return &x;
  return nullptr;
}

Result<const Overlay::Values*> Overlay::values(EntityId e, AttrId a) {
  auto s = slot(e, a);
  if (!s) return std::unexpected(s.error());
  return &(*s)->now;
}

void Overlay::remember_value(std::uint32_t slot, const Value& v) {
  auto ref = v.get_if<EntityId>();
  if (!ref) return;
  if (refs_indexed_) asserted_refs_[ref->value].push_back(slot);
  else refs_asserted_.emplace_back(ref->value, slot);
}

Result<bool> Overlay::add(EntityId e, const index::AttrSchema& a, const Value& v) {
  auto found = slot(e, a.id);
  if (!found) return std::unexpected(found.error());
  Slot& s = **found;
  if (contains(s.now, v)) return false;
  if (a.many) {
    s.now.push_back(v);
  } else {
    s.now.clear();
    s.now.push_back(v);
  }
  remember_value(static_cast<std::uint32_t>(&s - slots_.data()), v);
  if (a.unique != index::Unique::None || a.id == index::sys::kIdent)
    asserted_by_value_[ValueKey{a.id.value, v}].push_back(e);
  return true;
}

Result<bool> Overlay::retract(EntityId e, AttrId a, const Value& v) {
  auto found = slot(e, a);
  if (!found) return std::unexpected(found.error());
  auto& now = (*found)->now;
  auto it = std::find(now.begin(), now.end(), v);
  if (it == now.end()) return false;
  now.erase(it);
  return true;
}

Result<void> Overlay::retract_all(EntityId e, AttrId a) {
  auto found = slot(e, a);
  if (!found) return std::unexpected(found.error());
  (*found)->now.clear();
  return {};
}

Result<std::optional<EntityId>> Overlay::holder(AttrId a, const Value& v) {
  if (auto it = asserted_by_value_.find(ValueKey{a.value, v}); it != asserted_by_value_.end()) {
    for (EntityId e : it->second) {
      if (contains(find(e, a)->now, v)) return e;
    }
  }
  auto stored = basis_.find_unique(a, v);
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) return std::nullopt;
  if (const Slot* s = find(**stored, a); s && !contains(s->now, v)) return std::nullopt;
  return *stored;
}

Result<std::vector<AttrId>> Overlay::attributes(EntityId e) {
  if (!entities_indexed_) {
    for (const auto& s : slots_) attrs_by_entity_[s.e.value].push_back(s.a);
    entities_indexed_ = true;
  }
  std::vector<AttrId> out;
  if (may_have_datoms(e)) {
    auto datoms = basis_.entity_datoms(e);
    if (!datoms) return std::unexpected(datoms.error());
    for (const auto& d : *datoms)
      if (out.empty() || out.back() != d.a) out.push_back(d.a);
  }
  if (auto it = attrs_by_entity_.find(e.value); it != attrs_by_entity_.end())
    out.insert(out.end(), it->second.begin(), it->second.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  std::erase_if(out, [&](AttrId a) {
    const Slot* s = find(e, a);
    return s && s->now.empty();
  });
  return out;
}

Result<std::vector<std::pair<EntityId, AttrId>>> Overlay::referrers(EntityId target) {
  if (!refs_indexed_) {
    for (const auto& [to, n] : refs_asserted_) asserted_refs_[to].push_back(n);
    refs_asserted_ = {};
    refs_indexed_ = true;
  }
  std::vector<std::pair<EntityId, AttrId>> candidates;
  auto stored = basis_.referencing_datoms(target);
  if (!stored) return std::unexpected(stored.error());
  for (const auto& d : *stored) candidates.emplace_back(d.e, d.a);
  if (auto it = asserted_refs_.find(target.value); it != asserted_refs_.end())
    for (std::uint32_t n : it->second) candidates.emplace_back(slots_[n].e, slots_[n].a);
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  const Value ref{target};
  std::vector<std::pair<EntityId, AttrId>> out;
  for (const auto& [e, a] : candidates) {
    const Slot* s = find(e, a);
    if (!s || contains(s->now, ref)) out.emplace_back(e, a);
  }
  return out;
}

std::vector<Overlay::SlotView> Overlay::touched_slots(AttrId a) const {
  std::vector<SlotView> out;
  for (const auto& s : slots_)
    if (s.a == a) out.push_back(SlotView{s.e, &s.now});
  return out;
}

void Overlay::append_changes(const Slot& s, TxId tx, std::vector<Datom>& out) const {
  for (const auto& v : s.before)
    if (!contains(s.now, v)) out.push_back(Datom{s.e, s.a, v, tx, false});
  for (const auto& v : s.now)
    if (!contains(s.before, v)) out.push_back(Datom{s.e, s.a, v, tx, true});
}

std::vector<Datom> Overlay::changes(TxId tx) const {
  std::vector<Datom> out;
  out.reserve(slots_.size());
  for (const auto& s : slots_) append_changes(s, tx, out);
  return out;
}

std::vector<Datom> Overlay::changes_of(std::span<const std::pair<EntityId, AttrId>> slots,
                                      TxId tx) const {
  std::vector<Datom> out;
  for (const auto& [e, a] : slots)
    if (const Slot* s = find(e, a)) append_changes(*s, tx, out);
  return out;
}

}  // namespace quarry::tx
