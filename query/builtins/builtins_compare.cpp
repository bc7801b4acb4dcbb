// Equality and order: = == not= != < > <= >= compare identical? -differ?
//
// Values of every kind compare (query_compare: quarry::compare with long and double compared by
// numeric value), so (< 1 "a") is true rather than an error, as in DataScript.
#include <array>

#include "query/builtins/builtin_families.hpp"

namespace quarry::query::builtins {
namespace {

bool all_equal(std::span<const Value> args) {
  for (std::size_t i = 1; i < args.size(); ++i)
    if (!query_equal(args[i - 1], args[i])) return false;
  return true;
}

Result<Value> eq(const index::Db*, std::span<const Value> args) { return Value(all_equal(args)); }
Result<Value> not_eq_(const index::Db*, std::span<const Value> args) { return Value(!all_equal(args)); }

// Each adjacent pair satisfies `holds` on query_compare's result.
template <bool (*holds)(int)>
Result<Value> chain(const index::Db*, std::span<const Value> args) {
  for (std::size_t i = 1; i < args.size(); ++i)
    if (!holds(query_compare(args[i - 1], args[i]))) return Value(false);
  return Value(true);
}
bool lt(int c) { return c < 0; }
bool gt(int c) { return c > 0; }
bool le(int c) { return c <= 0; }
bool ge(int c) { return c >= 0; }

Result<Value> compare_fn(const index::Db*, std::span<const Value> args) {
  int c = query_compare(args[0], args[1]);
  return Value(static_cast<std::int64_t>(c < 0 ? -1 : (c > 0 ? 1 : 0)));
}

// JavaScript's identity, which DataScript's identical? is: equal primitives (nil, booleans,
// numbers, strings) are identical; keywords and collections are objects there, and two of them
// are identical only if they are the same object, which values have no notion of: false.
Result<Value> identical(const index::Db*, std::span<const Value> args) {
  const Value &a = args[0], &b = args[1];
  switch (a.kind()) {
    case ValueKind::Nil:
    case ValueKind::Boolean:
    case ValueKind::Long:
    case ValueKind::Double:
    case ValueKind::String: return Value(query_equal(a, b));
    default: return Value(false);
  }
}

// DataScript's internal (-differ? & xs): the first half of the arguments differs from the second
// half. With an odd count the first "half" takes the middle element (Clojure's take/drop of a
// fractional count), so the halves always differ.
Result<Value> differ(const index::Db*, std::span<const Value> args) {
  std::size_t half = (args.size() + 1) / 2;
  auto first = args.first(half), rest = args.subspan(half);
  if (first.size() != rest.size()) return Value(true);
  for (std::size_t i = 0; i < first.size(); ++i)
    if (!query_equal(first[i], rest[i])) return Value(true);
  return Value(false);
}

constexpr std::array kTable{
    Builtin{"=", 1, -1, false, &eq},
    Builtin{"==", 1, -1, false, &eq},
    Builtin{"not=", 1, -1, false, &not_eq_},
    Builtin{"!=", 1, -1, false, &not_eq_},
    Builtin{"<", 1, -1, false, &chain<lt>},
    Builtin{">", 1, -1, false, &chain<gt>},
    Builtin{"<=", 1, -1, false, &chain<le>},
    Builtin{">=", 1, -1, false, &chain<ge>},
    Builtin{"compare", 2, 2, false, &compare_fn},
    Builtin{"identical?", 2, 2, false, &identical},
    Builtin{"-differ?", 0, -1, false, &differ},
};

bool equal2(const Value& a, const Value& b) noexcept { return query_equal(a, b); }
bool not_equal2(const Value& a, const Value& b) noexcept { return !query_equal(a, b); }
template <bool (*holds)(int)>
bool holds2(const Value& a, const Value& b) noexcept {
  return holds(query_compare(a, b));
}

}  // namespace

std::span<const Builtin> compare_family() noexcept { return kTable; }

BinaryComparison binary_comparison_of(const Builtin* fn) noexcept {
  if (!fn) return nullptr;
  if (fn->call == &eq) return &equal2;
  if (fn->call == &not_eq_) return &not_equal2;
  if (fn->call == &chain<lt>) return &holds2<lt>;
  if (fn->call == &chain<gt>) return &holds2<gt>;
  if (fn->call == &chain<le>) return &holds2<le>;
  if (fn->call == &chain<ge>) return &holds2<ge>;
  return nullptr;
}

}  // namespace quarry::query::builtins
