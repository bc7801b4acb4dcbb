#include "codec/value_codec.hpp"

#include <array>
#include <bit>
#include <cmath>
#include <cstring>

#include "codec/kept_keywords.hpp"
#include "codec/number_order.hpp"

namespace quarry::codec {
namespace {

// Number trailer, after the 8-byte order key of floor(x) (see codec/number_order.hpp):
//   0x00            a long equal to floor
//   0x01            a double
//   0x02 r1 r0      a long equal to floor + r, 0 < r < 2048 (big-endian r)
// At equal floors this sorts long < double < long-with-remainder, which is the (remainder, kind)
// order of compare().
constexpr std::uint8_t kLongExact = 0x00;
constexpr std::uint8_t kDouble = 0x01;
constexpr std::uint8_t kLongRemainder = 0x02;

// Escaped byte strings: 0x00 is written 0x00 0xFF, and the string ends with 0x00 0x01. The
// terminator sorts below every escaped byte, so a string sorts before its extensions.
constexpr std::uint8_t kEscape = 0x00;
constexpr std::uint8_t kEscapedZero = 0xFF;
constexpr std::uint8_t kTerminator = 0x01;

void put_byte(std::string& out, std::uint8_t b) { out.push_back(static_cast<char>(b)); }

void put_be64(std::string& out, std::uint64_t n) {
  for (int shift = 56; shift >= 0; shift -= 8) put_byte(out, static_cast<std::uint8_t>(n >> shift));
}

void put_escaped(std::string& out, std::string_view s) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\0') {
      out.append(s.substr(start, i - start));
      put_byte(out, kEscape);
      put_byte(out, kEscapedZero);
      start = i + 1;
    }
  }
  out.append(s.substr(start));
  put_byte(out, kEscape);
  put_byte(out, kTerminator);
}

std::unexpected<Error> invalid(std::string_view what) {
  return fail(ErrorCode::CodecInvalid, "invalid value encoding: " + std::string(what));
}

Result<std::uint8_t> take_byte(std::string_view& in) {
  if (in.empty()) return invalid("truncated");
  auto b = static_cast<std::uint8_t>(in.front());
  in.remove_prefix(1);
  return b;
}

Result<std::uint64_t> take_be64(std::string_view& in) {
  if (in.size() < 8) return invalid("truncated 8-byte field");
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n = (n << 8) | static_cast<std::uint8_t>(in[i]);
  in.remove_prefix(8);
  return n;
}

Result<std::string> take_escaped(std::string_view& in) {
  std::string out;
  while (true) {
    auto zero = in.find('\0');
    if (zero == std::string_view::npos || zero + 1 >= in.size()) return invalid("unterminated string");
    out.append(in.substr(0, zero));
    auto next = static_cast<std::uint8_t>(in[zero + 1]);
    in.remove_prefix(zero + 2);
    if (next == kTerminator) return out;
    if (next != kEscapedZero) return invalid("bad escape in string");
    out.push_back('\0');
  }
}

void put_number(std::string& out, const Value& v) {
  put_byte(out, static_cast<std::uint8_t>(Tag::Number));
  if (auto d = v.get_if<double>()) {
    put_be64(out, number_order::double_key(*d));
    put_byte(out, kDouble);
    return;
  }
  auto split = number_order::split_long(v.as<std::int64_t>());
  put_be64(out, number_order::double_key(split.floor));
  if (split.remainder == 0) {
    put_byte(out, kLongExact);
  } else {
    put_byte(out, kLongRemainder);
    put_byte(out, static_cast<std::uint8_t>(split.remainder >> 8));
    put_byte(out, static_cast<std::uint8_t>(split.remainder));
  }
}

// A long's floor must be an integral double inside the int64 range.
bool long_floor_ok(double floor) {
  return std::isfinite(floor) && std::trunc(floor) == floor && floor >= -0x1p63 && floor < 0x1p63 &&
         !(floor == 0 && std::signbit(floor));
}

