// Strong id types. Entity, attribute and transaction ids are all entity ids in Datomic's sense,
// but keeping them apart in the type system stops an attribute id being passed where a tx is meant.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace quarry {

struct EntityId {
  std::uint64_t value = 0;
  friend constexpr auto operator<=>(EntityId, EntityId) = default;
};

struct AttrId {
  std::uint64_t value = 0;
  friend constexpr auto operator<=>(AttrId, AttrId) = default;
};

struct TxId {
  std::uint64_t value = 0;
  friend constexpr auto operator<=>(TxId, TxId) = default;
};

// Transaction entities live above tx0 (doc/architecture.md, "Data model"): the first
// transaction is tx0 + 1.
inline constexpr std::uint64_t kTx0 = 0x20000000;  // 536870912

}  // namespace quarry

template <>
struct std::hash<quarry::EntityId> {
  std::size_t operator()(quarry::EntityId id) const noexcept { return std::hash<std::uint64_t>{}(id.value); }
};
template <>
struct std::hash<quarry::AttrId> {
  std::size_t operator()(quarry::AttrId id) const noexcept { return std::hash<std::uint64_t>{}(id.value); }
};
template <>
struct std::hash<quarry::TxId> {
  std::size_t operator()(quarry::TxId id) const noexcept { return std::hash<std::uint64_t>{}(id.value); }
};
