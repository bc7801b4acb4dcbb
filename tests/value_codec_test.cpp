#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <set>
#include <string>

#include "codec/value_codec.hpp"
#include "support/random_values.hpp"

using namespace quarry;

namespace {

std::string enc(const Value& v) {
  auto r = codec::encode_value(v);
  REQUIRE(r.has_value());
  return *r;
}

int sign(int x) { return (x > 0) - (x < 0); }

int memcmp_order(const std::string& a, const std::string& b) {
  std::size_t n = std::min(a.size(), b.size());
  int c = std::memcmp(a.data(), b.data(), n);
  if (c != 0) return sign(c);
  return sign(static_cast<int>(a.size()) - static_cast<int>(b.size()));
}

bool is_proper_prefix(const std::string& a, const std::string& b) {
  return a.size() < b.size() && b.compare(0, a.size(), a) == 0;
}

Value round_trip(const Value& v) {
  std::string bytes = enc(v);
  std::string_view in = bytes;
  auto back = codec::decode_value(in);
  REQUIRE(back.has_value());
  CHECK(in.empty());
  return *back;
}

constexpr std::uint64_t kSeed = 20261121;
constexpr int kPairs = 150000;

}  // namespace

TEST_CASE("encoded values sort like the values, are prefix-free, and decode back (seeded)") {
  std::printf("value codec property seed: %llu, %d pairs\n", static_cast<unsigned long long>(kSeed), kPairs);
  testing::RandomValues gen(kSeed);
  int order_failures = 0, prefix_failures = 0, trip_failures = 0;
  for (int i = 0; i < kPairs; ++i) {
    Value a = gen.storable(), b = gen.storable();
    std::string ea = enc(a), eb = enc(b);
    int by_value = sign(compare(a, b));
    if (memcmp_order(ea, eb) != by_value && order_failures++ < 5)
      FAIL_CHECK("order differs at pair " << i << " value order " << by_value);
    if (by_value != 0 && (is_proper_prefix(ea, eb) || is_proper_prefix(eb, ea)) && prefix_failures++ < 5)
      FAIL_CHECK("prefix at pair " << i);
    if (compare(round_trip(a), a) != 0 && trip_failures++ < 5) FAIL_CHECK("round trip at pair " << i);
  }
  CHECK(order_failures == 0);
  CHECK(prefix_failures == 0);
  CHECK(trip_failures == 0);
}

TEST_CASE("numbers compare by value across long and double") {
  CHECK(compare(Value(3), Value(3.5)) < 0);
  CHECK(compare(Value(4), Value(3.5)) > 0);
  CHECK(compare(Value(-1), Value(-0.5)) < 0);
  CHECK(memcmp_order(enc(Value(3)), enc(Value(3.5))) < 0);
  CHECK(memcmp_order(enc(Value(4)), enc(Value(3.5))) > 0);
  // A long and the double of the same value are distinct and adjacent: long first.
  CHECK(compare(Value(3), Value(3.0)) < 0);
  CHECK(memcmp_order(enc(Value(3)), enc(Value(3.0))) < 0);
  // 2^53 + 1 is not a double: it sorts after the double 2^53 and before 2^53 + 2.
  std::int64_t big = (1LL << 53) + 1;
  CHECK(compare(Value(big), Value(9007199254740992.0)) > 0);
  CHECK(compare(Value(big), Value(9007199254740994.0)) < 0);
  CHECK(memcmp_order(enc(Value(big)), enc(Value(9007199254740992.0))) > 0);
  CHECK(memcmp_order(enc(Value(big)), enc(Value(9007199254740994.0))) < 0);
}

