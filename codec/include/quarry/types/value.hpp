// Value: every EDN datum Quarry reads, and every value a datom can hold.
//
// Datom values ("storable" values) are: boolean, long, double, string, keyword, symbol, instant,
// uuid, ref, bytes, and tuples — a tuple is a Vector whose elements are storable or nil. The other
// kinds (nil, bigint, bigdec, character, list, map, set, tagged literal) exist because EDN has them:
// queries and tx-data are EDN, and nil appears in query and pull results.
//
// Values are ordered by compare(): DataScript's order within a kind, and a fixed rank across kinds.
// Numbers compare by value across long and double (see compare_numbers in value.cpp for the exact
// tie-breaking); for storable values this order is exactly the memcmp order of their binary
// encodings (doc/format.md).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "quarry/types/ids.hpp"

namespace quarry {

class Value;

// :ns/name or :name (ns empty). Order: namespace first (no namespace before any), then name.
struct Keyword {
  std::string ns;
  std::string name;
  friend auto operator<=>(const Keyword&, const Keyword&) = default;
  // "ns/name" or "name", without the colon.
  [[nodiscard]] std::string qualified() const { return ns.empty() ? name : ns + "/" + name; }
};

// A symbol; same shape and order as Keyword.
struct Symbol {
  std::string ns;
  std::string name;
  friend auto operator<=>(const Symbol&, const Symbol&) = default;
  [[nodiscard]] std::string qualified() const { return ns.empty() ? name : ns + "/" + name; }
};

// #inst: milliseconds since the Unix epoch, UTC.
struct Instant {
  std::int64_t millis = 0;
  friend auto operator<=>(const Instant&, const Instant&) = default;
};

// #uuid: 16 bytes, most significant first; ordered as unsigned bytes.
struct Uuid {
  std::array<std::uint8_t, 16> bytes{};
  friend auto operator<=>(const Uuid&, const Uuid&) = default;
};

// An arbitrary-precision integer written with the N suffix (123N), kept as its decimal text
// (optional '-' then digits, no leading zeros). Not storable.
struct BigInt {
  std::string digits;
  friend bool operator==(const BigInt&, const BigInt&) = default;
};

// An exact decimal written with the M suffix (1.5M), kept as its text without the M. Not storable.
struct BigDec {
  std::string text;
  friend bool operator==(const BigDec&, const BigDec&) = default;
};

// An EDN character (\a, \newline, \u00e9) as a Unicode code point. Not storable.
struct Char {
  char32_t code_point = 0;
  friend auto operator<=>(const Char&, const Char&) = default;
};

// Raw bytes (no EDN literal of their own; printed as #bytes "base64"). Ordered as unsigned bytes.
struct Bytes {
  std::string data;
  friend auto operator<=>(const Bytes&, const Bytes&) = default;
};

struct List {
  std::vector<Value> items;
};
struct Vector {
  std::vector<Value> items;
};
// Map entries and set elements are kept sorted by compare() with no duplicates, so equal maps
// and sets are equal element by element and print deterministically. Build them with
// make_map / make_set, which sort and reject duplicates.
struct Map {
  std::vector<std::pair<Value, Value>> entries;
};
struct Set {
  std::vector<Value> items;
};
// A tagged literal other than #inst and #uuid, e.g. #myapp/point [1 2].
struct Tagged {
  Symbol tag;
  std::shared_ptr<const Value> value;  // never null
};

// The kinds, in cross-kind sort order (numbers form one rank: Long, Double, BigInt, BigDec).
enum class ValueKind : std::uint8_t {
  Nil,
  Boolean,
  Long,
  Double,
  BigInt,
  BigDec,
  Instant,
  Uuid,
  Char,
  String,
  Keyword,
  Symbol,
  Ref,
  Bytes,
  Vector,
  List,
  Map,
  Set,
  Tagged,
};

namespace value_detail {
// A kind larger than a std::string (Keyword, Symbol, Tagged), kept behind a shared pointer so that
// a Value is 40 bytes instead of 88: query relations and result rows are arrays of Values, and
// their size is memory traffic on every large result. The boxed value is immutable; copies share
// it.
template <class T>
struct Boxed {
  std::shared_ptr<const T> p;
};
template <class T>
inline constexpr bool kBoxed = std::is_same_v<T, Keyword> || std::is_same_v<T, Symbol> || std::is_same_v<T, Tagged>;
template <class T>
using Stored = std::conditional_t<kBoxed<T>, Boxed<T>, T>;
}  // namespace value_detail

class Value {
 public:
  // The alternatives in ValueKind order; Keyword, Symbol and Tagged are held boxed (see
  // value_detail::Boxed). Use is<T>(), as<T>() and get_if<T>() with the unboxed types.
  using Storage = std::variant<std::monostate, bool, std::int64_t, double, BigInt, BigDec, Instant,
                               Uuid, Char, std::string, value_detail::Boxed<Keyword>,
                               value_detail::Boxed<Symbol>, EntityId, Bytes, Vector, List, Map, Set,
                               value_detail::Boxed<Tagged>>;

