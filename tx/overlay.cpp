#include "tx/overlay.hpp"

#include <algorithm>

namespace quarry::tx {
namespace {

bool contains(const std::vector<Value>& values, const Value& v) {
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

Result<Overlay::Slot*> Overlay::slot(EntityId e, AttrId a) {
  Key key{e.value, a.value};
  if (auto it = index_.find(key); it != index_.end()) return &slots_[it->second];
  Slot s{e, a, {}, {}};
  if (may_have_datoms(e)) {
    auto datoms = basis_.attr_datoms(e, a);
    if (!datoms) return std::unexpected(datoms.error());
    s.before.reserve(datoms->size());
    for (auto& d : *datoms) s.before.push_back(std::move(d.v));
    s.now = s.before;
  }
  index_.emplace(key, static_cast<std::uint32_t>(slots_.size()));
  attrs_by_entity_[e.value].push_back(a);
  slots_.push_back(std::move(s));
  return &slots_.back();
}

void Overlay::reserve(std::size_t slots) {
  slots_.reserve(slots);
  index_.reserve(slots);
}

bool Overlay::touched(EntityId e, AttrId a) const { return index_.contains(Key{e.value, a.value}); }

std::vector<std::pair<EntityId, AttrId>> Overlay::touched_keys() const {
  std::vector<std::pair<EntityId, AttrId>> out;
  out.reserve(slots_.size());
  for (const auto& s : slots_) out.emplace_back(s.e, s.a);
  return out;
}

std::vector<Value> Overlay::asserted_values(EntityId e, AttrId a) const {
  std::vector<Value> out;
  auto it = index_.find(Key{e.value, a.value});
  if (it == index_.end()) return out;
  const Slot& s = slots_[it->second];
  for (const Value& v : s.now)
    if (!contains(s.before, v)) out.push_back(v);
  return out;
}

const Value* Overlay::asserted_other_than(EntityId e, AttrId a, const Value& v) const {
  auto it = index_.find(Key{e.value, a.value});
  if (it == index_.end()) return nullptr;
  const Slot& s = slots_[it->second];
  for (const Value& x : s.now)
    if (x != v && !contains(s.before, x)) return &x;
  return nullptr;
}

Result<const std::vector<Value>*> Overlay::values(EntityId e, AttrId a) {
  auto s = slot(e, a);
  if (!s) return std::unexpected(s.error());
  return &(*s)->now;
}

void Overlay::remember_value(const Slot& s, const Value& v) {
  if (auto ref = v.get_if<EntityId>())
    asserted_refs_[ref->value].push_back(Key{s.e.value, s.a.value});
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
  remember_value(s, v);
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
      const Slot& s = slots_[index_.at(Key{e.value, a.value})];
      if (contains(s.now, v)) return e;
    }
  }
  auto stored = basis_.find_unique(a, v);
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) return std::nullopt;
  if (auto it = index_.find(Key{(*stored)->value, a.value}); it != index_.end()) {
    if (!contains(slots_[it->second].now, v)) return std::nullopt;
  }
  return *stored;
}

Result<std::vector<AttrId>> Overlay::attributes(EntityId e) {
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
    auto it = index_.find(Key{e.value, a.value});
    return it != index_.end() && slots_[it->second].now.empty();
  });
  return out;
}

Result<std::vector<std::pair<EntityId, AttrId>>> Overlay::referrers(EntityId target) {
  std::vector<std::pair<EntityId, AttrId>> candidates;
  auto stored = basis_.referencing_datoms(target);
  if (!stored) return std::unexpected(stored.error());
  for (const auto& d : *stored) candidates.emplace_back(d.e, d.a);
  if (auto it = asserted_refs_.find(target.value); it != asserted_refs_.end())
    for (const Key& k : it->second) candidates.emplace_back(EntityId{k.e}, AttrId{k.a});
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  const Value ref{target};
  std::vector<std::pair<EntityId, AttrId>> out;
  for (const auto& [e, a] : candidates) {
    auto it = index_.find(Key{e.value, a.value});
    if (it == index_.end() || contains(slots_[it->second].now, ref)) out.emplace_back(e, a);
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
    if (auto it = index_.find(Key{e.value, a.value}); it != index_.end())
      append_changes(slots_[it->second], tx, out);
  return out;
}

}  // namespace quarry::tx
