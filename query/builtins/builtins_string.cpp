// Strings and names: str subs pr-str print-str println-str prn-str name namespace keyword
// clojure.string/blank? clojure.string/includes? clojure.string/starts-with?
// clojure.string/ends-with?
//
// Strings are UTF-8; subs counts code points (DataScript counts UTF-16 units: the same for text
// in the Basic Multilingual Plane). Doubles print as Clojure on the JVM prints them ((str 1.0) is
// "1.0"; DataScript on JavaScript prints "1").
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "codec/edn_printer.hpp"
#include "query/builtins/builtin_families.hpp"

namespace quarry::query::builtins {
namespace {

const std::string* string_arg(const Value& v) { return v.get_if<std::string>(); }

Result<Value> str(const index::Db*, std::span<const Value> args) {
  std::string out;
  for (const Value& a : args) append_str(out, a);
  return Value(std::move(out));
}

// Clojure's print (print-str): like pr-str, but strings and characters, also inside
// collections, appear without quotes or escapes.
void append_print(std::string& out, const Value& v) {
  auto items = [&](const std::vector<Value>& xs, std::string_view open, std::string_view close) {
    out += open;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      if (i) out += ' ';
      append_print(out, xs[i]);
    }
    out += close;
  };
  switch (v.kind()) {
    case ValueKind::String:
    case ValueKind::Char: append_str(out, v); return;
    case ValueKind::Vector: items(v.as<Vector>().items, "[", "]"); return;
    case ValueKind::List: items(v.as<List>().items, "(", ")"); return;
    case ValueKind::Set: items(v.as<Set>().items, "#{", "}"); return;
    case ValueKind::Map: {
      out += '{';
      bool first = true;
      for (const auto& [k, x] : v.as<Map>().entries) {
        if (!first) out += ", ";
        first = false;
        append_print(out, k);
        out += ' ';
        append_print(out, x);
      }
      out += '}';
      return;
    }
    case ValueKind::Tagged:
      out += '#';
      out += v.as<Tagged>().tag.qualified();
      out += ' ';
      append_print(out, *v.as<Tagged>().value);
      return;
    default: append_edn(out, v); return;
  }
}

// pr-str / prn-str (readable: EDN) and print-str / println-str (not readable): the arguments
// separated by spaces, with a trailing newline for the -ln/prn forms.
template <bool readable, bool newline>
Result<Value> print_fn(const index::Db*, std::span<const Value> args) {
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i) out += ' ';
    if (readable)
      append_edn(out, args[i]);
    else
      append_print(out, args[i]);
  }
  if (newline) out += '\n';
  return Value(std::move(out));
}

// Byte offset of each code point of s, plus s.size() at the end.
std::vector<std::size_t> code_point_offsets(const std::string& s) {
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) offsets.push_back(i);
  offsets.push_back(s.size());
  return offsets;
}

// (subs s start) / (subs s start end), with DataScript's (JavaScript substring's) leniency:
// indexes are clamped to [0, (count s)] and swapped when start > end.
Result<Value> subs(const index::Db*, std::span<const Value> args) {
  const std::string* s = string_arg(args[0]);
  const auto* start = args[1].get_if<std::int64_t>();
  const std::int64_t* end = args.size() > 2 ? args[2].get_if<std::int64_t>() : nullptr;
  if (!s || !start || (args.size() > 2 && !end))
    return call_fail("subs", args, "expects a string and integer indexes");
  auto offsets = code_point_offsets(*s);
  auto length = static_cast<std::int64_t>(offsets.size() - 1);
  auto clamp = [&](std::int64_t i) { return std::clamp<std::int64_t>(i, 0, length); };
  std::int64_t from = clamp(*start), to = end ? clamp(*end) : length;
  if (from > to) std::swap(from, to);
  return Value(s->substr(offsets[from], offsets[to] - offsets[from]));
}

Result<Value> name(const index::Db*, std::span<const Value> args) {
  const Value& v = args[0];
  if (auto k = v.get_if<Keyword>()) return Value(k->name);
  if (auto s = v.get_if<Symbol>()) return Value(s->name);
  if (auto s = string_arg(v)) return Value(*s);
  return call_fail("name", args, "expects a keyword, symbol or string");
}