Result<Value> take_number(std::string_view& in) {
  auto key = take_be64(in);
  if (!key) return std::unexpected(key.error());
  double floor = number_order::double_from_key(*key);
  auto trailer = take_byte(in);
  if (!trailer) return std::unexpected(trailer.error());
  if (*trailer == kDouble) {
    if (std::isnan(floor) && number_order::double_key(floor) != *key) return invalid("non-canonical NaN");
    return Value(floor);
  }
  if (!long_floor_ok(floor)) return invalid("long with a non-integral floor");
  // Fast path: a long within +-2^53 is its own floor (remainder 0), so any such integral floor
  // with trailer kLongExact is canonical; no 128-bit round trip needed.
  if (*trailer == kLongExact && std::fabs(floor) <= 0x1p53) return Value(static_cast<std::int64_t>(floor));
  std::uint16_t remainder = 0;
  if (*trailer == kLongRemainder) {
    if (in.size() < 2) return invalid("truncated long remainder");
    remainder = static_cast<std::uint16_t>((static_cast<std::uint8_t>(in[0]) << 8) | static_cast<std::uint8_t>(in[1]));
    in.remove_prefix(2);
  } else if (*trailer != kLongExact) {
    return invalid("unknown number trailer");
  }
  std::int64_t n = number_order::join_long(floor, remainder);
  auto check = number_order::split_long(n);
  if (check.floor != floor || check.remainder != remainder) return invalid("non-canonical long");
  return Value(n);
}

Result<void> put_value(std::string& out, const Value& v, bool in_tuple) {
  switch (v.kind()) {
    case ValueKind::Nil:
      if (!in_tuple) break;
      put_byte(out, static_cast<std::uint8_t>(Tag::Nil));
      return {};
    case ValueKind::Boolean:
      put_byte(out, static_cast<std::uint8_t>(v.as<bool>() ? Tag::True : Tag::False));
      return {};
    case ValueKind::Long:
    case ValueKind::Double:
      put_number(out, v);
      return {};
    case ValueKind::Instant:
      put_byte(out, static_cast<std::uint8_t>(Tag::Instant));
      put_be64(out, static_cast<std::uint64_t>(v.as<Instant>().millis) ^ 0x8000000000000000ULL);
      return {};
    case ValueKind::Uuid:
      put_byte(out, static_cast<std::uint8_t>(Tag::Uuid));
      out.append(reinterpret_cast<const char*>(v.as<Uuid>().bytes.data()), 16);
      return {};
    case ValueKind::String:
      put_byte(out, static_cast<std::uint8_t>(Tag::String));
      put_escaped(out, v.as<std::string>());
      return {};
    case ValueKind::Keyword:
      put_byte(out, static_cast<std::uint8_t>(Tag::Keyword));
      put_escaped(out, v.as<Keyword>().ns);
      put_escaped(out, v.as<Keyword>().name);
      return {};
    case ValueKind::Symbol:
      put_byte(out, static_cast<std::uint8_t>(Tag::Symbol));
      put_escaped(out, v.as<Symbol>().ns);
      put_escaped(out, v.as<Symbol>().name);
      return {};
    case ValueKind::Ref:
      put_byte(out, static_cast<std::uint8_t>(Tag::Ref));
      append_uint(out, v.as<EntityId>().value);
      return {};
    case ValueKind::Bytes:
      put_byte(out, static_cast<std::uint8_t>(Tag::Bytes));
      put_escaped(out, v.as<Bytes>().data);
      return {};
    case ValueKind::Vector:
      put_byte(out, static_cast<std::uint8_t>(Tag::Tuple));
      for (const Value& item : v.as<Vector>().items)
        if (auto r = put_value(out, item, true); !r) return r;
      put_byte(out, static_cast<std::uint8_t>(Tag::TupleEnd));
      return {};
    default:
      break;
  }
  return fail(ErrorCode::CodecUnstorable, "a datom value cannot be of this kind (kind " +
                                              std::to_string(static_cast<int>(v.kind())) + ")");
}

Result<Value> take_value(std::string_view& in, int depth, bool in_tuple);

Result<Value> take_tuple(std::string_view& in, int depth) {
  if (depth > 64) return invalid("tuple nesting too deep");
  Vector tuple;
  while (true) {
    if (in.empty()) return invalid("unterminated tuple");
    if (static_cast<std::uint8_t>(in.front()) == static_cast<std::uint8_t>(Tag::TupleEnd)) {
      in.remove_prefix(1);
      return Value(std::move(tuple));
    }
    auto item = take_value(in, depth + 1, true);
    if (!item) return item;
    tuple.items.push_back(std::move(*item));
  }
}