  Value() = default;  // nil
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  Value(std::int64_t n) : v_(n) {}
  Value(int n) : v_(static_cast<std::int64_t>(n)) {}
  Value(double d) : v_(d) {}
  Value(BigInt b) : v_(std::move(b)) {}
  Value(BigDec b) : v_(std::move(b)) {}
  Value(Instant i) : v_(i) {}
  Value(Uuid u) : v_(u) {}
  Value(Char c) : v_(c) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(Keyword k) : v_(box(std::move(k))) {}
  Value(Symbol s) : v_(box(std::move(s))) {}
  Value(EntityId ref) : v_(ref) {}
  Value(Bytes b) : v_(std::move(b)) {}
  Value(Vector v) : v_(std::move(v)) {}
  Value(List l) : v_(std::move(l)) {}
  Value(Map m) : v_(std::move(m)) {}
  Value(Set s) : v_(std::move(s)) {}
  Value(Tagged t) : v_(box(std::move(t))) {}

  // Copies of nested vectors, lists, maps and sets recurse to a bounded depth and continue with an
  // explicit stack below it (value.cpp), so a value nested 100,000 deep is copied without
  // exhausting the stack. Leaves take the plain path.
  Value(const Value& other) : v_(holds_collection(other) ? Storage{} : other.v_) {
    if (holds_collection(other)) copy_collection(other);
  }
  Value(Value&&) noexcept = default;
  // `other` may be a part of this value (x = x's first item): it is copied before this value's
  // collection is released.
  Value& operator=(const Value& other) {
    if (this == &other) return *this;
    if (!holds_collection(other) && !holds_collection(*this)) {
      v_ = other.v_;
      return *this;
    }
    Value copy(other);
    return *this = std::move(copy);
  }
  Value& operator=(Value&&) noexcept = default;
  // Destroys nested vectors, lists, maps and sets by plain recursion for the first 256 levels and
  // with an explicit stack below them (value.cpp), so a value nested 100,000 deep is freed without
  // exhausting the stack. Leaves take the plain path.
  ~Value() {
    if (kind() >= ValueKind::Vector && kind() != ValueKind::Tagged) release_nested();
  }

  [[nodiscard]] ValueKind kind() const noexcept { return static_cast<ValueKind>(v_.index()); }
  [[nodiscard]] bool is_nil() const noexcept { return kind() == ValueKind::Nil; }
  [[nodiscard]] bool is_number() const noexcept {
    return kind() == ValueKind::Long || kind() == ValueKind::Double;
  }