TEST_CASE("extreme numbers round trip") {
  for (std::int64_t n : {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
                         std::int64_t{0}, std::int64_t{-1}, (std::int64_t{1} << 62) + 7}) {
    CHECK(round_trip(Value(n)).as<std::int64_t>() == n);
  }
  CHECK(std::isnan(round_trip(Value(std::nan(""))).as<double>()));
  CHECK(std::signbit(round_trip(Value(-0.0)).as<double>()));
  CHECK(round_trip(Value(-std::numeric_limits<double>::infinity())).as<double>() < -1e308);
  CHECK(compare(Value(std::numeric_limits<double>::infinity()), Value(std::nan(""))) < 0);
}

TEST_CASE("kinds sort in a fixed order") {
  std::vector<Value> ascending = {
      Value(false), Value(true), Value(-5), Value(2.5), Value(Instant{0}), Value(Uuid{}),
      Value("a"), Value::keyword("a"), Value::symbol("a"), Value(EntityId{1}), Value(Bytes{"a"}),
      Value(Vector{{Value(1)}})};
  for (std::size_t i = 1; i < ascending.size(); ++i) {
    CHECK(compare(ascending[i - 1], ascending[i]) < 0);
    CHECK(memcmp_order(enc(ascending[i - 1]), enc(ascending[i])) < 0);
  }
}

TEST_CASE("strings with zero bytes stay ordered and prefix-free") {
  std::string a("a"), a0("a\0", 2), ab("ab");
  CHECK(memcmp_order(enc(Value(a)), enc(Value(a0))) < 0);
  CHECK(memcmp_order(enc(Value(a0)), enc(Value(ab))) < 0);
  CHECK(round_trip(Value(a0)).as<std::string>() == a0);
}

TEST_CASE("keywords order by namespace, then name") {
  Value plain = Value::keyword("z"), a_c = Value::keyword("a/c"), ab_c = Value::keyword("a.b/c");
  CHECK(compare(plain, a_c) < 0);
  CHECK(compare(a_c, ab_c) < 0);
  CHECK(memcmp_order(enc(plain), enc(a_c)) < 0);
  CHECK(memcmp_order(enc(a_c), enc(ab_c)) < 0);
}

TEST_CASE("tuples order element by element, shorter first, nil lowest") {
  Value shorter = Vector{{Value(1)}};
  Value with_nil = Vector{{Value(1), Value()}};
  Value longer = Vector{{Value(1), Value(0)}};
  CHECK(memcmp_order(enc(shorter), enc(with_nil)) < 0);
  CHECK(memcmp_order(enc(with_nil), enc(longer)) < 0);
  CHECK(compare(shorter, with_nil) < 0);
  CHECK(compare(with_nil, longer) < 0);
  CHECK(round_trip(with_nil) == with_nil);
}

TEST_CASE("kinds a datom cannot hold are refused and leave the buffer as it was") {
  std::string out = "keep";
  for (const Value& v : {Value(), Value(BigInt{"1"}), Value(Char{'a'}), Value(List{}), Value(Set{}),
                         Value(Map{}), Value(Vector{{Value(List{})}})}) {
    auto r = codec::append_value(out, v);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::CodecUnstorable);
    CHECK(out == "keep");
  }
}

TEST_CASE("malformed encodings are errors, not crashes (seeded)") {
  std::mt19937_64 rng(kSeed);
  testing::RandomValues gen(kSeed + 1);
  int errors = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string bytes = enc(gen.storable());
    if (rng() % 2) bytes.resize(rng() % (bytes.size() + 1));
    else bytes[rng() % bytes.size()] = static_cast<char>(rng());
    std::string_view in = bytes;
    if (!codec::decode_value(in)) ++errors;
  }
  CHECK(errors > 0);
  std::string_view nil_alone("\x01", 1);
  CHECK(codec::decode_value(nil_alone).error().code == ErrorCode::CodecInvalid);
  std::string_view unknown("\x99", 1);
  CHECK(codec::decode_value(unknown).error().code == ErrorCode::CodecInvalid);
}

