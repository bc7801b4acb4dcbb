// Order-preserving binary encoding of values and of the integer ids in index keys.
//
// Guarantees, for all storable values a and b (Value::is_storable):
//   - memcmp order of encode(a) and encode(b) equals compare(a, b)  (order preserved);
//   - encode(a) is never a proper prefix of encode(b)               (prefix-free, so keys can be
//     concatenated and a value can be followed by more key parts);
//   - decode(encode(a)) == a                                         (round trip).
//
// The byte layout is persisted in every index key: it is documented in doc/format.md and the
// tag values below must never be renumbered.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "codec/error.hpp"
#include "codec/ids.hpp"
#include "codec/value.hpp"

namespace quarry::codec {

// Leading byte of every encoded value. On disk: do not renumber. The numeric order of the tags
// is the cross-kind order of values. 0x00 is reserved: it ends a tuple and cannot start a value.
enum class Tag : std::uint8_t {
  TupleEnd = 0x00,
  Nil = 0x01,  // only inside tuples
  False = 0x02,
  True = 0x03,
  Number = 0x10,  // long or double: 8-byte order key of floor(x), then a trailer (see .cpp)
  Instant = 0x20,
  Uuid = 0x28,
  String = 0x30,
  Keyword = 0x38,
  Symbol = 0x40,
  Ref = 0x48,
  Bytes = 0x50,
  Tuple = 0x60,
};

// Appends the encoding of v. Fails with CodecUnstorable for kinds a datom cannot hold
// (top-level nil, bigint, bigdec, char, list, map, set, tagged); `out` is then unchanged.
[[nodiscard]] Result<void> append_value(std::string& out, const Value& v);

// Encodes one value. Same errors as append_value.
[[nodiscard]] Result<std::string> encode_value(const Value& v);

// Decodes the value at the front of `in` and advances `in` past it. CodecInvalid on bytes that are
// not a canonical encoding; `in` is then unspecified.
[[nodiscard]] Result<Value> decode_value(std::string_view& in);

// The same, into `out` (whatever it held before is replaced; on error it is unspecified but
// valid). Longs, doubles, refs, instants, booleans and strings without NUL bytes are decoded in
// place without an intermediate Result<Value>: this is the per-datom decode of index scans.
[[nodiscard]] Result<void> decode_value_into(std::string_view& in, Value& out);

// Advances `in` past the encoded value at its front without building it (no allocation): how
// index keys are split into components. Checks the framing (tags, lengths, terminators, tuple
// nesting), not the payload, so decode_value may still reject what this accepts. CodecInvalid on
// bad framing; `in` is then unspecified.
[[nodiscard]] Result<void> skip_value(std::string_view& in);
// The length skip_value would advance over for the common framings — a number, instant, uuid,
// ref or boolean, or a string, bytes, keyword or symbol without escapes — and 0 for anything else
// (tuples, escaped text, bad framing): then skip_value decides. Builds no error: the per-key fast
// path of key splitting.
[[nodiscard]] std::size_t plain_value_size(std::string_view in) noexcept;

// Compact order-preserving unsigned integer: a length byte (0–8) then that many big-endian bytes
// with no leading zero byte. 0 is the single byte 0x00; ids below 256 take two bytes.
void append_uint(std::string& out, std::uint64_t n);
[[nodiscard]] Result<std::uint64_t> decode_uint(std::string_view& in);

// Fixed 8-byte big-endian form, for places where a fixed width is wanted (e.g. tx in history keys).
void append_uint_fixed(std::string& out, std::uint64_t n);
[[nodiscard]] Result<std::uint64_t> decode_uint_fixed(std::string_view& in);

// Builds a composite key part by part. Ids use the compact form.
class KeyBuilder {
 public:
  KeyBuilder& entity(EntityId e) { append_uint(buf_, e.value); return *this; }
  KeyBuilder& attr(AttrId a) { append_uint(buf_, a.value); return *this; }
  KeyBuilder& tx(TxId t) { append_uint(buf_, t.value); return *this; }
  [[nodiscard]] Result<void> value(const Value& v) { return append_value(buf_, v); }
  [[nodiscard]] std::string_view view() const noexcept { return buf_; }
  [[nodiscard]] std::string take() && { return std::move(buf_); }
  void clear() noexcept { buf_.clear(); }

 private:
  std::string buf_;
};

// Reads a composite key part by part; each call consumes its part. Borrowed: the key bytes must
// outlive the reader.
class KeyReader {
 public:
  explicit KeyReader(std::string_view key) : rest_(key) {}
  [[nodiscard]] Result<EntityId> entity() { return id<EntityId>(); }
  [[nodiscard]] Result<AttrId> attr() { return id<AttrId>(); }
  [[nodiscard]] Result<TxId> tx() { return id<TxId>(); }
  [[nodiscard]] Result<Value> value() { return decode_value(rest_); }
  [[nodiscard]] bool done() const noexcept { return rest_.empty(); }
  [[nodiscard]] std::string_view rest() const noexcept { return rest_; }

 private:
  template <class Id>
  Result<Id> id() {
    auto n = decode_uint(rest_);
    if (!n) return std::unexpected(n.error());
    return Id{*n};
  }
  std::string_view rest_;
};

}  // namespace quarry::codec
