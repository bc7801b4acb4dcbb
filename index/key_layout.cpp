#include "index/key_layout.hpp"

#include "codec/value_codec.hpp"

namespace quarry::keys {
namespace {

constexpr unsigned char kLargeMarker = 0xFF;

// The longest prefix of s no longer than n bytes that does not split a UTF-8 sequence.
std::string utf8_prefix(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

// A value of v's kind that v starts with, holding at most about `budget` bytes (see the header).
Value stub_of(const Value& v, std::size_t budget) {
  switch (v.kind()) {
    case ValueKind::String: return Value(utf8_prefix(v.as<std::string>(), budget));
    case ValueKind::Bytes: return Value(Bytes{v.as<Bytes>().data.substr(0, budget)});
    case ValueKind::Keyword:
    case ValueKind::Symbol: {
      const bool kw = v.kind() == ValueKind::Keyword;
      const std::string& ns = kw ? v.as<Keyword>().ns : v.as<Symbol>().ns;
      const std::string& name = kw ? v.as<Keyword>().name : v.as<Symbol>().name;
      std::string sns = utf8_prefix(ns, budget);
      std::string sname = ns.size() > budget ? std::string() : utf8_prefix(name, budget - ns.size());
      return kw ? Value(Keyword{std::move(sns), std::move(sname)}) : Value(Symbol{std::move(sns), std::move(sname)});
    }
    case ValueKind::Vector: {
      Vector out;
      std::size_t used = 0;
      for (const Value& item : v.as<Vector>().items) {
        std::string enc;
        if (item.is_nil()) enc.push_back('\x01');
        else if (!codec::append_value(enc, item)) return Value(std::move(out));
        if (used + enc.size() <= budget) {
          out.items.push_back(item);
          used += enc.size();
          continue;
        }
        if (budget - used > 8) out.items.push_back(stub_of(item, budget - used - 8));
        break;
      }
      return Value(std::move(out));
    }
    default: return v;  // fixed-size kinds are never large
  }
}

std::unexpected<Error> corrupt(std::string_view space, std::string_view why) {
  return fail(ErrorCode::StorageCorruption,
              "undecodable " + std::string(space) + " entry: " + std::string(why));
}

// A failed take_eav: bad bytes are corruption of `space`; anything else (an I/O error reading a
// large value) passes through unchanged.
std::unexpected<Error> decode_failure(std::string_view space, Error err) {
  if (err.code == ErrorCode::CodecInvalid || err.code == ErrorCode::StorageCorruption)
    return corrupt(space, err.message);
  return std::unexpected(std::move(err));
}

template <class T>
bool take(Result<T> r, T& out, Error& err) {
  if (!r) {
    err = std::move(r.error());
    return false;
  }
  out = std::move(*r);
  return true;
}

// Reads a V component (append_value_component) from the front of `in`.
bool take_value(std::string_view& in, Value& out, const LargeValueSource* values, Error& err) {
  if (auto r = codec::decode_value_into(in, out); !r) {
    err = std::move(r.error());
    return false;
  }
  if (in.empty() || static_cast<unsigned char>(in.front()) != kLargeMarker) return true;
  in.remove_prefix(1);
  std::uint64_t hash;
  if (!take(codec::decode_uint_fixed(in), hash, err)) return false;
  if (!values) {
    err = Error{ErrorCode::Internal, "a large value was read without access to the values space"};
    return false;
  }
  std::string full;
  if (!take(values->encoding(hash), full, err)) return false;
  std::string_view rest = full;
  if (!take(codec::decode_value(rest), out, err)) return false;
  if (!rest.empty()) {
    err = Error{ErrorCode::StorageCorruption, "trailing bytes after a large value"};
    return false;
  }
  return true;
}

// Reads the E, A, V parts in `order` from the front of `in`.
bool take_eav(IndexOrder order, std::string_view& in, Datom& d, Error& err,
              const LargeValueSource* values) {
  auto entity = [&] {
    std::uint64_t n;
    if (!take(codec::decode_uint(in), n, err)) return false;
    d.e = EntityId{n};
    return true;
  };
  auto attr = [&] {
    std::uint64_t n;
    if (!take(codec::decode_uint(in), n, err)) return false;
    d.a = AttrId{n + kSystemBase};
    return true;
  };
  auto value = [&] { return take_value(in, d.v, values, err); };
  auto ref = [&] {
    std::uint64_t n;
    if (!take(codec::decode_uint(in), n, err)) return false;
    d.v = Value(EntityId{n});
    return true;
  };
  switch (order) {
    case IndexOrder::Eavt: return entity() && attr() && value();
    case IndexOrder::Aevt: return attr() && entity() && value();
    case IndexOrder::Avet: return attr() && value() && entity();
    case IndexOrder::Vaet: return ref() && attr() && entity();
  }
  return false;
}

}  // namespace

std::vector<std::string> all_spaces() {
  return {std::string(kEavt),         std::string(kAevt),         std::string(kAvet),
          std::string(kVaet),         std::string(kHistoryEavt),  std::string(kHistoryAevt),
          std::string(kHistoryAvet),  std::string(kHistoryVaet),  std::string(kLog),
          std::string(kMeta),         std::string(kValues)};
}

std::string stats_key(AttrId a) {
  std::string out(kMetaStatsPrefix);
  codec::append_uint_fixed(out, a.value);
  return out;
}

std::optional<std::string> prefix_successor(std::string_view prefix) {
  std::string out(prefix);
  while (!out.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(out.back());
    if (last != 0xFF) {
      ++last;
      return out;
    }
    out.pop_back();
  }
  return std::nullopt;
}

std::string_view current_space(IndexOrder order) noexcept {
  switch (order) {
    case IndexOrder::Eavt: return kEavt;
    case IndexOrder::Aevt: return kAevt;
    case IndexOrder::Avet: return kAvet;
    case IndexOrder::Vaet: return kVaet;
  }
  return kEavt;
}

std::string_view history_space(IndexOrder order) noexcept {
  switch (order) {
    case IndexOrder::Eavt: return kHistoryEavt;
    case IndexOrder::Aevt: return kHistoryAevt;
    case IndexOrder::Avet: return kHistoryAvet;
    case IndexOrder::Vaet: return kHistoryVaet;
  }
  return kHistoryEavt;
}

void append_compact(std::string& out, std::uint64_t n) {
  const std::size_t size = out.size();
  out.resize_and_overwrite(size + 9, [&](char* p, std::size_t) { return size + put_compact(p + size, n); });
}
void append_entity(std::string& out, EntityId e) { append_compact(out, e.value); }
void append_attr(std::string& out, AttrId a) { append_compact(out, attr_offset(a)); }
void append_tx(std::string& out, TxId t) { append_compact(out, t.value); }
void append_tx_fixed(std::string& out, TxId t) { codec::append_uint_fixed(out, t.value); }

std::uint64_t value_hash(std::string_view encoding) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64
  for (unsigned char c : encoding) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 33;  // murmur3's fmix64, so that every input bit reaches every output bit
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

std::string value_key(std::uint64_t hash) {
  std::string out;
  codec::append_uint_fixed(out, hash);
  return out;
}

Result<void> append_value_component(std::string& out, const Value& v, LargeValue* large) {
  const std::size_t start = out.size();
  if (auto r = codec::append_value(out, v); !r) return r;
  if (out.size() - start <= kMaxInlineValueBytes) return {};
  std::string full = out.substr(start);
  out.resize(start);
  if (auto r = codec::append_value(out, stub_of(v, kValueStubBytes)); !r) return r;
  const std::uint64_t hash = value_hash(full);
  out.push_back(static_cast<char>(kLargeMarker));
  codec::append_uint_fixed(out, hash);
  if (large) *large = LargeValue{hash, std::move(full)};
  return {};
}

Result<void> append_datom_key(std::string& out, IndexOrder order, EntityId e, AttrId a, const Value& v) {
  switch (order) {
    case IndexOrder::Eavt:
      append_entity(out, e);
      append_attr(out, a);
      return append_value_component(out, v);
    case IndexOrder::Aevt:
      append_attr(out, a);
      append_entity(out, e);
      return append_value_component(out, v);
    case IndexOrder::Avet: {
      append_attr(out, a);
      if (auto r = append_value_component(out, v); !r) return r;
      append_entity(out, e);
      return {};
    }
    case IndexOrder::Vaet:
      if (!v.is<EntityId>()) return fail(ErrorCode::InvalidArgument, "VAET holds ref values only");
      append_entity(out, v.as<EntityId>());
      append_attr(out, a);
      append_entity(out, e);
      return {};
  }
  return {};
}

namespace {

// Advances `in` past a compact id; false on bad framing.
bool skip_uint(std::string_view& in) {
  if (in.empty()) return false;
  const auto len = static_cast<std::uint8_t>(in.front());
  if (len > 8 || in.size() < 1u + len) return false;
  in.remove_prefix(1u + len);
  return true;
}

// Advances `in` past a V component (append_value_component); false on bad framing.
bool skip_value_component(std::string_view& in) {
  if (const std::size_t n = codec::plain_value_size(in);
      n != 0 && (n == in.size() || static_cast<unsigned char>(in[n]) != kLargeMarker)) {
    in.remove_prefix(n);
    return true;
  }
  if (!codec::skip_value(in)) return false;
  if (in.empty() || static_cast<unsigned char>(in.front()) != kLargeMarker) return true;
  if (in.size() < 9) return false;
  in.remove_prefix(9);
  return true;
}

}  // namespace

namespace {

enum class Split { Ok, BadFrame, Trailing };

Split split_key(IndexOrder order, std::string_view key, DatomKeyParts& parts) noexcept {
  std::string_view in = key;
  auto take = [&](std::string_view& part, bool value) {
    const char* start = in.data();
    if (!(value ? skip_value_component(in) : skip_uint(in))) return false;
    part = std::string_view(start, static_cast<std::size_t>(in.data() - start));
    return true;
  };
  bool ok = false;
  switch (order) {
    case IndexOrder::Eavt: ok = take(parts.e, false) && take(parts.a, false) && take(parts.v, true); break;
    case IndexOrder::Aevt: ok = take(parts.a, false) && take(parts.e, false) && take(parts.v, true); break;
    case IndexOrder::Avet: ok = take(parts.a, false) && take(parts.v, true) && take(parts.e, false); break;
    case IndexOrder::Vaet: ok = take(parts.v, false) && take(parts.a, false) && take(parts.e, false); break;
  }
  if (!ok) return Split::BadFrame;
  return in.empty() ? Split::Ok : Split::Trailing;
}

}  // namespace

bool split_datom_key(IndexOrder order, std::string_view key, DatomKeyParts& parts) noexcept {
  return split_key(order, key, parts) == Split::Ok;
}

std::size_t value_component_end(std::string_view key, std::size_t at) noexcept {
  if (at >= key.size()) return 0;
  std::string_view in(key.data() + at, key.size() - at);
  return skip_value_component(in) ? key.size() - in.size() : 0;
}

Result<DatomKeyParts> split_datom_key(IndexOrder order, std::string_view key) {
  DatomKeyParts parts;
  switch (split_key(order, key, parts)) {
    case Split::Ok: return parts;
    case Split::BadFrame: return corrupt(current_space(order), "key does not frame as e, a, v");
    case Split::Trailing: break;
  }
  return corrupt(current_space(order), "trailing key bytes");
}


Result<Value> value_of(IndexOrder order, std::string_view encoded_v, const LargeValueSource* values) {
  Value out;
  if (auto r = value_into(order, encoded_v, out, values); !r) return std::unexpected(std::move(r.error()));
  return out;
}

Result<void> value_into(IndexOrder order, std::string_view encoded_v, Value& out, const LargeValueSource* values) {
  if (order == IndexOrder::Vaet) {
    out = Value(entity_of(encoded_v));
    return {};
  }
  std::string_view in = encoded_v;
  // The common case first, without the large-value and error handling of take_value.
  if (auto r = codec::decode_value_into(in, out); r && in.empty()) return {};
  in = encoded_v;
  Error err;
  if (!take_value(in, out, values, err)) return decode_failure(current_space(order), std::move(err));
  if (!in.empty()) return corrupt(current_space(order), "trailing value bytes");
  return {};
}

Result<Datom> decode_datom_key(IndexOrder order, std::string_view key, const LargeValueSource* values) {
  Datom d;
  Error err;
  if (!take_eav(order, key, d, err, values)) return decode_failure(current_space(order), std::move(err));
  if (!key.empty()) return corrupt(current_space(order), "trailing key bytes");
  return d;
}

Result<Datom> decode_current(IndexOrder order, std::string_view key, std::string_view value,
                             const LargeValueSource* values) {
  Datom d;
  Error err;
  if (!take_eav(order, key, d, err, values)) return decode_failure(current_space(order), std::move(err));
  if (!key.empty()) return corrupt(current_space(order), "trailing key bytes");
  std::uint64_t tx;
  if (!take(codec::decode_uint(value), tx, err) || !value.empty())
    return corrupt(current_space(order), "bad tx value");
  d.tx = TxId{tx};
  return d;
}

Result<HistoryEntry> decode_history(IndexOrder order, std::string_view key, std::string_view value,
                                    const LargeValueSource* values) {
  HistoryEntry h;
  Error err;
  if (!take_eav(order, key, h.asserted, err, values)) return decode_failure(history_space(order), std::move(err));
  std::uint64_t asserted, retracted;
  if (!take(codec::decode_uint_fixed(key), asserted, err) || !key.empty())
    return corrupt(history_space(order), "bad asserting tx");
  if (!take(codec::decode_uint_fixed(value), retracted, err) || !value.empty())
    return corrupt(history_space(order), "bad retracting tx");
  h.asserted.tx = TxId{asserted};
  h.retracted = TxId{retracted};
  return h;
}

std::string log_key(TxId tx, std::uint64_t seq) {
  std::string out;
  append_tx_fixed(out, tx);
  codec::append_uint(out, seq);
  return out;
}

Result<std::string> log_value(const Datom& d) {
  std::string out;
  append_entity(out, d.e);
  append_attr(out, d.a);
  if (auto r = append_value_component(out, d.v); !r) return std::unexpected(r.error());
  out.push_back(d.added ? '\x01' : '\x00');
  return out;
}

Result<Datom> decode_log(std::string_view key, std::string_view value, const LargeValueSource* values) {
  Datom d;
  Error err;
  std::uint64_t tx, seq;
  if (!take(codec::decode_uint_fixed(key), tx, err) || !take(codec::decode_uint(key), seq, err) ||
      !key.empty())
    return corrupt(kLog, "bad key");
  d.tx = TxId{tx};
  if (!take_eav(IndexOrder::Eavt, value, d, err, values)) return decode_failure(kLog, std::move(err));
  if (value.size() != 1 || (value[0] != '\x00' && value[0] != '\x01')) return corrupt(kLog, "bad op byte");
  d.added = value[0] == '\x01';
  return d;
}

}  // namespace quarry::keys