TEST_CASE("decode_value_into accepts, rejects and decodes exactly what decode_value does (seeded)") {
  std::mt19937_64 rng(kSeed + 2);
  testing::RandomValues gen(kSeed + 3);
  Value into = Value("a previous value, replaced");
  int mismatches = 0, rejected = 0;
  for (int i = 0; i < 40000; ++i) {
    std::string bytes = enc(gen.storable());
    if (i % 3 == 1) bytes.resize(rng() % (bytes.size() + 1));
    else if (i % 3 == 2) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    std::string_view a = bytes, b = bytes;
    auto whole = codec::decode_value(a);
    auto in_place = codec::decode_value_into(b, into);
    rejected += !whole;
    bool same = whole.has_value() == in_place.has_value();
    if (same && whole) same = compare(*whole, into) == 0 && whole->kind() == into.kind() && a.size() == b.size();
    if (same && !whole) same = whole.error().code == in_place.error().code;
    if (!same && mismatches++ < 5) FAIL_CHECK("decode_value_into differs at " << i);
  }
  CHECK(mismatches == 0);
  CHECK(rejected > 0);
  // The fast paths' edges: -0.0, NaN, 2^53 and beyond, refs with and without leading zeros.
  for (Value v : {Value(-0.0), Value(std::nan("")), Value(std::int64_t{1} << 53), Value((std::int64_t{1} << 53) + 1),
                  Value(std::numeric_limits<std::int64_t>::min()), Value(EntityId{0}), Value(EntityId{256}),
                  Value(std::string("with\0zero", 9)), Value(Instant{-5}), Value(true)}) {
    std::string bytes = enc(v);
    std::string_view in = bytes;
    REQUIRE(codec::decode_value_into(in, into).has_value());
    CHECK(in.empty());
    CHECK(compare(into, v) == 0);
    CHECK(into.kind() == v.kind());
  }
  std::string_view leading_zero("\x48\x01\x00", 3);  // a ref 0 written with a zero byte
  CHECK(codec::decode_value_into(leading_zero, into).error().code == ErrorCode::CodecInvalid);
}

TEST_CASE("assign_string and assign_leaf leave what assigning a new Value leaves, from every kind (seeded)") {
  std::mt19937_64 rng(kSeed + 4);
  testing::RandomValues gen(kSeed + 5);
  Value held = Value("start");
  for (int i = 0; i < 20000; ++i) {
    if (i % 4 == 0) held = gen.storable();  // every kind, collections included, as the old value
    Value expected;
    switch (rng() % 7) {
      case 0: {  // lengths around the short-string buffer, so capacity is sometimes enough
        std::string s(rng() % 40, static_cast<char>('a' + rng() % 26));
        held.assign_string(s);
        expected = Value(s);
        break;
      }
      case 1: {  // a view of the very string held (aliasing)
        if (const auto* s = held.get_if<std::string>(); s && !s->empty()) {
          const std::size_t from = rng() % s->size();
          expected = Value(s->substr(from));
          held.assign_string(std::string_view(*s).substr(from));
        } else {
          held.assign_string("x");
          expected = Value("x");
        }
        break;
      }
      case 2: {
        const bool b = rng() % 2 == 0;
        held.assign_leaf(b);
        expected = Value(b);
        break;
      }
      case 3: {
        const auto n = static_cast<std::int64_t>(rng());
        held.assign_leaf(n);
        expected = Value(n);
        break;
      }
      case 4: {
        const double d = 0.25 * static_cast<double>(rng() % 1000);
        held.assign_leaf(d);
        expected = Value(d);
        break;
      }
      case 5: {
        const Instant t{static_cast<std::int64_t>(rng() % 100000)};
        held.assign_leaf(t);
        expected = Value(t);
        break;
      }
      default: {
        const EntityId e{rng() % 300};
        held.assign_leaf(e);
        expected = Value(e);
        break;
      }
    }
    REQUIRE(held.kind() == expected.kind());
    REQUIRE(compare(held, expected) == 0);
  }
}

