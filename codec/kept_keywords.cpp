#include "codec/kept_keywords.hpp"

#include <cstddef>
#include <functional>
#include <string>
#include <unordered_map>

namespace quarry::kept_keywords {
namespace {

struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using Table = std::unordered_map<std::string, Value, TextHash, std::equal_to<>>;
constexpr std::size_t kKept = 4096;

Table& table() {
  thread_local Table kept;
  return kept;
}

}  // namespace

const Value* find(std::string_view qualified) {
  Table& kept = table();
  const auto it = kept.find(qualified);
  return it == kept.end() ? nullptr : &it->second;
}

void keep(std::string_view qualified, const Value& keyword) {
  Table& kept = table();
  if (kept.size() >= kKept) kept.clear();
  kept.emplace(std::string(qualified), keyword);
}

Value shared(std::string_view ns, std::string_view name) {
  thread_local std::string qualified;
  qualified.assign(ns);
  if (!ns.empty()) qualified += '/';
  qualified += name;
  if (const Value* k = find(qualified)) return *k;
  Value made(Keyword{std::string(ns), std::string(name)});
  keep(qualified, made);
  return made;
}

}  // namespace quarry::kept_keywords
