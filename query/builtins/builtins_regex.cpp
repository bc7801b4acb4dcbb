// Regular expressions: re-pattern re-find re-matches re-seq.
//
// A pattern is a string. DataScript's patterns are regex objects (#"…" literals, or
// re-pattern's result); EDN has no regex literal, so Quarry's re-pattern validates its string
// and returns it, and the re-* functions take pattern strings. The syntax is ECMAScript (the
// dialect of DataScript's JavaScript regexes, through std::regex) and matches bytes of UTF-8,
// so `.` is one byte of a multi-byte character. A pattern may start with Java/Clojure inline
// flags, as re-pattern allows: (?i) ignores case, (?m) makes ^ and $ match at line breaks;
// other flags are errors.
//
// Results are Clojure's: with no groups in the pattern a match is the matched string; with
// groups it is a vector [whole group1 group2 …] with nil for a group that did not take part.
// No match is nil; re-seq returns a list of matches, or nil when there is none.
#include <array>
#include <memory>
#include <regex>
#include <string>
#include <unordered_map>

#include "query/builtins/builtin_families.hpp"

namespace quarry::query::builtins {
namespace {

// libstdc++'s backtracking matcher (exact ECMAScript semantics) recurses once per character
// consumed, so on a long subject it could exhaust the stack. Subjects longer than this are
// matched by its polynomial (Thompson NFA) matcher instead, whose recursion depth depends on the
// pattern only; it differs from ECMAScript in one respect — among alternatives it prefers the
// longest match ((re-find "a|ab" "ab") is "ab", not "a") — and refuses back-references.
// Measured (g++ 12, libstdc++): about 0.5 KiB of stack per character at -O2 and 1-2 KiB with
// AddressSanitizer at -O0, so 256 bytes stay well inside any thread's stack.
constexpr std::size_t kMaxBacktrackingSubject = 256;

struct Compiled {
  std::shared_ptr<const std::regex> backtracking;  // null when the pattern is invalid
  std::shared_ptr<const std::regex> polynomial;    // null also when the pattern has back-references
  std::string error;        // why backtracking is null
  std::string long_error;   // why polynomial is null
};

Compiled compile(const std::string& pattern) {
  auto flags = std::regex::ECMAScript;
  std::string_view body = pattern;
  if (body.starts_with("(?")) {
    auto close = body.find(')');
    std::string_view letters = close == std::string_view::npos ? "" : body.substr(2, close - 2);
    bool all_letters = !letters.empty() && letters.find_first_not_of("abcdefghijklmnopqrstuvwxyz") == std::string_view::npos;
    if (all_letters) {
      for (char c : letters) {
        if (c == 'i') flags |= std::regex::icase;
        else if (c == 'm') flags |= std::regex::multiline;
        else return {nullptr, nullptr, std::string("unsupported regex flag '") + c + "'", {}};
      }
      body.remove_prefix(close + 1);
    }
  }
  Compiled out;
  try {
    out.backtracking = std::make_shared<const std::regex>(body.begin(), body.end(), flags);
  } catch (const std::exception& e) {
    out.error = std::string("invalid regex: ") + e.what();
    return out;
  }
  try {
    out.polynomial = std::make_shared<const std::regex>(body.begin(), body.end(), flags | std::regex_constants::__polynomial);
  } catch (const std::exception& e) {
    out.long_error = std::string("string too long for this regex: ") + e.what();
  }
  return out;
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

Value match_value(const std::smatch& m) {
  if (m.size() == 1) return Value(m.str(0));
  Vector groups;
  groups.items.reserve(m.size());
  for (std::size_t i = 0; i < m.size(); ++i)
    groups.items.push_back(m[i].matched ? Value(m.str(i)) : Value());
  return Value(std::move(groups));
}

enum class Mode { Find, Matches, Seq };

template <Mode mode>
Result<Value> re_apply(std::string_view fn, std::span<const Value> args) {
  const auto* pattern = args[0].get_if<std::string>();
  const auto* subject = args[1].get_if<std::string>();
  if (!pattern || !subject) return call_fail(fn, args, "expects a pattern string and a string");
  const Compiled& compiled_re = compiled(*pattern);
  if (!compiled_re.backtracking) return call_fail(fn, args, compiled_re.error);
  const bool long_subject = subject->size() > kMaxBacktrackingSubject;
  if (long_subject && !compiled_re.polynomial) return call_fail(fn, args, compiled_re.long_error);
  const std::regex& regex = long_subject ? *compiled_re.polynomial : *compiled_re.backtracking;
  try {
    std::smatch m;
    if constexpr (mode == Mode::Find) {
      if (!std::regex_search(*subject, m, regex)) return Value();
      return match_value(m);
    } else if constexpr (mode == Mode::Matches) {
      if (!std::regex_match(*subject, m, regex)) return Value();
      return match_value(m);
    } else {
      List matches;
      for (std::sregex_iterator it(subject->begin(), subject->end(), regex), end; it != end; ++it)
        matches.items.push_back(match_value(*it));
      if (matches.items.empty()) return Value();
      return Value(std::move(matches));
    }
  } catch (const std::exception& e) {  // regex_error (complexity, stack) or allocation
    return call_fail(fn, args, e.what());
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
  const Compiled& re = compiled(*pattern);
  if (!re.backtracking) return call_fail("re-pattern", args, re.error);
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
