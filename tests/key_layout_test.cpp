// Key layouts of the index, history, log and meta spaces: round trips and order.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <random>

#include "codec/value_codec.hpp"
#include "index/key_layout.hpp"
#include "support/random_values.hpp"

using namespace quarry;

namespace {

constexpr IndexOrder kOrders[] = {IndexOrder::Eavt, IndexOrder::Aevt, IndexOrder::Avet, IndexOrder::Vaet};

std::string key_of(IndexOrder order, const Datom& d) {
  std::string k;
  auto r = keys::append_datom_key(k, order, d.e, d.a, d.v);
  REQUIRE(r.has_value());
  return k;
}

std::string compact_tx(TxId t) {
  std::string s;
  keys::append_tx(s, t);
  return s;
}

std::string fixed_tx(TxId t) {
  std::string s;
  keys::append_tx_fixed(s, t);
  return s;
}

// The order's comparison of two datoms, by value (compare()) rather than bytes.
int datom_order(IndexOrder order, const Datom& x, const Datom& y) {
  auto cmp_id = [](std::uint64_t a, std::uint64_t b) { return a < b ? -1 : a > b ? 1 : 0; };
  int parts[3];
  switch (order) {
    case IndexOrder::Eavt: parts[0] = cmp_id(x.e.value, y.e.value); parts[1] = cmp_id(x.a.value, y.a.value); parts[2] = compare(x.v, y.v); break;
    case IndexOrder::Aevt: parts[0] = cmp_id(x.a.value, y.a.value); parts[1] = cmp_id(x.e.value, y.e.value); parts[2] = compare(x.v, y.v); break;
    case IndexOrder::Avet: parts[0] = cmp_id(x.a.value, y.a.value); parts[1] = compare(x.v, y.v); parts[2] = cmp_id(x.e.value, y.e.value); break;
    case IndexOrder::Vaet: parts[0] = compare(x.v, y.v); parts[1] = cmp_id(x.a.value, y.a.value); parts[2] = cmp_id(x.e.value, y.e.value); break;
  }
  for (int p : parts)
    if (p != 0) return p;
  return 0;
}

int sign(int x) { return (x > 0) - (x < 0); }

struct RandomDatoms {
  explicit RandomDatoms(std::uint64_t seed) : values(seed), rng(seed) {}
  Datom next(bool ref_value) {
    Datom d;
    d.e = EntityId{pick_id()};
    d.a = AttrId{kSystemBase + rng() % 300};
    d.v = ref_value ? Value(EntityId{pick_id()}) : values.storable();
    d.tx = TxId{kTx0 + rng() % 100000};
    return d;
  }
  std::uint64_t pick_id() {
    switch (rng() % 3) {
      case 0: return rng() % 300;
      case 1: return rng() % (std::uint64_t{1} << 40);
      default: return rng();
    }
  }
  testing::RandomValues values;
  std::mt19937_64 rng;
};

}  // namespace

TEST_CASE("the index uses eleven fixed spaces") {
  auto spaces = keys::all_spaces();
  CHECK(spaces == std::vector<std::string>{"eavt", "aevt", "avet", "vaet", "heavt", "haevt", "havet", "hvaet",
                                           "log", "meta", "values"});
  for (IndexOrder o : kOrders) {
    CHECK(std::count(spaces.begin(), spaces.end(), std::string(keys::current_space(o))) == 1);
    CHECK(std::count(spaces.begin(), spaces.end(), std::string(keys::history_space(o))) == 1);
  }
}

TEST_CASE("a low attribute id takes two bytes in a key") {
  std::string k;
  keys::append_attr(k, AttrId{kSystemBase + 9});
  CHECK(k == std::string("\x01\x09", 2));
}

TEST_CASE("current entries round trip in every order") {
  const std::uint64_t seed = 20240611;
  std::printf("key_layout current round trip seed %llu\n", static_cast<unsigned long long>(seed));
  RandomDatoms gen(seed);
  for (int i = 0; i < 3000; ++i) {
    for (IndexOrder order : kOrders) {
      Datom d = gen.next(order == IndexOrder::Vaet);
      std::string key = key_of(order, d);
      auto back = keys::decode_current(order, key, compact_tx(d.tx));
      REQUIRE_MESSAGE(back.has_value(), back.error().message);
      CHECK(*back == d);
      auto bare = keys::decode_datom_key(order, key);
      REQUIRE(bare.has_value());
      CHECK(bare->e == d.e);
      CHECK(bare->v == d.v);
    }
  }
}