Result<Value> take_named(std::string_view& in, bool keyword) {
  auto ns = take_escaped(in);
  if (!ns) return std::unexpected(ns.error());
  auto name = take_escaped(in);
  if (!name) return std::unexpected(name.error());
  if (keyword) return Value(Keyword{std::move(*ns), std::move(*name)});
  return Value(Symbol{std::move(*ns), std::move(*name)});
}

Result<Value> take_value(std::string_view& in, int depth, bool in_tuple) {
  auto tag = take_byte(in);
  if (!tag) return std::unexpected(tag.error());
  switch (static_cast<Tag>(*tag)) {
    case Tag::Nil:
      if (!in_tuple) return invalid("nil outside a tuple");
      return Value();
    case Tag::False: return Value(false);
    case Tag::True: return Value(true);
    case Tag::Number: return take_number(in);
    case Tag::Instant: {
      auto bits = take_be64(in);
      if (!bits) return std::unexpected(bits.error());
      return Value(Instant{static_cast<std::int64_t>(*bits ^ 0x8000000000000000ULL)});
    }
    case Tag::Uuid: {
      if (in.size() < 16) return invalid("truncated uuid");
      Uuid u;
      std::memcpy(u.bytes.data(), in.data(), 16);
      in.remove_prefix(16);
      return Value(u);
    }
    case Tag::String: {
      auto s = take_escaped(in);
      if (!s) return std::unexpected(s.error());
      return Value(std::move(*s));
    }
    case Tag::Keyword: return take_named(in, true);
    case Tag::Symbol: return take_named(in, false);
    case Tag::Ref: {
      auto n = decode_uint(in);
      if (!n) return std::unexpected(n.error());
      return Value(EntityId{*n});
    }
    case Tag::Bytes: {
      auto s = take_escaped(in);
      if (!s) return std::unexpected(s.error());
      return Value(Bytes{std::move(*s)});
    }
    case Tag::Tuple: return take_tuple(in, depth);
    case Tag::TupleEnd: break;
  }
  return invalid("unknown tag " + std::to_string(*tag));
}

// The end of the escaped string at in[at...] when it has no escapes (its first 0x00 is its
// terminator's), else 0.
std::size_t unescaped_end(std::string_view in, std::size_t at) noexcept {
  if (at >= in.size()) return 0;
  const void* zero = std::memchr(in.data() + at, 0, in.size() - at);
  if (!zero) return 0;
  const auto end = static_cast<std::size_t>(static_cast<const char*>(zero) - in.data());
  if (end + 1 >= in.size() || static_cast<std::uint8_t>(in[end + 1]) != kTerminator) return 0;
  return end + 2;
}

// The keyword ns/name, whose encoding is `encoding`: one of the last few this thread decoded,
// found by that encoding, or else the kept one (kept_keywords.hpp, which builds "ns/name" and
// hashes it). An attribute of a few keyword values read in entity order (:sex, :male and
// :female at random) changes value at every other datom, and each change took that lookup.
const Value& recent_keyword(std::string_view encoding, std::string_view ns, std::string_view name) {
  struct Recent {
    std::string encoding;
    Value keyword;
  };
  thread_local std::array<Recent, 4> recent;
  thread_local std::size_t next = 0;
  for (const Recent& r : recent)
    if (r.encoding == encoding) return r.keyword;
  Recent& slot = recent[next++ % recent.size()];
  slot.keyword = kept_keywords::shared(ns, name);
  slot.encoding.assign(encoding);
  return slot.keyword;
}

}  // namespace

