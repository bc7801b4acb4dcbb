// Datoms and the four index orders (doc/architecture.md, "Data model").
#pragma once

#include <cstdint>
#include <string_view>

#include "quarry/types/ids.hpp"
#include "quarry/types/value.hpp"

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

}  // namespace quarry