  template <class T>
  [[nodiscard]] bool is() const noexcept { return std::holds_alternative<value_detail::Stored<T>>(v_); }
  // REQUIRES: is<T>().
  template <class T>
  [[nodiscard]] const T& as() const {
    if constexpr (value_detail::kBoxed<T>) return *std::get<value_detail::Boxed<T>>(v_).p;
    else return std::get<T>(v_);
  }
  template <class T>
  [[nodiscard]] const T* get_if() const noexcept {
    if constexpr (value_detail::kBoxed<T>) {
      const auto* b = std::get_if<value_detail::Boxed<T>>(&v_);
      return b ? b->p.get() : nullptr;
    } else {
      return std::get_if<T>(&v_);
    }
  }

  [[nodiscard]] const Storage& storage() const noexcept { return v_; }

  // In-place replacement, for decoders that refill one Value again and again (a cursor's datom):
  // the same result as `*this = Value(x)`, without the temporary Value. assign_string reuses the
  // capacity of the string this value holds, if it holds one (no allocation when it is enough);
  // assign_leaf takes the kinds that own no memory: bool, long, double, Instant, EntityId.
  void assign_string(std::string_view s) {
    auto* p = std::get_if<std::string>(&v_);
    if (p && s.size() <= p->capacity()) {
      // memmove: s may view this very string. No reallocation happens, so it stays valid.
      p->resize_and_overwrite(s.size(), [s](char* buf, std::size_t n) {
        if (n != 0) std::memmove(buf, s.data(), n);
        return n;
      });
    } else {
      std::string copy(s);  // before the old value goes: s may view a part of it
      v_.template emplace<std::string>(std::move(copy));
    }
  }
  template <class T>
    requires(std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t> || std::is_same_v<T, double> ||
             std::is_same_v<T, Instant> || std::is_same_v<T, EntityId>)
  void assign_leaf(T x) noexcept {
    if (auto* p = std::get_if<T>(&v_)) *p = x;
    else v_.template emplace<T>(x);
  }

  // True for the kinds a datom can hold (and that value_codec can encode): see the file comment.
  [[nodiscard]] bool is_storable() const noexcept;

  static Value keyword(std::string_view qualified);  // "ns/name" or "name", no colon
  static Value symbol(std::string_view qualified);

 private:
  template <class T>
  [[nodiscard]] static value_detail::Boxed<T> box(T x) {
    return {std::make_shared<const T>(std::move(x))};
  }
  [[nodiscard]] static bool holds_collection(const Value& v) noexcept {
    return v.kind() >= ValueKind::Vector && v.kind() != ValueKind::Tagged;
  }
  void copy_collection(const Value& other);
  void release_nested() noexcept;
  Storage v_;
};

static_assert(std::variant_size_v<Value::Storage> == static_cast<std::size_t>(ValueKind::Tagged) + 1);
static_assert(sizeof(Value) <= sizeof(std::string) + 8, "a Value is a std::string and its kind");

// Total order over all values (see the file comment). Returns <0, 0, >0.
[[nodiscard]] int compare(const Value& a, const Value& b) noexcept;

inline bool operator==(const Value& a, const Value& b) noexcept { return compare(a, b) == 0; }
inline std::strong_ordering operator<=>(const Value& a, const Value& b) noexcept {
  return compare(a, b) <=> 0;
}

// A hash consistent with ==.
[[nodiscard]] std::size_t hash_value(const Value& v) noexcept;

// Sorted, duplicate-free collections. On a duplicate key/element, returns false and, if
// `duplicate` is given, copies the offending key/element there (the EDN reader reports it).
[[nodiscard]] bool make_map(std::vector<std::pair<Value, Value>> entries, Map& out,
                            Value* duplicate = nullptr);
[[nodiscard]] bool make_set(std::vector<Value> items, Set& out, Value* duplicate = nullptr);

}  // namespace quarry

template <>
struct std::hash<quarry::Value> {
  std::size_t operator()(const quarry::Value& v) const noexcept { return quarry::hash_value(v); }
};