std::size_t plain_value_size(std::string_view in) noexcept {
  if (in.empty()) return 0;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  switch (static_cast<Tag>(p[0])) {
    case Tag::False:
    case Tag::True: return 1;
    case Tag::Number: {
      if (in.size() < 10) return 0;
      const std::size_t size = p[9] == kLongRemainder ? 12 : 10;
      return in.size() < size ? 0 : size;
    }
    case Tag::Instant: return in.size() < 9 ? 0 : 9;
    case Tag::Ref: {
      if (in.size() < 2 || p[1] > 8) return 0;
      const std::size_t size = 2u + p[1];
      return in.size() < size ? 0 : size;
    }
    case Tag::Uuid: return in.size() < 17 ? 0 : 17;
    case Tag::String:
    case Tag::Bytes: return unescaped_end(in, 1);  // 0 for an escape, or bad framing
    case Tag::Keyword:
    case Tag::Symbol: {  // namespace, then name
      const std::size_t ns_end = unescaped_end(in, 1);
      return ns_end == 0 ? 0 : unescaped_end(in, ns_end);
    }
    default: return 0;
  }
}

Result<void> skip_value(std::string_view& in) {
  int depth = 0;  // open tuples
  do {
    if (in.empty()) return invalid(depth > 0 ? "unterminated tuple" : "truncated");
    const auto tag = static_cast<Tag>(static_cast<std::uint8_t>(in.front()));
    in.remove_prefix(1);
    std::size_t fixed = 0;
    switch (tag) {
      case Tag::TupleEnd:
        if (depth == 0) return invalid("unknown tag 0");
        --depth;
        continue;
      case Tag::Nil:
        if (depth == 0) return invalid("nil outside a tuple");
        continue;
      case Tag::False:
      case Tag::True: continue;
      case Tag::Number: {
        if (in.size() < 9) return invalid("truncated number");
        const auto trailer = static_cast<std::uint8_t>(in[8]);
        fixed = trailer == kLongRemainder ? 11 : 9;
        break;
      }
      case Tag::Instant: fixed = 8; break;
      case Tag::Uuid: fixed = 16; break;
      case Tag::Ref: {
        if (in.empty() || static_cast<std::uint8_t>(in.front()) > 8) return invalid("bad ref");
        fixed = 1 + static_cast<std::uint8_t>(in.front());
        break;
      }
      case Tag::String:
      case Tag::Bytes:
      case Tag::Keyword:
      case Tag::Symbol: {
        // One escaped string, or two (namespace and name).
        const int strings = tag == Tag::Keyword || tag == Tag::Symbol ? 2 : 1;
        for (int i = 0; i < strings; ++i) {
          while (true) {
            const void* zero = std::memchr(in.data(), 0, in.size());
            if (!zero) return invalid("unterminated string");
            std::size_t at = static_cast<const char*>(zero) - in.data();
            if (at + 1 >= in.size()) return invalid("unterminated string");
            const auto next = static_cast<std::uint8_t>(in[at + 1]);
            in.remove_prefix(at + 2);
            if (next == kTerminator) break;
            if (next != kEscapedZero) return invalid("bad escape in string");
          }
        }
        continue;
      }
      case Tag::Tuple:
        if (++depth > 65) return invalid("tuple nesting too deep");
        continue;
      default: return invalid("unknown tag " + std::to_string(static_cast<int>(tag)));
    }
    if (in.size() < fixed) return invalid("truncated value");
    in.remove_prefix(fixed);
  } while (depth > 0);
  return {};
}

Result<void> append_value(std::string& out, const Value& v) {
  std::size_t mark = out.size();
  auto r = put_value(out, v, false);
  if (!r) out.resize(mark);
  return r;
}

Result<std::string> encode_value(const Value& v) {
  std::string out;
  if (auto r = put_value(out, v, false); !r) return std::unexpected(r.error());
  return out;
}

Result<Value> decode_value(std::string_view& in) { return take_value(in, 0, false); }

