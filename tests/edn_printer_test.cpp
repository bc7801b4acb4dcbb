// The EDN printer: the text of every kind, determinism, and the round trip
// read_edn(to_edn(v)) == v — per kind and as a seeded property over random nested values.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "codec/edn_printer.hpp"
#include "codec/edn_reader.hpp"
#include "codec/edn_string.hpp"

using namespace quarry;

namespace {

Value vec(std::vector<Value> items) {
  return Vector{std::move(items)};
}
Value map_of(std::vector<std::pair<Value, Value>> entries) {
  Map m;
  REQUIRE(make_map(std::move(entries), m));
  return m;
}
Value set_of(std::vector<Value> items) {
  Set s;
  REQUIRE(make_set(std::move(items), s));
  return s;
}

void check_round_trip(const Value& v) {
  std::string text = to_edn(v);
  auto back = read_edn(text);
  INFO("printed: ", text);
  REQUIRE_MESSAGE(back.has_value(), (back ? "" : back.error().message));
  CHECK_MESSAGE(compare(*back, v) == 0, "read back as " << to_edn(*back));
  CHECK(to_edn(*back) == text);
}

}  // namespace

TEST_CASE("scalars print as EDN") {
  CHECK(to_edn(Value()) == "nil");
  CHECK(to_edn(true) == "true");
  CHECK(to_edn(false) == "false");
  CHECK(to_edn(42) == "42");
  CHECK(to_edn(std::numeric_limits<std::int64_t>::min()) == "-9223372036854775808");
  CHECK(to_edn(1.0) == "1.0");
  CHECK(to_edn(0.1) == "0.1");
  CHECK(to_edn(-0.0) == "-0.0");
  CHECK(to_edn(1e100) == "1e+100");
  CHECK(to_edn(1e21) == "1e+21");
  CHECK(to_edn(123456789012345680000.0) == "123456789012345683968.0");
  CHECK(to_edn(5e-324) == "5e-324");
  CHECK(to_edn(std::numeric_limits<double>::infinity()) == "##Inf");
  CHECK(to_edn(-std::numeric_limits<double>::infinity()) == "##-Inf");
  CHECK(to_edn(std::numeric_limits<double>::quiet_NaN()) == "##NaN");
  CHECK(to_edn(BigInt{"-12"}) == "-12N");
  CHECK(to_edn(BigDec{"1.50"}) == "1.50M");
  CHECK(to_edn(Instant{0}) == "#inst \"1970-01-01T00:00:00.000Z\"");
  CHECK(to_edn(Instant{482196050520}) == "#inst \"1985-04-12T23:20:50.520Z\"");
  CHECK(to_edn(Instant{-1}) == "#inst \"1969-12-31T23:59:59.999Z\"");
  CHECK(to_edn(Instant{253402300800000}) == "#inst \"+10000-01-01T00:00:00.000Z\"");
  CHECK(to_edn(Instant{-62167219200001}) == "#inst \"-0001-12-31T23:59:59.999Z\"");
  CHECK(to_edn(Uuid{{0xf8, 0x1d, 0x4f, 0xae, 0x7d, 0xec, 0x11, 0xd0, 0xa7, 0x65, 0x00, 0xa0, 0xc9,
                     0x1e, 0x6b, 0xf6}}) == "#uuid \"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\"");
  CHECK(to_edn(Char{U'a'}) == "\\a");
  CHECK(to_edn(Char{U'\\'}) == "\\\\");
  CHECK(to_edn(Char{U'\n'}) == "\\newline");
  CHECK(to_edn(Char{U' '}) == "\\space");
  CHECK(to_edn(Char{U'\t'}) == "\\tab");
  CHECK(to_edn(Char{U'\r'}) == "\\return");
  CHECK(to_edn(Char{U'\f'}) == "\\formfeed");
  CHECK(to_edn(Char{U'\b'}) == "\\backspace");
  CHECK(to_edn(Char{0}) == "\\u0000");
  CHECK(to_edn(Char{0x7f}) == "\\u007f");
  CHECK(to_edn(Char{0xe9}) == "\\u00e9");
  CHECK(to_edn("a\"b\\c\nd\te\x01\xc3\xa9") == "\"a\\\"b\\\\c\\nd\\te\\u0001\xc3\xa9\"");
  CHECK(to_edn(Value::keyword("a")) == ":a");
  CHECK(to_edn(Value::keyword("db/id")) == ":db/id");
  CHECK(to_edn(Value::symbol("ns/f")) == "ns/f");
  CHECK(to_edn(Value::symbol("/")) == "/");
  CHECK(to_edn(Symbol{"clojure.core", "/"}) == "clojure.core//");
  CHECK(to_edn(EntityId{42}) == "42");
  CHECK(to_edn(Bytes{""}) == "#bytes \"\"");
  CHECK(to_edn(Bytes{"h"}) == "#bytes \"aA==\"");
  CHECK(to_edn(Bytes{"he"}) == "#bytes \"aGU=\"");
  CHECK(to_edn(Bytes{"hello"}) == "#bytes \"aGVsbG8=\"");
}