TEST_CASE("compact ids sort like the ids and round trip") {
  std::mt19937_64 rng(kSeed);
  for (int i = 0; i < 100000; ++i) {
    std::uint64_t a = rng() >> (rng() % 64), b = rng() >> (rng() % 64);
    std::string ea, eb;
    codec::append_uint(ea, a);
    codec::append_uint(eb, b);
    if (memcmp_order(ea, eb) != sign((a > b) - (a < b))) FAIL("id order " << a << " vs " << b);
    std::string_view in = ea;
    auto back = codec::decode_uint(in);
    REQUIRE(back.has_value());
    CHECK(*back == a);
  }
  std::string zero;
  codec::append_uint(zero, 0);
  CHECK(zero.size() == 1);
  std::string_view leading_zero("\x02\x00\x05", 3);
  CHECK_FALSE(codec::decode_uint(leading_zero).has_value());
}

TEST_CASE("key builder and reader compose parts") {
  codec::KeyBuilder b;
  b.entity(EntityId{42}).attr(AttrId{7});
  REQUIRE(b.value(Value("hello")).has_value());
  b.tx(TxId{kTx0 + 1});
  std::string key = std::move(b).take();
  codec::KeyReader r(key);
  CHECK(r.entity()->value == 42);
  CHECK(r.attr()->value == 7);
  CHECK(r.value()->as<std::string>() == "hello");
  CHECK(r.tx()->value == kTx0 + 1);
  CHECK(r.done());
}

TEST_CASE("hash_value agrees with == and tells short texts apart byte by byte") {
  // Strings and keywords of every length around the short-text hash's word sizes (1-3, 4-7, 8-16,
  // longer): equal values hash alike, and changing any one byte changes the hash (a collision here
  // would be a weakness of the hash, not chance: the inputs are fixed).
  std::set<std::size_t> seen;
  std::size_t made = 0;
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string base(n, 'a');
    for (std::size_t i = 0; i < n; ++i) base[i] = static_cast<char>('a' + (i * 7) % 26);
    const quarry::Value s(base);
    CHECK(quarry::hash_value(s) == quarry::hash_value(quarry::Value(std::string(base))));
    CHECK(quarry::hash_value(quarry::Value::keyword(base.empty() ? "k" : base)) ==
          quarry::hash_value(quarry::Value::keyword(base.empty() ? "k" : base)));
    seen.insert(quarry::hash_value(s));
    ++made;
    for (std::size_t i = 0; i < n; ++i) {
      std::string changed = base;
      changed[i] = static_cast<char>(changed[i] ^ 0x20);
      seen.insert(quarry::hash_value(quarry::Value(changed)));
      ++made;
    }
  }
  CHECK(seen.size() == made);
  // A keyword's namespace and name are told apart from the same text split elsewhere.
  CHECK(quarry::hash_value(quarry::Value::keyword("ab/c")) != quarry::hash_value(quarry::Value::keyword("a/bc")));
  CHECK(quarry::hash_value(quarry::Value::keyword("abc")) != quarry::hash_value(quarry::Value(std::string("abc"))));
}

TEST_CASE("decoding into one value again and again gives each keyword, across many distinct ones") {
  // decode_value_into keeps the value it holds when the same keyword comes again and otherwise
  // takes the thread's kept box for the keyword (codec/kept_keywords.hpp), which starts over past
  // 4,096 keywords: 10,000 distinct ones, each twice in a row and once more later, must all come
  // back as themselves, and the values handed out earlier must not change.
  std::vector<Value> kept;
  Value out;
  auto decode = [&](const Value& k) {
    const std::string bytes = enc(k);
    std::string_view in = bytes;
    REQUIRE(codec::decode_value_into(in, out).has_value());
    CHECK(out == k);
    kept.push_back(out);
  };
  std::vector<Value> keywords;
  for (int i = 0; i < 10000; ++i)
    keywords.push_back(Value(Keyword{i % 3 == 0 ? "" : "ns" + std::to_string(i % 7), "k" + std::to_string(i)}));
  for (const Value& k : keywords) {
    decode(k);
    decode(k);
  }
  for (std::size_t i = 0; i < keywords.size(); i += 97) decode(keywords[i]);
  std::size_t at = 0;
  for (const Value& k : keywords) {
    CHECK(kept[at++] == k);
    CHECK(kept[at++] == k);
  }
  for (std::size_t i = 0; i < keywords.size(); i += 97) CHECK(kept[at++] == keywords[i]);
}

