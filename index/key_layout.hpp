// Byte layouts of the index, history and log keys (documented in doc/format.md).
//
//   space   key                                   value
//   eavt    E · A · V                             T
//   aevt    A · E · V                             T
//   avet    A · V · E                             T
//   vaet    R · A · E          (ref values only)  T
//   heavt   E · A · V · T+ (fixed 8)              T- (fixed 8)       and likewise haevt, havet, hvaet
//   log     T (fixed 8) · N                       E · A · V · op
//   values  H (fixed 8)                           the full encoding of a large value
//
// E, R and T are compact unsigned ids (codec::append_uint); A is the attribute's offset from
// kSystemBase as a compact id, so that attribute positions take two bytes; V is the value codec.
// T+ is the tx that asserted a history datom and T- the tx that retracted it. N numbers the datoms
// of one transaction from 0; op is 1 for an assertion, 0 for a retraction.
//
// LARGE VALUES. A value whose encoding is longer than kMaxInlineValueBytes is written, wherever a V
// goes, as  stub · 0xFF · H : stub is a value of the same kind that is a prefix of it (its first
// kValueStubBytes bytes or elements), H a 64-bit hash of its full encoding, and the full encoding
// is stored once in the `values` space under H. 0xFF can never follow a V otherwise (it starts no
// id, tx or op byte), so the marker is unambiguous. Order: such keys sort by the stub, so values
// are ordered exactly except among large values sharing a stub, and inline values that extend
// that stub, whose relative order is arbitrary but fixed.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
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
inline constexpr std::string_view kLog = "log", kMeta = "meta", kValues = "values";

// Encodings up to this many bytes sit in keys; longer ones are stored out of line (see above).
inline constexpr std::size_t kMaxInlineValueBytes = 1024;
// Budget, in bytes of text or of element encodings, of the stub that stands for a large value.
inline constexpr std::size_t kValueStubBytes = 256;

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

// A large value met while encoding: the record the values space must hold.
struct LargeValue {
  std::uint64_t hash = 0;
  std::string encoding;  // the full value encoding
};

// Appends v as the V component of a key or log entry: its encoding, or the large form above.
// When v is large and `large` is given, *large receives the values-space record. Fails only if v
// is not storable.
[[nodiscard]] Result<void> append_value_component(std::string& out, const Value& v,
                                                  LargeValue* large = nullptr);

// The values-space key of a large value.
[[nodiscard]] std::string value_key(std::uint64_t hash);
// The persisted hash of a full value encoding (FNV-1a 64 with a final avalanche; never change).
[[nodiscard]] std::uint64_t value_hash(std::string_view encoding) noexcept;

// Reads a large value's full encoding back by hash (from the values space of a snapshot). The
// decoders below need one only for keys holding large values; without one such a key is an error.
class LargeValueSource {
 public:
  virtual ~LargeValueSource() = default;
  [[nodiscard]] virtual Result<std::string> encoding(std::uint64_t hash) const = 0;
};
[[nodiscard]] std::string_view history_space(IndexOrder order) noexcept;

// Appends the key parts of `order` for one datom (without any tx), V as append_value_component.
// VAET REQUIRES v to be a ref. REQUIRES: d.a.value >= kSystemBase. Fails only if v is not storable.
[[nodiscard]] Result<void> append_datom_key(std::string& out, IndexOrder order, EntityId e, AttrId a,
                                            const Value& v);

// Encoded components, for building prefixes and range bounds.
void append_compact(std::string& out, std::uint64_t n);  // a compact id (put_compact), appended
void append_entity(std::string& out, EntityId e);
void append_attr(std::string& out, AttrId a);
void append_tx(std::string& out, TxId t);        // compact, as in current-index values
void append_tx_fixed(std::string& out, TxId t);  // fixed 8 bytes, as in history keys and the log

// Writes n as a compact id (codec::append_uint's bytes: a length byte, then the big-endian bytes
// without leading zeros) at `out` and returns how many bytes that took (1 to 9). Writes 9 bytes
// whatever the length: REQUIRES room for 9 at `out`. For hot paths that build keys in place.
[[nodiscard]] inline std::size_t put_compact(char* out, std::uint64_t n) noexcept {
  const int len = n == 0 ? 0 : 8 - std::countl_zero(n) / 8;
  std::uint64_t body = len == 0 ? 0 : n << (64 - 8 * len);  // the significant bytes first
  if constexpr (std::endian::native == std::endian::little) body = std::byteswap(body);
  out[0] = static_cast<char>(len);
  std::memcpy(out + 1, &body, 8);
  return 1 + static_cast<std::size_t>(len);
}
// The big-endian number in p[0, len): a compact id's body, len <= 8 (REQUIRES). At most three
// loads and no loop (this runs for every id of every datom read): 4 bytes (user entity ids and
// tx ids take 4), then 2 and 1 as the length's bits say.
[[nodiscard]] inline std::uint64_t read_big_endian(const char* p, std::size_t len) noexcept {
  auto load = [&p]<class U>(U) {
    U x;
    std::memcpy(&x, p, sizeof(U));
    p += sizeof(U);
    if constexpr (std::endian::native == std::endian::little) x = std::byteswap(x);
    return x;
  };
  std::uint64_t n = 0;
  if (len >= 4) {
    n = load(std::uint32_t{});
    len -= 4;
    if (len == 4) return (n << 32) | load(std::uint32_t{});
  }
  if (len & 2) n = (n << 16) | load(std::uint16_t{});
  if (len & 1) n = (n << 8) | static_cast<unsigned char>(*p);
  return n;
}
// The compact id an attribute is written as (append_attr): its offset from kSystemBase.
[[nodiscard]] inline std::uint64_t attr_offset(AttrId a) noexcept { return a.value - kSystemBase; }