TEST_CASE("collections print in stored (sorted) order") {
  CHECK(to_edn(vec({})) == "[]");
  CHECK(to_edn(List{}) == "()");
  CHECK(to_edn(map_of({})) == "{}");
  CHECK(to_edn(set_of({})) == "#{}");
  CHECK(to_edn(vec({1, "a", vec({Value()})})) == "[1 \"a\" [nil]]");
  CHECK(to_edn(List{{Value::symbol("f"), 1}}) == "(f 1)");
  CHECK(to_edn(map_of({{Value::keyword("b"), 1}, {Value::keyword("a"), 2}})) == "{:a 2, :b 1}");
  CHECK(to_edn(map_of({{1.5, "x"}, {1, "y"}})) == "{1 \"y\", 1.5 \"x\"}");
  CHECK(to_edn(set_of({3, 1, 2})) == "#{1 2 3}");
  CHECK(to_edn(Tagged{Symbol{"my", "tag"}, std::make_shared<const Value>(vec({1, 2}))}) ==
        "#my/tag [1 2]");
  std::string appended = "x=";
  append_edn(appended, vec({1}));
  CHECK(appended == "x=[1]");
}

TEST_CASE("values without an EDN literal of their own print as documented") {
  CHECK(to_edn(Char{0x1F600}) == "\\ufffd");                 // beyond a UTF-16 code unit
  CHECK(read_edn(to_edn(EntityId{7}))->is<std::int64_t>());  // a ref reads back as a long
}

TEST_CASE("every kind round-trips") {
  for (const Value& v : std::vector<Value>{
           Value(),
           true,
           false,
           0,
           -1,
           std::numeric_limits<std::int64_t>::max(),
           std::numeric_limits<std::int64_t>::min(),
           0.0,
           -0.0,
           1.0,
           0.1,
           1.0 / 3,
           1e300,
           1e-300,
           5e-324,
           std::numeric_limits<double>::max(),
           std::numeric_limits<double>::min(),
           std::numeric_limits<double>::infinity(),
           -std::numeric_limits<double>::infinity(),
           std::numeric_limits<double>::quiet_NaN(),
           9007199254740993.0,
           BigInt{"0"},
           BigInt{"-123456789012345678901234567890"},
           BigDec{"0.0"},
           BigDec{"-1.5e10"},
           Instant{0},
           Instant{482196050520},
           Instant{-1},
           Instant{std::numeric_limits<std::int64_t>::max()},
           Instant{std::numeric_limits<std::int64_t>::min()},
           Uuid{},
           Char{U'a'},
           Char{U'"'},
           Char{U';'},
           Char{U'\\'},
           Char{U'('},
           Char{0},
           Char{0xD800},
           Char{0xFFFF},
           "",
           "plain",
           "\"\\\n\t\r\b\f\x01\x7f",
           "caf\xc3\xa9 \xf0\x9f\x98\x80",
           std::string(3, '\0'),
           Value::keyword("a"),
           Value::keyword("ns.x/y-z?"),
           Value::keyword("1"),
           Value::symbol("/"),
           Symbol{"clojure.core", "/"},
           Value::symbol("->x"),
           Value::symbol("..."),
           Bytes{std::string("\x00\xff\x10", 3)},
           vec({}),
           List{},
           map_of({}),
           set_of({}),
           map_of({{vec({1, 2}), set_of({Value::keyword("k")})}, {Value(), List{{1.5}}}}),
           Tagged{Symbol{"", "tag"}, std::make_shared<const Value>(Tagged{
                                         Symbol{"a", "b"}, std::make_shared<const Value>(1)})},
       })
    check_round_trip(v);
}

