// Collections: count vector list set hash-map array-map tuple get contains? empty? not-empty
// range.
//
// Sequences Clojure returns lazily ((range …)) are lists; maps and sets are Quarry's sorted ones,
// so array-map is the same as hash-map. Keys are looked up with quarry::compare (1 and 1.0 are
// different keys, as in Clojure on the JVM).
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "query/builtins/builtin_families.hpp"

namespace quarry::query::builtins {
namespace {

// Longest (range …) produced, so that a typo cannot exhaust memory.
constexpr std::int64_t kMaxRange = 1'000'000;

std::size_t code_point_count(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// The code points of s, each as a one-character string (Clojure's seq of a string, as
// DataScript's JavaScript shows characters).
std::vector<Value> characters(const std::string& s) {
  std::vector<Value> out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t j = i + 1;
    while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;
    out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// Element count of a countable value; nullopt for one that is not (numbers, keywords, …).
std::optional<std::size_t> size_of(const Value& v) {
  switch (v.kind()) {
    case ValueKind::Nil: return 0;
    case ValueKind::String: return code_point_count(v.as<std::string>());
    case ValueKind::Bytes: return v.as<Bytes>().data.size();
    case ValueKind::Vector: return v.as<Vector>().items.size();
    case ValueKind::List: return v.as<List>().items.size();
    case ValueKind::Set: return v.as<Set>().items.size();
    case ValueKind::Map: return v.as<Map>().entries.size();
    default: return std::nullopt;
  }
}

Result<Value> count(const index::Db*, std::span<const Value> args) {
  auto n = size_of(args[0]);
  if (!n) return call_fail("count", args, "not a collection or string");
  return Value(static_cast<std::int64_t>(*n));
}

Result<Value> empty_p(const index::Db*, std::span<const Value> args) {
  auto n = size_of(args[0]);
  if (!n) return call_fail("empty?", args, "not a collection or string");
  return Value(*n == 0);
}

Result<Value> not_empty(const index::Db*, std::span<const Value> args) {
  auto n = size_of(args[0]);
  if (!n) return call_fail("not-empty", args, "not a collection or string");
  return *n == 0 ? Value() : args[0];
}

Result<Value> vector(const index::Db*, std::span<const Value> args) {
  return Value(Vector{std::vector<Value>(args.begin(), args.end())});
}

Result<Value> list(const index::Db*, std::span<const Value> args) {
  return Value(List{std::vector<Value>(args.begin(), args.end())});
}

Set sorted_set(std::vector<Value> items) {
  std::sort(items.begin(), items.end(), [](const Value& a, const Value& b) { return compare(a, b) < 0; });
  items.erase(std::unique(items.begin(), items.end()), items.end());
  Set out;
  (void)make_set(std::move(items), out);  // sorted and distinct: cannot fail
  return out;
}

// (set coll): the distinct elements of a vector, list, set, string (its characters) or map (its
// [key value] entries); nil gives #{}.
Result<Value> set(const index::Db*, std::span<const Value> args) {
  const Value& c = args[0];
  switch (c.kind()) {
    case ValueKind::Nil: return Value(Set{});
    case ValueKind::Set: return c;
    case ValueKind::Vector: return Value(sorted_set(c.as<Vector>().items));
    case ValueKind::List: return Value(sorted_set(c.as<List>().items));
    case ValueKind::String: return Value(sorted_set(characters(c.as<std::string>())));
    case ValueKind::Map: {
      std::vector<Value> entries;
      for (const auto& [k, v] : c.as<Map>().entries) entries.emplace_back(Vector{{k, v}});
      return Value(sorted_set(std::move(entries)));
    }
    default: return call_fail("set", args, "not a collection or string");
  }
}

// (hash-map k v …): a later value for an equal key replaces the earlier one, as in Clojure.
Result<Value> hash_map(std::string_view fn, std::span<const Value> args) {
  if (args.size() % 2 != 0) return call_fail(fn, args, "expects keys and values in pairs");
  std::vector<std::pair<Value, Value>> entries;
  entries.reserve(args.size() / 2);
  for (std::size_t i = 0; i < args.size(); i += 2) entries.emplace_back(args[i], args[i + 1]);
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return compare(a.first, b.first) < 0; });
  std::vector<std::pair<Value, Value>> distinct;
  for (auto& e : entries) {
    if (!distinct.empty() && compare(distinct.back().first, e.first) == 0)
      distinct.back().second = std::move(e.second);
    else
      distinct.push_back(std::move(e));
  }
  Map out;
  (void)make_map(std::move(distinct), out);  // sorted and distinct: cannot fail
  return Value(std::move(out));
}

Result<Value> hash_map_fn(const index::Db*, std::span<const Value> args) { return hash_map("hash-map", args); }
Result<Value> array_map_fn(const index::Db*, std::span<const Value> args) { return hash_map("array-map", args); }

const Value* map_find(const Map& m, const Value& key) {
  auto it = std::lower_bound(m.entries.begin(), m.entries.end(), key,
                             [](const auto& e, const Value& k) { return compare(e.first, k) < 0; });
  return it != m.entries.end() && compare(it->first, key) == 0 ? &it->second : nullptr;
}

const Value* set_find(const Set& s, const Value& x) {
  auto it = std::lower_bound(s.items.begin(), s.items.end(), x,
                             [](const Value& e, const Value& k) { return compare(e, k) < 0; });
  return it != s.items.end() && compare(*it, x) == 0 ? &*it : nullptr;
}

// An index into a sequence of `size` elements, if `key` is a long within it.
std::optional<std::size_t> position(const Value& key, std::size_t size) {
  auto i = key.get_if<std::int64_t>();
  if (!i || *i < 0 || static_cast<std::uint64_t>(*i) >= size) return std::nullopt;
  return static_cast<std::size_t>(*i);
}

// (get coll key) / (get coll key default): map keys, set elements, vector and string indexes;
// anything else (nil, numbers, …) has no entries, as in Clojure.
Result<Value> get(const index::Db*, std::span<const Value> args) {
  const Value &c = args[0], &key = args[1];
  Value fallback = args.size() > 2 ? args[2] : Value();
  switch (c.kind()) {
    case ValueKind::Map:
      if (const Value* v = map_find(c.as<Map>(), key)) return *v;
      break;
    case ValueKind::Set:
      if (const Value* v = set_find(c.as<Set>(), key)) return *v;
      break;
    case ValueKind::Vector:
      if (auto i = position(key, c.as<Vector>().items.size())) return c.as<Vector>().items[*i];
      break;
    case ValueKind::String: {
      auto chars = characters(c.as<std::string>());
      if (auto i = position(key, chars.size())) return chars[*i];
      break;
    }
    default: break;
  }
  return fallback;
}

// (contains? coll key): whether get would find key (map keys, set elements, vector and string
// indexes); false for nil; an error for values that are not collections (Clojure on the JVM).
Result<Value> contains_p(const index::Db*, std::span<const Value> args) {
  const Value &c = args[0], &key = args[1];
  switch (c.kind()) {
    case ValueKind::Nil: return Value(false);
    case ValueKind::Map: return Value(map_find(c.as<Map>(), key) != nullptr);
    case ValueKind::Set: return Value(set_find(c.as<Set>(), key) != nullptr);
    case ValueKind::Vector: return Value(position(key, c.as<Vector>().items.size()).has_value());
    case ValueKind::String: return Value(position(key, code_point_count(c.as<std::string>())).has_value());
    default: return call_fail("contains?", args, "not a collection or string");
  }
}

// (range end), (range start end), (range start end step): longs when every argument is a long,
// otherwise doubles accumulated by repeated addition as Clojure does. A step of 0 (an infinite
// sequence in Clojure) is an error, and so is a range longer than kMaxRange.
Result<Value> range(const index::Db*, std::span<const Value> args) {
  std::vector<Number> n;
  for (const Value& a : args) {
    auto x = as_number(a);
    if (!x) return call_fail("range", args, "expects numbers");
    n.push_back(*x);
  }
  Number start{false, 0, 0}, end = n[0], step{false, 1, 0};
  if (n.size() >= 2) start = n[0], end = n[1];
  if (n.size() == 3) step = n[2];
  List out;
  bool longs = !start.is_double && !end.is_double && !step.is_double;
  if (longs) {
    if (step.l == 0) return call_fail("range", args, "step 0 gives an infinite sequence");
    __int128 span = static_cast<__int128>(end.l) - start.l;
    __int128 count = 0;
    if ((span > 0 && step.l > 0) || (span < 0 && step.l < 0)) count = (span + step.l + (step.l > 0 ? -1 : 1)) / step.l;
    if (count > kMaxRange) return call_fail("range", args, "more than 1000000 elements");
    out.items.reserve(static_cast<std::size_t>(count));
    for (__int128 i = 0; i < count; ++i) out.items.emplace_back(static_cast<std::int64_t>(start.l + i * step.l));
    return Value(std::move(out));
  }
  double x = start.as_double(), e = end.as_double(), s = step.as_double();
  if (s == 0 || std::isnan(s)) return call_fail("range", args, "step 0 gives an infinite sequence");
  while (s > 0 ? x < e : x > e) {
    if (static_cast<std::int64_t>(out.items.size()) >= kMaxRange)
      return call_fail("range", args, "more than 1000000 elements");
    out.items.emplace_back(x);
    x += s;
  }
  return Value(std::move(out));
}

constexpr std::array kTable{
    Builtin{"count", 1, 1, false, &count},
    Builtin{"empty?", 1, 1, false, &empty_p},
    Builtin{"not-empty", 1, 1, false, &not_empty},
    Builtin{"vector", 0, -1, false, &vector},
    Builtin{"tuple", 0, -1, false, &vector},
    Builtin{"list", 0, -1, false, &list},
    Builtin{"set", 1, 1, false, &set},
    Builtin{"hash-map", 0, -1, false, &hash_map_fn},
    Builtin{"array-map", 0, -1, false, &array_map_fn},
    Builtin{"get", 2, 3, false, &get},
    Builtin{"contains?", 2, 2, false, &contains_p},
    Builtin{"range", 1, 3, false, &range},
};

}  // namespace

std::span<const Builtin> coll_family() noexcept { return kTable; }

}  // namespace quarry::query::builtins
