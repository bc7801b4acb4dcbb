// The registry of built-in functions, and the helpers the family files share
// (query/builtins/builtin_families.hpp).
#include "query/builtins/builtins.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include "codec/edn_printer.hpp"
#include "codec/edn_string.hpp"
#include "query/builtins/builtin_families.hpp"

namespace quarry::query {
namespace {

std::vector<const Builtin*> build_registry() {
  std::vector<const Builtin*> all;
  for (auto family : {builtins::compare_family(), builtins::math_family(), builtins::logic_family(),
                      builtins::string_family(), builtins::regex_family(), builtins::coll_family(),
                      builtins::db_family()})
    for (const Builtin& b : family) all.push_back(&b);
  std::sort(all.begin(), all.end(),
            [](const Builtin* a, const Builtin* b) { return a->name < b->name; });
  return all;
}

}  // namespace

const Builtin* find_builtin(std::string_view name) noexcept {
  static const std::vector<const Builtin*> registry = build_registry();
  auto it = std::lower_bound(registry.begin(), registry.end(), name,
                             [](const Builtin* b, std::string_view n) { return b->name < n; });
  return it != registry.end() && (*it)->name == name ? *it : nullptr;
}

BinaryComparison binary_comparison(const Builtin* fn) noexcept { return builtins::binary_comparison_of(fn); }

namespace builtins {

std::string abbreviated_edn(const Value& v, std::size_t limit) {
  std::string s = to_edn(v);
  if (s.size() > limit) {
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
    s.resize(cut);
    s += "...";
  }
  return s;
}

Error call_error(std::string_view fn, std::span<const Value> args, std::string_view reason) {
  std::string msg = "(";
  msg += fn;
  for (const Value& a : args) {
    msg += ' ';
    msg += abbreviated_edn(a);
  }
  msg += "): ";
  msg += reason;
  return Error{ErrorCode::QueryFunction, std::move(msg)};
}

std::optional<Number> as_number(const Value& v) noexcept {
  if (auto l = v.get_if<std::int64_t>()) return Number{false, *l, 0};
  if (auto d = v.get_if<double>()) return Number{true, 0, *d};
  return std::nullopt;
}

int query_compare(const Value& a, const Value& b) noexcept { return compare_by_value(a, b); }

bool query_equal(const Value& a, const Value& b) noexcept {
  if (a.is_number() && b.is_number()) return query_compare(a, b) == 0;
  auto items = [](const Value& v) -> const std::vector<Value>* {
    if (auto vec = v.get_if<Vector>()) return &vec->items;
    if (auto list = v.get_if<List>()) return &list->items;
    return nullptr;
  };
  const auto *xs = items(a), *ys = items(b);
  if (xs && ys) {
    if (xs->size() != ys->size()) return false;
    for (std::size_t i = 0; i < xs->size(); ++i)
      if (!query_equal((*xs)[i], (*ys)[i])) return false;
    return true;
  }
  return compare(a, b) == 0;
}

void append_str(std::string& out, const Value& v) {
  switch (v.kind()) {
    case ValueKind::Nil: return;
    case ValueKind::String: out += v.as<std::string>(); return;
    case ValueKind::Symbol: out += v.as<Symbol>().qualified(); return;
    case ValueKind::Uuid: {  // (str #uuid "…") is the bare uuid text
      std::string edn = to_edn(v);  // #uuid "…"
      auto open = edn.find('"');
      out.append(edn, open + 1, edn.size() - open - 2);
      return;
    }
    case ValueKind::Char: append_utf8(out, v.as<Char>().code_point); return;
    default: append_edn(out, v); return;
  }
}

std::mt19937_64& random_engine() {
  thread_local std::mt19937_64 engine = [] {
    try {
      std::random_device device;
      std::seed_seq seed{device(), device(), device(), device()};
      return std::mt19937_64(seed);
    } catch (...) {  // no entropy source: fall back to the clock and this thread's address
      auto t = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
      int local = 0;
      return std::mt19937_64(t ^ reinterpret_cast<std::uintptr_t>(&local));
    }
  }();
  return engine;
}

}  // namespace builtins
}  // namespace quarry::query