// The encoded E, A and V components of a datom key, as views into it (V: the whole V component,
// including a large value's 0xFF marker and hash; on Vaet, the referenced entity's compact id).
struct DatomKeyParts {
  std::string_view e, a, v;
};
// Splits a datom key of `order` (no tx suffix) into its components without decoding any value;
// StorageCorruption (naming `order`'s current space) if the bytes do not frame as such a key.
// The views live as long as `key`'s bytes.
[[nodiscard]] Result<DatomKeyParts> split_datom_key(IndexOrder order, std::string_view key);
// The same without building an error: false (and `parts` unspecified) where the above fails.
[[nodiscard]] bool split_datom_key(IndexOrder order, std::string_view key, DatomKeyParts& parts) noexcept;
// The end of the V component (append_value_component) at key[at...], or 0 if it does not frame.
[[nodiscard]] std::size_t value_component_end(std::string_view key, std::size_t at) noexcept;
// The end of the compact id at key[at...] (a length byte, at most 8, then that many bytes), or 0
// if it does not frame.
[[nodiscard]] inline std::size_t compact_id_end(std::string_view key, std::size_t at) noexcept {
  if (at >= key.size()) return 0;
  const std::size_t end = at + 1 + static_cast<unsigned char>(key[at]);
  return end <= at + 9 && end <= key.size() ? end : 0;
}
// The same for a key known to start with a prefix whose first `known` components (of `order`)
// end at ends[0..known): only the rest is framed (a scan within one prefix's bounds, the run of a
// seek_prefix). Inline: it runs once per datom a cursor lands on, where the known components cost
// nothing and the rest is a compact id or two and at most one value.
// REQUIRES: key starts with that prefix, whose components frame as such.
[[nodiscard]] [[gnu::always_inline]] inline bool split_datom_key(IndexOrder order, std::string_view key,
                                                                 std::size_t known,
                                                                 const std::array<std::uint32_t, 3>& ends,
                                                                 DatomKeyParts& parts) noexcept {
  if (known == 0 || known > 3) return known == 0 && split_datom_key(order, key, parts);
  // The V is the third component of Eavt and Aevt, the second of Avet; Vaet holds ids only.
  const bool v_second = order == IndexOrder::Avet;
  const bool v_third = order == IndexOrder::Eavt || order == IndexOrder::Aevt;
  const std::size_t at0 = ends[0];
  std::size_t at1 = ends[1], at2;
  if (known == 1 && (at1 = v_second ? value_component_end(key, at0) : compact_id_end(key, at0)) == 0) return false;
  if (known == 3) at2 = ends[2];
  else at2 = v_third ? value_component_end(key, at1) : compact_id_end(key, at1);
  if (at2 != key.size() || at1 > at2 || at0 > at1) return false;  // bad framing, or trailing bytes
  const std::string_view one(key.data(), at0), two(key.data() + at0, at1 - at0), three(key.data() + at1, at2 - at1);
  switch (order) {
    case IndexOrder::Eavt: parts.e = one, parts.a = two, parts.v = three; break;
    case IndexOrder::Aevt: parts.a = one, parts.e = two, parts.v = three; break;
    case IndexOrder::Avet: parts.a = one, parts.v = two, parts.e = three; break;
    case IndexOrder::Vaet: parts.v = one, parts.a = two, parts.e = three; break;
  }
  return true;
}

// The id an encoded E (or V of Vaet) or A component holds, and a V component's value.
// REQUIRES: the component comes from split_datom_key (so it frames correctly).
[[nodiscard]] inline EntityId entity_of(std::string_view encoded_e) noexcept {
  return EntityId{read_big_endian(encoded_e.data() + 1, encoded_e.size() - 1)};
}
[[nodiscard]] inline AttrId attr_of(std::string_view encoded_a) noexcept {
  return AttrId{read_big_endian(encoded_a.data() + 1, encoded_a.size() - 1) + kSystemBase};
}
[[nodiscard]] Result<Value> value_of(IndexOrder order, std::string_view encoded_v,
                                     const LargeValueSource* values = nullptr);
// The same, into `out` (the per-datom decode of scans: no Result<Value> in between).
[[nodiscard]] Result<void> value_into(IndexOrder order, std::string_view encoded_v, Value& out,
                                      const LargeValueSource* values = nullptr);

// Decodes the E, A, V parts of a datom key of `order` (no tx; the whole key must be consumed).
[[nodiscard]] Result<Datom> decode_datom_key(IndexOrder order, std::string_view key,
                                             const LargeValueSource* values = nullptr);

// Decodes a current-index entry back into a datom (added = true).
[[nodiscard]] Result<Datom> decode_current(IndexOrder order, std::string_view key, std::string_view value,
                                           const LargeValueSource* values = nullptr);
// Decodes a history entry: the datom as asserted (tx = T+, added = true) and the retracting tx T-.
struct HistoryEntry {
  Datom asserted;
  TxId retracted;
};
[[nodiscard]] Result<HistoryEntry> decode_history(IndexOrder order, std::string_view key,
                                                  std::string_view value,
                                                  const LargeValueSource* values = nullptr);

// Log entries.
[[nodiscard]] std::string log_key(TxId tx, std::uint64_t seq);
[[nodiscard]] Result<std::string> log_value(const Datom& d);
[[nodiscard]] Result<Datom> decode_log(std::string_view key, std::string_view value,
                                       const LargeValueSource* values = nullptr);

}  // namespace quarry::keys
