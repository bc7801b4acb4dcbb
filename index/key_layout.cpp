#include "index/key_layout.hpp"

#include "codec/value_codec.hpp"

namespace quarry::keys {
namespace {

std::unexpected<Error> corrupt(std::string_view space, std::string_view why) {
  return fail(ErrorCode::StorageCorruption,
              "undecodable " + std::string(space) + " entry: " + std::string(why));
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

// Reads the E, A, V parts in `order` from the front of `in`.
bool take_eav(IndexOrder order, std::string_view& in, Datom& d, Error& err) {
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
  auto value = [&] { return take(codec::decode_value(in), d.v, err); };
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
          std::string(kMeta)};
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

void append_entity(std::string& out, EntityId e) { codec::append_uint(out, e.value); }
void append_attr(std::string& out, AttrId a) { codec::append_uint(out, a.value - kSystemBase); }
void append_tx(std::string& out, TxId t) { codec::append_uint(out, t.value); }
void append_tx_fixed(std::string& out, TxId t) { codec::append_uint_fixed(out, t.value); }

Result<void> append_datom_key(std::string& out, IndexOrder order, EntityId e, AttrId a, const Value& v) {
  switch (order) {
    case IndexOrder::Eavt:
      append_entity(out, e);
      append_attr(out, a);
      return codec::append_value(out, v);
    case IndexOrder::Aevt:
      append_attr(out, a);
      append_entity(out, e);
      return codec::append_value(out, v);
    case IndexOrder::Avet: {
      append_attr(out, a);
      if (auto r = codec::append_value(out, v); !r) return r;
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

Result<Datom> decode_datom_key(IndexOrder order, std::string_view key) {
  Datom d;
  Error err;
  if (!take_eav(order, key, d, err)) return corrupt(current_space(order), err.message);
  if (!key.empty()) return corrupt(current_space(order), "trailing key bytes");
  return d;
}

Result<Datom> decode_current(IndexOrder order, std::string_view key, std::string_view value) {
  Datom d;
  Error err;
  if (!take_eav(order, key, d, err)) return corrupt(current_space(order), err.message);
  if (!key.empty()) return corrupt(current_space(order), "trailing key bytes");
  std::uint64_t tx;
  if (!take(codec::decode_uint(value), tx, err) || !value.empty())
    return corrupt(current_space(order), "bad tx value");
  d.tx = TxId{tx};
  return d;
}

Result<HistoryEntry> decode_history(IndexOrder order, std::string_view key, std::string_view value) {
  HistoryEntry h;
  Error err;
  if (!take_eav(order, key, h.asserted, err)) return corrupt(history_space(order), err.message);
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
  if (auto r = codec::append_value(out, d.v); !r) return std::unexpected(r.error());
  out.push_back(d.added ? '\x01' : '\x00');
  return out;
}

Result<Datom> decode_log(std::string_view key, std::string_view value) {
  Datom d;
  Error err;
  std::uint64_t tx, seq;
  if (!take(codec::decode_uint_fixed(key), tx, err) || !take(codec::decode_uint(key), seq, err) ||
      !key.empty())
    return corrupt(kLog, "bad key");
  d.tx = TxId{tx};
  if (!take_eav(IndexOrder::Eavt, value, d, err)) return corrupt(kLog, err.message);
  if (value.size() != 1 || (value[0] != '\x00' && value[0] != '\x01')) return corrupt(kLog, "bad op byte");
  d.added = value[0] == '\x01';
  return d;
}

}  // namespace quarry::keys