TEST_CASE("plain_value_size is skip_value's length where it answers, for every kind (seeded)") {
  // Key splitting frames a value by plain_value_size when it is not 0 and by skip_value otherwise
  // (index/key_layout.cpp): the two must agree on every encoding, whole, cut short or corrupted,
  // and the common kinds without escapes must take the short way.
  std::mt19937_64 rng(kSeed + 5);
  testing::RandomValues gen(kSeed + 6);
  int answered = 0;
  for (int i = 0; i < 40000; ++i) {
    std::string bytes = enc(gen.storable());
    if (i % 3 == 1) bytes.resize(rng() % (bytes.size() + 1));
    else if (i % 3 == 2) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    if (i % 2 == 0) bytes += std::string("\xff\x01\x02", 1 + rng() % 3);  // what follows a V in a key
    const std::size_t n = codec::plain_value_size(bytes);
    if (n == 0) continue;
    ++answered;
    std::string_view in = bytes;
    REQUIRE_MESSAGE(codec::skip_value(in).has_value(), "at " << i);
    REQUIRE_MESSAGE(bytes.size() - in.size() == n, "at " << i);
  }
  CHECK(answered > 10000);
  for (Value v : {Value("plain"), Value(std::string()), Value::keyword("ns/name"), Value::keyword("name"),
                  Value(Symbol{"ns", "sym"}), Value(Bytes{"bytes"}), Value(Uuid{}), Value(-0.0), Value(EntityId{7}),
                  Value(Instant{3}), Value(false), Value(std::int64_t{-5})}) {
    const std::string bytes = enc(v);
    CHECK(codec::plain_value_size(bytes) == bytes.size());
  }
  for (Value v : {Value(std::string("with\0zero", 9)), Value(Keyword{std::string("a\0b", 3), "c"}),
                  Value(Vector{{Value(std::int64_t{1})}})}) {
    CHECK(codec::plain_value_size(enc(v)) == 0);  // escapes and tuples: skip_value decides
  }
}

TEST_CASE("keywords that alternate decode to themselves, more of them than are kept as recent") {
  // decode_value_into looks a changed keyword up among the last few it decoded by its encoding
  // (value_codec.cpp, recent_keyword) before the kept table: keywords whose texts are the same
  // but split differently into namespace and name, and more distinct ones than it keeps, decoded
  // in turn into one value and into values of other kinds.
  const std::vector<Value> keywords{Value(Keyword{"a", "bc"}), Value(Keyword{"ab", "c"}), Value(Keyword{"", "abc"}),
                                    Value::keyword("sex/male"), Value::keyword("sex/female"), Value::keyword("male"),
                                    Value(Keyword{"a", "b"})};
  std::mt19937_64 rng(kSeed + 7);
  Value out;
  for (int i = 0; i < 5000; ++i) {
    const Value& k = keywords[i % 3 == 0 ? rng() % keywords.size() : rng() % 2];
    const std::string bytes = enc(k);
    std::string_view in = bytes;
    if (i % 11 == 0) out = Value(std::int64_t{i});  // another kind in between
    REQUIRE(codec::decode_value_into(in, out).has_value());
    CHECK(in.empty());
    REQUIRE(out == k);
    CHECK(out.as<Keyword>().ns == k.as<Keyword>().ns);
  }
}
