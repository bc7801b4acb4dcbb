// Datoms, the four index orders, and the id partitions of DESIGN.md §3.
#pragma once

#include <cstdint>
#include <string_view>

#include "codec/ids.hpp"
#include "codec/value.hpp"

namespace quarry {

// [e a v tx added]. In the current indexes `added` is always true; history views also return
// retractions (added = false, tx = the retracting transaction).
struct Datom {
  EntityId e;
  AttrId a;
  Value v;
  TxId tx;
  bool added = true;

  friend bool operator==(const Datom&, const Datom&) = default;
};

// The four sort orders. VAET holds only datoms of ref-typed attributes.
enum class IndexOrder : std::uint8_t { Eavt, Aevt, Avet, Vaet };

[[nodiscard]] constexpr std::string_view index_order_name(IndexOrder order) noexcept {
  switch (order) {
    case IndexOrder::Eavt: return "eavt";
    case IndexOrder::Aevt: return "aevt";
    case IndexOrder::Avet: return "avet";
    case IndexOrder::Vaet: return "vaet";
  }
  return "?";
}

// Id partitions. User entities are 1 .. kTx0 - 1 (DataScript's emax), so `max-eid` counts user
// entities only; transaction entities are kTx0 + 1, kTx0 + 2, ...; attribute and other system
// entities live from kSystemBase up, far above any tx id a database will reach.
inline constexpr std::uint64_t kMaxUserEntity = kTx0 - 1;
inline constexpr std::uint64_t kSystemBase = std::uint64_t{1} << 40;

[[nodiscard]] constexpr bool is_user_entity(std::uint64_t id) noexcept {
  return id >= 1 && id <= kMaxUserEntity;
}
[[nodiscard]] constexpr bool is_tx_entity(std::uint64_t id) noexcept {
  return id > kTx0 && id < kSystemBase;
}
[[nodiscard]] constexpr bool is_system_entity(std::uint64_t id) noexcept { return id >= kSystemBase; }

}  // namespace quarry