Result<void> decode_value_into(std::string_view& in, Value& out) {
  // The common scalar encodings, accepted exactly when take_value accepts them; anything else
  // (and every malformed input) takes the general path below, which reports the error.
  if (!in.empty()) {
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    switch (static_cast<Tag>(p[0])) {
      case Tag::Number: {
        if (in.size() < 10) break;
        std::uint64_t key;
        std::memcpy(&key, p + 1, 8);
        if constexpr (std::endian::native == std::endian::little) key = std::byteswap(key);
        const double floor = number_order::double_from_key(key);
        if (p[9] == kDouble && !std::isnan(floor)) {
          out.assign_leaf(floor);
          in.remove_prefix(10);
          return {};
        }
        // Within +-2^53 the cast is exact, so this is long_floor_ok's test without libm calls.
        if (p[9] == kLongExact && std::fabs(floor) <= 0x1p53 &&
            static_cast<double>(static_cast<std::int64_t>(floor)) == floor && !(floor == 0 && std::signbit(floor))) {
          out.assign_leaf(static_cast<std::int64_t>(floor));
          in.remove_prefix(10);
          return {};
        }
        break;
      }
      case Tag::Ref: {
        if (in.size() < 2) break;
        const std::size_t len = p[1];
        if (len > 8 || in.size() < 2 + len || (len > 0 && p[2] == 0)) break;
        std::uint64_t n = 0;
        for (std::size_t i = 0; i < len; ++i) n = (n << 8) | p[2 + i];
        out.assign_leaf(EntityId{n});
        in.remove_prefix(2 + len);
        return {};
      }
      case Tag::Instant: {
        if (in.size() < 9) break;
        std::uint64_t bits;
        std::memcpy(&bits, p + 1, 8);
        if constexpr (std::endian::native == std::endian::little) bits = std::byteswap(bits);
        out.assign_leaf(Instant{static_cast<std::int64_t>(bits ^ 0x8000000000000000ULL)});
        in.remove_prefix(9);
        return {};
      }
      case Tag::True:
      case Tag::False:
        out.assign_leaf(static_cast<Tag>(p[0]) == Tag::True);
        in.remove_prefix(1);
        return {};
      case Tag::String: {
        const void* zero = std::memchr(in.data() + 1, 0, in.size() - 1);
        if (!zero) break;
        const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(zero) - in.data());
        if (at + 1 >= in.size() || p[at + 1] != kTerminator) break;  // escapes: the general path
        out.assign_string(in.substr(1, at - 1));
        in.remove_prefix(at + 2);
        return {};
      }
      case Tag::Keyword: {  // namespace then name, each without escapes
        const std::string_view rest = in.substr(1);
        const std::size_t ns_end = rest.find('\0');
        if (ns_end == std::string_view::npos || ns_end + 1 >= rest.size() ||
            static_cast<std::uint8_t>(rest[ns_end + 1]) != kTerminator)
          break;
        const std::size_t name_end = rest.find('\0', ns_end + 2);
        if (name_end == std::string_view::npos || name_end + 1 >= rest.size() ||
            static_cast<std::uint8_t>(rest[name_end + 1]) != kTerminator)
          break;
        const std::string_view ns = rest.substr(0, ns_end), name = rest.substr(ns_end + 2, name_end - ns_end - 2);
        // The same keyword as the last one decoded here is kept as it is; another is a recent one.
        const std::size_t size = 1 + name_end + 2;
        if (const auto* k = out.get_if<Keyword>(); !k || k->ns != ns || k->name != name)
          out = recent_keyword(in.substr(0, size), ns, name);
        in.remove_prefix(size);
        return {};
      }
      default: break;
    }
  }
  auto v = take_value(in, 0, false);
  if (!v) return std::unexpected(std::move(v.error()));
  out = std::move(*v);
  return {};
}

void append_uint(std::string& out, std::uint64_t n) {
  int len = 0;
  for (std::uint64_t x = n; x != 0; x >>= 8) ++len;
  char bytes[9];
  bytes[0] = static_cast<char>(len);
  for (int i = 0; i < len; ++i) bytes[1 + i] = static_cast<char>(n >> (8 * (len - 1 - i)));
  out.append(bytes, static_cast<std::size_t>(1 + len));
}

Result<std::uint64_t> decode_uint(std::string_view& in) {
  auto len = take_byte(in);
  if (!len) return std::unexpected(len.error());
  if (*len > 8) return invalid("integer length byte above 8");
  if (in.size() < *len) return invalid("truncated integer");
  if (*len > 0 && in[0] == '\0') return invalid("integer with a leading zero byte");
  std::uint64_t n = 0;
  for (int i = 0; i < *len; ++i) n = (n << 8) | static_cast<std::uint8_t>(in[i]);
  in.remove_prefix(*len);
  return n;
}

void append_uint_fixed(std::string& out, std::uint64_t n) { put_be64(out, n); }

Result<std::uint64_t> decode_uint_fixed(std::string_view& in) { return take_be64(in); }

}  // namespace quarry::codec