TEST_CASE("a key split after its known leading components frames as the whole split does") {
  const std::uint64_t seed = 20261206;
  std::printf("key_layout known-prefix split seed %llu\n", static_cast<unsigned long long>(seed));
  RandomDatoms gen(seed);
  auto check_order = [&](IndexOrder order, const std::string& key) {
    keys::DatomKeyParts whole;
    REQUIRE(keys::split_datom_key(order, key, whole));
    // The ends of the leading components, as a prefix of the key gives them.
    std::array<std::uint32_t, 3> ends{};
    std::string_view parts_in_order[3];
    switch (order) {
      case IndexOrder::Eavt: parts_in_order[0] = whole.e, parts_in_order[1] = whole.a, parts_in_order[2] = whole.v; break;
      case IndexOrder::Aevt: parts_in_order[0] = whole.a, parts_in_order[1] = whole.e, parts_in_order[2] = whole.v; break;
      case IndexOrder::Avet: parts_in_order[0] = whole.a, parts_in_order[1] = whole.v, parts_in_order[2] = whole.e; break;
      case IndexOrder::Vaet: parts_in_order[0] = whole.v, parts_in_order[1] = whole.a, parts_in_order[2] = whole.e; break;
    }
    for (int i = 0; i < 3; ++i)
      ends[static_cast<std::size_t>(i)] =
          static_cast<std::uint32_t>(parts_in_order[i].data() + parts_in_order[i].size() - key.data());
    for (std::size_t known = 0; known <= 3; ++known) {
      keys::DatomKeyParts split;
      REQUIRE(keys::split_datom_key(order, key, known, ends, split));
      CHECK(split.e == whole.e);
      CHECK(split.a == whole.a);
      CHECK(split.v == whole.v);
      CHECK(split.e.data() == whole.e.data());
      // Bytes after the key, or a key cut inside its unknown components, do not frame.
      CHECK(!keys::split_datom_key(order, key + '\x01', known, ends, split));
      if (known < 3) CHECK(!keys::split_datom_key(order, key.substr(0, key.size() - 1), known, ends, split));
    }
  };
  for (int i = 0; i < 2000; ++i)
    for (IndexOrder order : kOrders) {
      const Datom d = gen.next(order == IndexOrder::Vaet);
      check_order(order, key_of(order, d));
    }
  // A large value's stub, marker and hash are one V component.
  for (IndexOrder order : {IndexOrder::Eavt, IndexOrder::Aevt, IndexOrder::Avet}) {
    Datom d{EntityId{9}, AttrId{kSystemBase + 3}, Value(std::string(3000, 'x')), TxId{kTx0 + 1}, true};
    check_order(order, key_of(order, d));
  }
}

TEST_CASE("history entries round trip and sort after their current key") {
  RandomDatoms gen(7);
  for (int i = 0; i < 2000; ++i) {
    for (IndexOrder order : kOrders) {
      Datom d = gen.next(order == IndexOrder::Vaet);
      TxId retracted{d.tx.value + 1 + i};
      std::string key = key_of(order, d) + fixed_tx(d.tx);
      auto back = keys::decode_history(order, key, fixed_tx(retracted));
      REQUIRE(back.has_value());
      CHECK(back->asserted == d);
      CHECK(back->retracted == retracted);
      // Intervals of one datom key sort by their asserting tx.
      CHECK(key_of(order, d) + fixed_tx(TxId{d.tx.value + 1}) > key);
    }
  }
}

