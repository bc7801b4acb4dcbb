// Datoms, the four index orders, and the id partitions (doc/architecture.md, "Data model").
//
// Datom and IndexOrder are public types: they are defined in index/include/quarry/types/datom.hpp,
// which applications include as <quarry/types/datom.hpp> (through <quarry/quarry.hpp>). Quarry's
// layers include this header.
#pragma once

#include <cstdint>

#include "quarry/types/datom.hpp"

namespace quarry {

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
