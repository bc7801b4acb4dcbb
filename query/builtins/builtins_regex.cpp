// Regular expressions: re-pattern re-find re-matches re-seq.
//
// A pattern is a string. DataScript's patterns are regex objects (#"…" literals, or
// re-pattern's result); EDN has no regex literal, so Quarry's re-pattern validates its string
// and returns it, and the re-* functions take pattern strings.
//
// Matching is RE2's (README.md, "Dependencies"): time linear in the subject's length and stack use independent
// of it, whatever the pattern — (re-find "(a+)+b" (a string of 10,000 a's)) answers at once where a
// backtracking matcher takes longer than the universe. RE2 prefers the leftmost, then first
// alternative, as ECMAScript and DataScript do ((re-find "a|ab" "ab") is "a"). It has no
// back-references and no look-around: such patterns are errors (doc/query-functions.md lists the
// syntax differences). Patterns and subjects are UTF-8, and `.` matches one code point. A pattern
// may start with Java/Clojure inline flags, as re-pattern allows: (?i) ignores case, (?m) makes ^
// and $ match at line breaks; other flags are errors.
//
// Results are Clojure's: with no groups in the pattern a match is the matched string; with
// groups it is a vector [whole group1 group2 …] with nil for a group that did not take part.
// No match is nil; re-seq returns a list of matches, or nil when there is none.
#include <re2/re2.h>

#include <array>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "query/builtins/builtin_families.hpp"

namespace quarry::query::builtins {
namespace {

struct Compiled {
  std::shared_ptr<const re2::RE2> re;  // null when the pattern is invalid
  std::string error;                   // why re is null
};

// Why RE2 refused a pattern JavaScript accepts, when it is one of the known differences.
std::string_view unsupported_hint(std::string_view p) {
  for (std::size_t i = 0; i < p.size(); ++i) {
    std::string_view rest = p.substr(i);
    if (rest.size() >= 2 && rest[0] == '\\') {
      char c = rest[1];
      if ((c >= '1' && c <= '9') || c == 'k') return "back-references such as \\1 are not supported";
      if (c == 'u') return "write \\x{XXXX} for a code point, not \\uXXXX";
      ++i;
      continue;
    }
    if (rest.starts_with("(?=") || rest.starts_with("(?!") || rest.starts_with("(?<=") ||
        rest.starts_with("(?<!"))
      return "look-around is not supported";
    if (rest.starts_with("(?<")) return "write a named group as (?P<name>...)";
  }
  return {};
}

Compiled compile(const std::string& pattern) {
  std::string_view body = pattern;
  if (body.starts_with("(?")) {
    auto close = body.find(')');
    std::string_view letters = close == std::string_view::npos ? "" : body.substr(2, close - 2);
    bool all_letters = !letters.empty() && letters.find_first_not_of("abcdefghijklmnopqrstuvwxyz") == std::string_view::npos;
    if (all_letters) {
      for (char c : letters) {
        if (c != 'i' && c != 'm') return {nullptr, std::string("unsupported regex flag '") + c + "'"};
      }
    }
  }
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_encoding(re2::RE2::Options::EncodingUTF8);
  // RE2 understands (?i) and (?m) itself, so the pattern goes in whole.
  auto re = std::make_shared<const re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    std::string why = re->error();
    if (std::string_view h = unsupported_hint(pattern); !h.empty()) why += " (" + std::string(h) + ")";
    return {nullptr, "invalid regex: " + why};
  }
  return {std::move(re), {}};
}

// Compiles `pattern`, remembering the last few patterns of this thread: a query calls the same
// function with the same pattern once per row.
const Compiled& compiled(const std::string& pattern) {
  constexpr std::size_t kCacheSize = 32;
  thread_local std::unordered_map<std::string, Compiled> cache;
  if (auto it = cache.find(pattern); it != cache.end()) return it->second;
  if (cache.size() >= kCacheSize) cache.clear();
  return cache.emplace(pattern, compile(pattern)).first->second;
}

// The match in groups[0] and its groups, as Clojure gives them.
Value match_value(const std::vector<re2::StringPiece>& groups) {
  auto text = [](const re2::StringPiece& g) {
    return g.data() ? Value(std::string(g.data(), g.size())) : Value();
  };
  if (groups.size() == 1) return text(groups[0]);
  Vector out;
  out.items.reserve(groups.size());
  for (const auto& g : groups) out.items.push_back(text(g));
  return Value(std::move(out));
}

// Bytes of the UTF-8 sequence starting with `lead` (1 for a stray continuation byte).
std::size_t utf8_length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

enum class Mode { Find, Matches, Seq };

template <Mode mode>
Result<Value> re_apply(std::string_view fn, std::span<const Value> args) {
  const auto* pattern = args[0].get_if<std::string>();
  const auto* subject = args[1].get_if<std::string>();
  if (!pattern || !subject) return call_fail(fn, args, "expects a pattern string and a string");
  const Compiled& c = compiled(*pattern);
  if (!c.re) return call_fail(fn, args, c.error);
  const re2::RE2& re = *c.re;
  const re2::StringPiece text(subject->data(), subject->size());
  std::vector<re2::StringPiece> groups(static_cast<std::size_t>(re.NumberOfCapturingGroups()) + 1);
  const int n = static_cast<int>(groups.size());
  if constexpr (mode == Mode::Find) {
    if (!re.Match(text, 0, text.size(), re2::RE2::UNANCHORED, groups.data(), n)) return Value();
    return match_value(groups);
  } else if constexpr (mode == Mode::Matches) {
    if (!re.Match(text, 0, text.size(), re2::RE2::ANCHOR_BOTH, groups.data(), n)) return Value();
    return match_value(groups);
  } else {
    // As Java's Matcher.find in a loop (Clojure's re-seq): after an empty match the search goes on
    // one character further, so "x*" on "ab" gives ("" "" "").
    List matches;
    std::size_t at = 0;
    while (at <= text.size() &&
           re.Match(text, at, text.size(), re2::RE2::UNANCHORED, groups.data(), n)) {
      matches.items.push_back(match_value(groups));
      std::size_t end = static_cast<std::size_t>(groups[0].data() - text.data()) + groups[0].size();
      if (groups[0].empty()) {
        if (end >= text.size()) break;
        end += utf8_length(static_cast<unsigned char>(text[end]));
      }
      at = end;
    }
    if (matches.items.empty()) return Value();
    return Value(std::move(matches));
  }
}

Result<Value> re_find(const index::Db*, std::span<const Value> args) { return re_apply<Mode::Find>("re-find", args); }
Result<Value> re_matches(const index::Db*, std::span<const Value> args) {
  return re_apply<Mode::Matches>("re-matches", args);
}
Result<Value> re_seq(const index::Db*, std::span<const Value> args) { return re_apply<Mode::Seq>("re-seq", args); }

Result<Value> re_pattern(const index::Db*, std::span<const Value> args) {
  const auto* pattern = args[0].get_if<std::string>();
  if (!pattern) return call_fail("re-pattern", args, "expects a string");
  const Compiled& c = compiled(*pattern);
  if (!c.re) return call_fail("re-pattern", args, c.error);
  return args[0];
}

constexpr std::array kTable{
    Builtin{"re-find", 2, 2, false, &re_find},
    Builtin{"re-matches", 2, 2, false, &re_matches},
    Builtin{"re-seq", 2, 2, false, &re_seq},
    Builtin{"re-pattern", 1, 1, false, &re_pattern},
};

}  // namespace

std::span<const Builtin> regex_family() noexcept { return kTable; }

}  // namespace quarry::query::builtins
