// Identity and truth: identity ground untuple meta nil? some? true? false? not and or.
//
// and/or are functions in DataScript (not macros): every argument is already evaluated. (and)
// returns the first falsy argument or else the last one (true with none); (or) the first truthy
// argument or else the last one (nil with none).
#include <array>

#include "query/builtins/builtin_families.hpp"

namespace quarry::query::builtins {
namespace {

Result<Value> identity(const index::Db*, std::span<const Value> args) { return args[0]; }

// Values carry no metadata.
Result<Value> meta(const index::Db*, std::span<const Value>) { return Value(); }

Result<Value> nil_p(const index::Db*, std::span<const Value> args) { return Value(args[0].is_nil()); }
Result<Value> some_p(const index::Db*, std::span<const Value> args) { return Value(!args[0].is_nil()); }

Result<Value> true_p(const index::Db*, std::span<const Value> args) {
  return Value(args[0].is<bool>() && args[0].as<bool>());
}
Result<Value> false_p(const index::Db*, std::span<const Value> args) {
  return Value(args[0].is<bool>() && !args[0].as<bool>());
}

Result<Value> not_fn(const index::Db*, std::span<const Value> args) { return Value(!truthy(args[0])); }

Result<Value> and_fn(const index::Db*, std::span<const Value> args) {
  if (args.empty()) return Value(true);
  for (const Value& a : args)
    if (!truthy(a)) return a;
  return args.back();
}

Result<Value> or_fn(const index::Db*, std::span<const Value> args) {
  for (const Value& a : args)
    if (truthy(a)) return a;
  return args.empty() ? Value() : args.back();
}

constexpr std::array kTable{
    Builtin{"identity", 1, 1, false, &identity},
    // (ground c) binds a constant; the engine may also treat it specially.
    Builtin{"ground", 1, 1, false, &identity},
    // (untuple t) returns t: the destructuring is done by the binding form, e.g. [[?a ?b]].
    Builtin{"untuple", 1, 1, false, &identity},
    Builtin{"meta", 1, 1, false, &meta},
    Builtin{"nil?", 1, 1, false, &nil_p},
    Builtin{"some?", 1, 1, false, &some_p},
    Builtin{"true?", 1, 1, false, &true_p},
    Builtin{"false?", 1, 1, false, &false_p},
    Builtin{"not", 1, 1, false, &not_fn},
    Builtin{"and", 0, -1, false, &and_fn},
    Builtin{"or", 0, -1, false, &or_fn},
};

}  // namespace

std::span<const Builtin> logic_family() noexcept { return kTable; }

}  // namespace quarry::query::builtins