// ---- property
// ------------------------------------------------------------------------------------

namespace {

// Random values of every kind the reader can produce (Ref is excluded: it reads back as a Long).
class RandomEdnValues {
 public:
  explicit RandomEdnValues(std::uint64_t seed) : rng_(seed) {}

  Value value(int depth = 0) {
    int kinds = depth < 4 ? 22 : 16;
    switch (below(kinds)) {
      case 0:
        return Value();
      case 1:
        return below(2) == 0;
      case 2:
        return long_value();
      case 3:
        return double_value();
      case 4:
        return BigInt{(below(2) ? "-" : "") + digits(1 + below(30), false)};
      case 5:
        return BigDec{big_dec_text()};
      case 6:
        return instant();
      case 7: {
        Uuid u;
        for (auto& b : u.bytes) b = static_cast<std::uint8_t>(below(256));
        return u;
      }
      case 8:
        return Char{static_cast<char32_t>(below(3) == 0 ? below(128) : below(0x10000))};
      case 9:
      case 10:
        return string_value();
      case 11:
        return below(3) ? Value(Keyword{"", name(below(4) == 0)})
                        : Value(Keyword{name(below(4) == 0), name(false)});
      case 12:
        return symbol_value();
      case 13: {
        std::string bytes;
        for (int n = below(12); n > 0; --n) bytes += static_cast<char>(below(256));
        return Bytes{bytes};
      }
      case 14:
      case 15:
        return long_value();
      case 16:
      case 17:
        return Vector{items(depth)};
      case 18:
        return List{items(depth)};
      case 19:
        return map_value(depth);
      case 20:
        return set_value(depth);
      default: {
        std::string letter(1, static_cast<char>('a' + below(26)));
        Symbol tag =
            below(2) ? Symbol{"", letter + name(false)} : Symbol{letter + name(false), name(false)};
        return Tagged{tag, std::make_shared<const Value>(value(depth + 1))};
      }
    }
  }

 private:
  int below(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }

  Value long_value() {
    switch (below(4)) {
      case 0:
        return static_cast<std::int64_t>(rng_());
      case 1:
        return below(3) ? std::numeric_limits<std::int64_t>::max()
                        : std::numeric_limits<std::int64_t>::min();
      default:
        return below(2001) - 1000;
    }
  }

  Value double_value() {
    switch (below(4)) {
      case 0:
        return std::bit_cast<double>(rng_());  // any bits: NaNs, infinities, denormals
      case 1:
        return (below(2001) - 1000) / 8.0;
      case 2:
        return static_cast<double>(below(1000)) * std::pow(10.0, below(40) - 20);
      default:
        return std::ldexp(static_cast<double>(rng_() >> 11), below(2000) - 1000);
    }
  }

  std::string digits(int n, bool leading_zero_ok) {
    std::string s(
        1, static_cast<char>((leading_zero_ok ? '0' : '1') + below(leading_zero_ok ? 10 : 9)));
    for (int i = 1; i < n; ++i) s += static_cast<char>('0' + below(10));
    return s;
  }

  std::string big_dec_text() {
    std::string s = below(2) ? "-" : "";
    s += below(3) == 0 ? "0" : digits(1 + below(8), false);
    if (below(2)) s += "." + digits(below(6) + 1, true);
    if (below(3) == 0) s += std::string("e") + (below(2) ? "-" : "") + digits(1 + below(2), false);
    return s;
  }

  Value instant() {
    if (below(10) == 0) return Instant{static_cast<std::int64_t>(rng_())};
    const std::int64_t year_10000 = 253402300800000;
    return Instant{static_cast<std::int64_t>(
                       rng_() % static_cast<std::uint64_t>(year_10000 + 62167219200000)) -
                   62167219200000};
  }

  Value string_value() {
    std::string s;
    for (int n = below(16); n > 0; --n) {
      int pick = below(10);
      if (pick < 5)
        s += static_cast<char>(0x20 + below(95));
      else if (pick < 7)
        s += static_cast<char>(below(32));
      else if (pick == 7)
        s += below(2) ? '"' : '\\';
      else {
        char32_t cp;
        do cp = static_cast<char32_t>(0x80 + below(0x10FFFF - 0x80));
        while (cp >= 0xD800 && cp <= 0xDFFF);
        append_utf8(s, cp);
      }
    }
    return s;
  }