Result<Value> namespace_fn(const index::Db*, std::span<const Value> args) {
  const std::string* ns = nullptr;
  if (auto k = args[0].get_if<Keyword>()) ns = &k->ns;
  else if (auto s = args[0].get_if<Symbol>()) ns = &s->ns;
  else return call_fail("namespace", args, "expects a keyword or symbol");
  return ns->empty() ? Value() : Value(*ns);
}

// (keyword x): a keyword as is; a symbol's namespace and name; a string split at its first '/'
// (unless that is its first or last character); nil (as in Clojure) for anything else.
// (keyword ns name): ns a string or nil, name a string.
Result<Value> keyword(const index::Db*, std::span<const Value> args) {
  if (args.size() == 2) {
    const std::string* name = string_arg(args[1]);
    if (!name || !(args[0].is_nil() || args[0].is<std::string>()))
      return call_fail("keyword", args, "expects a namespace (string or nil) and a name (string)");
    return Value(Keyword{args[0].is_nil() ? std::string() : args[0].as<std::string>(), *name});
  }
  const Value& v = args[0];
  if (v.is<Keyword>()) return v;
  if (auto s = v.get_if<Symbol>()) return Value(Keyword{s->ns, s->name});
  if (auto s = string_arg(v)) {
    auto slash = s->find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == s->size()) return Value(Keyword{"", *s});
    return Value(Keyword{s->substr(0, slash), s->substr(slash + 1)});
  }
  return Value();
}

bool is_blank_char(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

Result<Value> blank_p(const index::Db*, std::span<const Value> args) {
  if (args[0].is_nil()) return Value(true);
  const std::string* s = string_arg(args[0]);
  if (!s) return call_fail("clojure.string/blank?", args, "expects a string or nil");
  for (char c : *s)
    if (!is_blank_char(c)) return Value(false);
  return Value(true);
}

// A test on two strings, the subject and the part looked for.
template <bool (*test)(std::string_view, std::string_view)>
Result<Value> string_test(std::string_view fn, std::span<const Value> args) {
  const std::string *s = string_arg(args[0]), *part = string_arg(args[1]);
  if (!s || !part) return call_fail(fn, args, "expects strings");
  return Value(test(*s, *part));
}
bool includes(std::string_view s, std::string_view p) { return s.find(p) != std::string_view::npos; }
bool starts_with(std::string_view s, std::string_view p) { return s.starts_with(p); }
bool ends_with(std::string_view s, std::string_view p) { return s.ends_with(p); }

Result<Value> includes_p(const index::Db*, std::span<const Value> args) {
  return string_test<includes>("clojure.string/includes?", args);
}
Result<Value> starts_with_p(const index::Db*, std::span<const Value> args) {
  return string_test<starts_with>("clojure.string/starts-with?", args);
}
Result<Value> ends_with_p(const index::Db*, std::span<const Value> args) {
  return string_test<ends_with>("clojure.string/ends-with?", args);
}

constexpr std::array kTable{
    Builtin{"str", 0, -1, false, &str},
    Builtin{"subs", 2, 3, false, &subs},
    Builtin{"pr-str", 0, -1, false, &print_fn<true, false>},
    Builtin{"prn-str", 0, -1, false, &print_fn<true, true>},
    Builtin{"print-str", 0, -1, false, &print_fn<false, false>},
    Builtin{"println-str", 0, -1, false, &print_fn<false, true>},
    Builtin{"name", 1, 1, false, &name},
    Builtin{"namespace", 1, 1, false, &namespace_fn},
    Builtin{"keyword", 1, 2, false, &keyword},
    Builtin{"clojure.string/blank?", 1, 1, false, &blank_p},
    Builtin{"clojure.string/includes?", 2, 2, false, &includes_p},
    Builtin{"clojure.string/starts-with?", 2, 2, false, &starts_with_p},
    Builtin{"clojure.string/ends-with?", 2, 2, false, &ends_with_p},
};

}  // namespace

std::span<const Builtin> string_family() noexcept { return kTable; }

}  // namespace quarry::query::builtins