TEST_CASE("datom keys sort like the datoms in each order") {
  const std::uint64_t seed = 99;
  std::printf("key_layout order seed %llu\n", static_cast<unsigned long long>(seed));
  RandomDatoms gen(seed);
  for (IndexOrder order : kOrders) {
    for (int i = 0; i < 4000; ++i) {
      Datom x = gen.next(order == IndexOrder::Vaet), y = gen.next(order == IndexOrder::Vaet);
      if (i % 4 == 0) y.e = x.e;
      if (i % 3 == 0) y.a = x.a;
      int by_value = datom_order(order, x, y);
      std::string kx = key_of(order, x), ky = key_of(order, y);
      int by_bytes = kx < ky ? -1 : kx > ky ? 1 : 0;
      CHECK_MESSAGE(sign(by_value) == by_bytes, index_order_name(order));
    }
  }
}

TEST_CASE("log entries round trip, ordered by tx then sequence") {
  RandomDatoms gen(3);
  for (int i = 0; i < 2000; ++i) {
    Datom d = gen.next(false);
    d.added = i % 2 == 0;
    auto value = keys::log_value(d);
    REQUIRE(value.has_value());
    auto back = keys::decode_log(keys::log_key(d.tx, i), *value);
    REQUIRE(back.has_value());
    CHECK(*back == d);
  }
  CHECK(keys::log_key(TxId{kTx0 + 1}, 300) < keys::log_key(TxId{kTx0 + 2}, 0));
  CHECK(keys::log_key(TxId{kTx0 + 1}, 9) < keys::log_key(TxId{kTx0 + 1}, 300));
}

TEST_CASE("corrupt entries are reported, not misread") {
  std::string key;
  REQUIRE(keys::append_datom_key(key, IndexOrder::Eavt, EntityId{1}, AttrId{kSystemBase + 1}, Value(5)).has_value());
  CHECK(keys::decode_current(IndexOrder::Eavt, key + "x", compact_tx(TxId{1})).error().code ==
        ErrorCode::StorageCorruption);
  CHECK(!keys::decode_current(IndexOrder::Eavt, key, "").has_value());
  CHECK(!keys::decode_history(IndexOrder::Eavt, key + "\x01", fixed_tx(TxId{1})).has_value());
  CHECK(!keys::decode_log(keys::log_key(TxId{1}, 0), "\x01\x01").has_value());
}

TEST_CASE("prefix_successor bounds every key with the prefix") {
  CHECK(keys::prefix_successor("ab") == std::optional<std::string>("ac"));
  CHECK(keys::prefix_successor(std::string("a\xff", 2)) == std::optional<std::string>("b"));
  CHECK(keys::prefix_successor(std::string("\xff\xff", 2)) == std::nullopt);
  CHECK(keys::prefix_successor("") == std::nullopt);
  std::string p("k\x7f", 2);
  CHECK(p + std::string(10, '\xff') < *keys::prefix_successor(p));
}

TEST_CASE("stats keys are ordered by attribute") {
  CHECK(keys::stats_key(AttrId{kSystemBase + 1}) < keys::stats_key(AttrId{kSystemBase + 256}));
  CHECK(keys::stats_key(AttrId{1}).starts_with(keys::kMetaStatsPrefix));
}

TEST_CASE("the worked example of doc/format.md holds") {
  auto hex = [](std::string_view bytes) {
    std::string out;
    char buf[4];
    for (unsigned char c : bytes) {
      std::snprintf(buf, sizeof buf, "%02x ", c);
      out += buf;
    }
    if (!out.empty()) out.pop_back();
    return out;
  };
  const EntityId e{42};
  const AttrId a{kSystemBase + 64};
  const TxId t{kTx0 + 1};
  CHECK(hex(key_of(IndexOrder::Eavt, Datom{e, a, "Ann", t})) == "01 2a 01 40 30 41 6e 6e 00 01");
  CHECK(hex(key_of(IndexOrder::Aevt, Datom{e, a, "Ann", t})) == "01 40 01 2a 30 41 6e 6e 00 01");
  CHECK(hex(key_of(IndexOrder::Avet, Datom{e, a, "Ann", t})) == "01 40 30 41 6e 6e 00 01 01 2a");
  CHECK(hex(compact_tx(t)) == "04 20 00 00 01");
  CHECK(hex(keys::log_key(t, 0)) == "00 00 00 00 20 00 00 01 00");
  CHECK(hex(*keys::log_value(Datom{e, a, "Ann", t, true})) == "01 2a 01 40 30 41 6e 6e 00 01 01");
  CHECK(hex(fixed_tx(TxId{kTx0 + 3})) == "00 00 00 00 20 00 00 03");
}

