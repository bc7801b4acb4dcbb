// Byte layouts of the index, history and log keys (DESIGN.md §4; documented in doc/format.md).
//
//   space   key                                   value
//   eavt    E · A · V                             T
//   aevt    A · E · V                             T
//   avet    A · V · E                             T
//   vaet    R · A · E          (ref values only)  T
//   heavt   E · A · V · T+ (fixed 8)              T- (fixed 8)       and likewise haevt, havet, hvaet
//   log     T (fixed 8) · N                       E · A · V · op
//
// E, R and T are compact unsigned ids (codec::append_uint); A is the attribute's offset from
// kSystemBase as a compact id, so that attribute positions take two bytes; V is the value codec.
// T+ is the tx that asserted a history datom and T- the tx that retracted it. N numbers the datoms
// of one transaction from 0; op is 1 for an assertion, 0 for a retraction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/error.hpp"
#include "index/datom.hpp"

namespace quarry::keys {

// Space names, fixed: they are RocksDB column family names.
inline constexpr std::string_view kEavt = "eavt", kAevt = "aevt", kAvet = "avet", kVaet = "vaet";
inline constexpr std::string_view kHistoryEavt = "heavt", kHistoryAevt = "haevt",
                                  kHistoryAvet = "havet", kHistoryVaet = "hvaet";
inline constexpr std::string_view kLog = "log", kMeta = "meta";

// Every space the index layer uses: open a Store with exactly this list (or a superset).
[[nodiscard]] std::vector<std::string> all_spaces();

// Meta space records (all values fixed 8-byte big-endian unless said otherwise).
//   index-format     the index layout version, decimal ASCII; a store without it is not a database
//   basis-tx         the last committed transaction
//   max-eid          the largest user entity id used as a datom's e
//   next-system-id   the next free id in the system partition
//   stats/ A(fixed8) datom count (fixed8) · distinct values (fixed8), for attributes with datoms
inline constexpr std::string_view kMetaFormat = "index-format";
inline constexpr std::string_view kMetaBasis = "basis-tx";
inline constexpr std::string_view kMetaMaxEid = "max-eid";
inline constexpr std::string_view kMetaNextSystemId = "next-system-id";
inline constexpr std::string_view kMetaStatsPrefix = "stats/";
inline constexpr std::uint32_t kIndexFormat = 1;
[[nodiscard]] std::string stats_key(AttrId a);

// The smallest key greater than every key that starts with `prefix`; nullopt if there is none
// (empty prefix or all 0xFF bytes), meaning "unbounded".
[[nodiscard]] std::optional<std::string> prefix_successor(std::string_view prefix);

[[nodiscard]] std::string_view current_space(IndexOrder order) noexcept;
[[nodiscard]] std::string_view history_space(IndexOrder order) noexcept;

// Appends the key parts of `order` for one datom (without any tx). VAET REQUIRES v to be a ref.
// REQUIRES: d.a.value >= kSystemBase. Fails only if v is not storable.
[[nodiscard]] Result<void> append_datom_key(std::string& out, IndexOrder order, EntityId e, AttrId a,
                                            const Value& v);

// Encoded components, for building prefixes and range bounds.
void append_entity(std::string& out, EntityId e);
void append_attr(std::string& out, AttrId a);
void append_tx(std::string& out, TxId t);        // compact, as in current-index values
void append_tx_fixed(std::string& out, TxId t);  // fixed 8 bytes, as in history keys and the log

// Decodes the E, A, V parts of a datom key of `order` (no tx; the whole key must be consumed).
[[nodiscard]] Result<Datom> decode_datom_key(IndexOrder order, std::string_view key);

// Decodes a current-index entry back into a datom (added = true).
[[nodiscard]] Result<Datom> decode_current(IndexOrder order, std::string_view key, std::string_view value);
// Decodes a history entry: the datom as asserted (tx = T+, added = true) and the retracting tx T-.
struct HistoryEntry {
  Datom asserted;
  TxId retracted;
};
[[nodiscard]] Result<HistoryEntry> decode_history(IndexOrder order, std::string_view key,
                                                  std::string_view value);

// Log entries.
[[nodiscard]] std::string log_key(TxId tx, std::uint64_t seq);
[[nodiscard]] Result<std::string> log_value(const Datom& d);
[[nodiscard]] Result<Datom> decode_log(std::string_view key, std::string_view value);

}  // namespace quarry::keys