  // A valid symbol/keyword part: starts with a non-digit (or a digit when allowed), may contain
  // ':' and '#' inside, never "::" or a trailing ':'.
  std::string name(bool digit_first) {
    static const std::string first =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ*!_?$%&=<>";
    static const std::string rest = "abcdefghijklmnopqrstuvwxyz0123456789.*+!-_?$%&=<>";
    std::string s(1, digit_first ? static_cast<char>('0' + below(10))
                                 : first[below(static_cast<int>(first.size()))]);
    for (int n = below(8); n > 0; --n) {
      s += rest[below(static_cast<int>(rest.size()))];
      if (below(10) == 0) s += below(2) ? ":" : "#";
      if (s.back() == ':') s += 'x';
    }
    if (s == "nil" || s == "true" || s == "false") s += '!';
    return s;
  }

  Value symbol_value() {
    static const char* const special[] = {"/", "+", "-", ".", "...", "->x", "-a", "+b", ".c"};
    if (below(5) == 0) return Value::symbol(special[below(static_cast<int>(std::size(special)))]);
    if (below(10) == 0) return Symbol{name(false), "/"};
    return Symbol{below(3) ? "" : name(false), name(false)};
  }

  std::vector<Value> items(int depth) {
    std::vector<Value> out;
    for (int n = below(6); n > 0; --n) out.push_back(value(depth + 1));
    return out;
  }

  Value map_value(int depth) {
    std::vector<std::pair<Value, Value>> entries;
    for (int n = below(5); n > 0; --n) {
      Value key = value(depth + 1);
      bool taken = false;
      for (const auto& e : entries) taken = taken || compare(e.first, key) == 0;
      if (!taken) entries.emplace_back(std::move(key), value(depth + 1));
    }
    return map_of(std::move(entries));
  }

  Value set_value(int depth) {
    std::vector<Value> elements;
    for (int n = below(5); n > 0; --n) {
      Value v = value(depth + 1);
      bool taken = false;
      for (const auto& e : elements) taken = taken || compare(e, v) == 0;
      if (!taken) elements.push_back(std::move(v));
    }
    return set_of(std::move(elements));
  }

  std::mt19937_64 rng_;
};

constexpr std::uint64_t kSeed = 20261121;
constexpr int kValues = 10'000;

}  // namespace

TEST_CASE("read_edn(to_edn(v)) == v for random nested values (seeded)") {
  std::printf("edn round-trip property seed: %llu, %d values\n",
              static_cast<unsigned long long>(kSeed), kValues);
  RandomEdnValues gen(kSeed);
  int failures = 0;
  std::string all;
  std::vector<Value> values;
  for (int i = 0; i < kValues; ++i) {
    Value v = gen.value();
    std::string text = to_edn(v);
    auto back = read_edn(text);
    bool ok = back && compare(*back, v) == 0 && to_edn(*back) == text;
    if (!ok && failures++ < 5)
      FAIL_CHECK("value " << i << " printed as " << text << " read back as "
                          << (back ? to_edn(*back) : back.error().message));
    CHECK(text.find('\n') == std::string::npos);
    if (i < 2000) {
      all += text + (i % 3 ? " " : "\n");
      values.push_back(std::move(v));
    }
  }
  CHECK(failures == 0);
  // The same values as one stream of forms.
  auto many = read_edn_all(all);
  REQUIRE(many.has_value());
  REQUIRE(many->size() == values.size());
  for (std::size_t i = 0; i < values.size(); ++i) CHECK(compare((*many)[i], values[i]) == 0);
}

TEST_CASE("mutated printed values never crash the reader (seeded)") {
  RandomEdnValues gen(kSeed + 1);
  std::mt19937_64 rng(kSeed + 1);
  const std::string noise = "()[]{}#_\\\";: \n/.-+0e9NM\xc3\xff";
  int read = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text = to_edn(gen.value());
    for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0 && !text.empty(); --edits) {
      std::size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text[at] = noise[rng() % noise.size()];
          break;
        case 1:
          text.erase(at, 1 + rng() % 4);
          break;
        case 2:
          text.resize(at);
          break;
      }
    }
    auto r = read_edn(text);
    if (r) {
      ++read;
      auto again = read_edn(to_edn(*r));
      REQUIRE(again.has_value());
      CHECK(compare(*again, *r) == 0);
    } else {
      CHECK(r.error().message.find("line ") != std::string::npos);
    }
  }
  CHECK(read > 0);
}