namespace {
// A values space in a map, for decoding large values without a store.
struct MapValues final : keys::LargeValueSource {
  std::map<std::uint64_t, std::string> values;
  Result<std::string> encoding(std::uint64_t hash) const override {
    auto it = values.find(hash);
    if (it == values.end()) return fail(ErrorCode::StorageCorruption, "missing");
    return it->second;
  }
  std::string component(const Value& v) {
    std::string out;
    keys::LargeValue large;
    REQUIRE(keys::append_value_component(out, v, &large).has_value());
    if (!large.encoding.empty()) values[large.hash] = large.encoding;
    return out;
  }
};
}  // namespace

TEST_CASE("large values become a stub, a marker and a hash, and decode back whole") {
  MapValues store;
  const std::vector<Value> large{
      Value(std::string(3000, 'a')),
      Value(std::string(500, 'a') + std::string(2000, '\0')),
      Value(Bytes{std::string(2000, '\xff')}),
      Value(Keyword{std::string(2000, 'n'), "x"}),
      Value(Symbol{"ns", std::string(2000, 's')}),
      Value(Vector{{Value(1), Value(std::string(2000, 'v')), Value(2)}}),
      Value(Vector{{Value(std::string(600, 'w')), Value(std::string(600, 'w'))}}),
      Value(std::string(1500, 'u') + "\xc3\xa9"),  // a multi-byte character near the cut
  };
  for (const Value& v : large) {
    std::string c = store.component(v);
    CHECK(c.size() < 2 * keys::kValueStubBytes + 32);
    for (IndexOrder order : {IndexOrder::Eavt, IndexOrder::Aevt, IndexOrder::Avet}) {
      Datom d{EntityId{7}, AttrId{kSystemBase + 70}, v, TxId{kTx0 + 1}, true};
      std::string key = key_of(order, d);
      auto back = keys::decode_current(order, key, compact_tx(d.tx), &store);
      REQUIRE_MESSAGE(back.has_value(), back.error().message);
      CHECK(*back == d);
      CHECK(!keys::decode_current(order, key, compact_tx(d.tx)).has_value());  // needs the values space
      auto hist = keys::decode_history(order, key + fixed_tx(d.tx), fixed_tx(TxId{kTx0 + 2}), &store);
      REQUIRE(hist.has_value());
      CHECK(hist->asserted == d);
    }
    Datom d{EntityId{7}, AttrId{kSystemBase + 70}, v, TxId{kTx0 + 1}, false};
    auto log = keys::decode_log(keys::log_key(d.tx, 3), *keys::log_value(d), &store);
    REQUIRE(log.has_value());
    CHECK(*log == d);
  }
  // A value at the limit stays inline.
  std::string inline_str(keys::kMaxInlineValueBytes - 3, 'i');  // tag + terminator: exactly the limit
  CHECK(store.component(Value(inline_str)) == *codec::encode_value(Value(inline_str)));
  CHECK(store.component(Value(inline_str + "i")).size() < 300);
}

TEST_CASE("large values sort by their stub among the other values") {
  MapValues store;
  const std::string base(2000, 'm');
  auto c = [&](const Value& v) { return store.component(v); };
  CHECK(c(Value("l")) < c(Value(base)));
  CHECK(c(Value(base)) < c(Value("n")));
  CHECK(c(Value(std::string(256, 'm'))) < c(Value(base)));  // the stub itself, inline, sorts first
  CHECK(c(Value(base + "1")) != c(Value(base + "2")));
  CHECK(c(Value(Vector{{Value(1), Value(base)}})) < c(Value(Vector{{Value(2)}})));
  CHECK(c(Value(base)) < c(Value::keyword("a")));  // across kinds as before
  // In AVET a large value's entity still follows it.
  Datom d{EntityId{5}, AttrId{kSystemBase + 64}, Value(base), TxId{kTx0 + 1}, true};
  Datom d2 = d;
  d2.e = EntityId{6};
  CHECK(key_of(IndexOrder::Avet, d) < key_of(IndexOrder::Avet, d2));
}
