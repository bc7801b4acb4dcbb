// The built-in functions and predicates of queries: everything DataScript 1.8 provides
// (datascript.built-ins): comparison (= == not= != < > <= >=), arithmetic (+ - * / quot rem mod
// inc dec max min), predicates (zero? pos? neg? even? odd? nil? some? true? false? identity
// complement-free ones), strings (str subs starts-with? ends-with? includes? blank? clojure.string/*
// forms, re-find re-matches re-seq re-pattern), collections (vector list hash-map hash-set tuple
// untuple count identity keyword name namespace type), and the database ones (get-else get-some
// missing? ground).
//
// Values reaching a built-in follow the query layer's conventions: entity ids (and ref values) are
// longs, attributes are keywords. A function is looked up once per clause when the query is
// planned; calling it is cheap.
//
// Errors: a function applied to values it does not accept (e.g. (< 1 "a") is fine — values of all
// kinds compare — but (+ 1 "a") is not) returns :query/function naming the function and values.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "codec/error.hpp"
#include "codec/value.hpp"
#include "index/db.hpp"

namespace quarry::query {

struct Builtin {
  std::string_view name;
  int min_args = 0;
  int max_args = -1;  // -1: any number
  // True for get-else, get-some and missing?: the first argument is a database ($), passed as
  // `source`; `args` then holds the remaining arguments.
  bool takes_source = false;
  Result<Value> (*call)(const index::Db* source, std::span<const Value> args) = nullptr;
};

// nullptr for an unknown name. Names are as written in queries ("<", "re-find",
// "clojure.string/includes?").
[[nodiscard]] const Builtin* find_builtin(std::string_view name) noexcept;

// The comparison built-ins (= == not= != < > <= >=) called with two arguments, as a plain test
// of two values giving what the built-in's call gives (true or false), for callers that test many
// rows; nullptr for any other built-in.
using BinaryComparison = bool (*)(const Value& a, const Value& b) noexcept;
[[nodiscard]] BinaryComparison binary_comparison(const Builtin* fn) noexcept;

// ---- custom functions (custom_registry.cpp) ----
// A function the application registers, called in queries by its name like a built-in
// ([(my/f ?x) ?y], [(my/f ?x)]) or passed as a function input (the symbol my/f). It gets the
// arguments in the query layer's conventions (entity ids and refs as longs) and returns the result
// (nil binds nothing; as a predicate, nil and false drop the row) or an error that ends the query.
// Any number of arguments reach it: it checks them itself. It may be called from several threads.
using CustomFunction = std::function<Result<Value>(std::span<const Value> args)>;

// Registers `fn` under `name` for every query parsed from now on, process-wide, replacing an
// earlier registration of the name. Thread-safe. :query/invalid when the name is not a plain
// symbol, names a built-in function, or `fn` is empty.
[[nodiscard]] Result<void> register_custom_function(std::string_view name, CustomFunction fn);
// The registered function, or nullptr; valid while held. Thread-safe.
[[nodiscard]] std::shared_ptr<const CustomFunction> find_custom_function(std::string_view name);

// Clojure truthiness: everything but nil and false.
[[nodiscard]] inline bool truthy(const Value& v) noexcept {
  return !(v.is_nil() || (v.is<bool>() && !v.as<bool>()));
}

}  // namespace quarry::query
