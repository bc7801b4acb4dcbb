// The registry of custom aggregates (aggregates.hpp): a process-wide map from name to function,
// read by every query that uses one (a shared lock per lookup, once per :find element) and written
// by register_custom_aggregate.
#include <map>
#include <mutex>
#include <shared_mutex>

#include "query/builtins/aggregates.hpp"

namespace quarry::query {
namespace {

struct Registry {
  std::shared_mutex mutex;
  std::map<std::string, std::shared_ptr<const CustomAggregate>, std::less<>> functions;
};

Registry& registry() {
  static Registry r;
  return r;
}

// A symbol the query parser reads as a function name: no sigil ?, $, %, not "_", no spaces.
bool plain_symbol_name(std::string_view name) {
  if (name.empty() || name == "_" || name == "." || name == "...") return false;
  if (name.front() == '?' || name.front() == '$' || name.front() == '%' || name.front() == ':') return false;
  for (char c : name)
    if (c == ' ' || c == '\t' || c == '\n' || c == ',' || c == '"' || c == '(' || c == ')' || c == '[' ||
        c == ']' || c == '{' || c == '}' || c == ';')
      return false;
  return true;
}

}  // namespace

Result<void> register_custom_aggregate(std::string_view name, CustomAggregate fn) {
  if (!plain_symbol_name(name))
    return std::unexpected(Error{ErrorCode::QueryInvalid,
                                 "A custom aggregate needs a plain symbol as its name, got '" + std::string(name) + "'"});
  if (find_aggregate(name))
    return std::unexpected(
        Error{ErrorCode::QueryInvalid, "'" + std::string(name) + " is a built-in aggregate and cannot be replaced"});
  if (!fn)
    return std::unexpected(Error{ErrorCode::QueryInvalid, "The custom aggregate '" + std::string(name) + " is empty"});
  auto shared = std::make_shared<const CustomAggregate>(std::move(fn));
  Registry& r = registry();
  std::unique_lock lock(r.mutex);
  r.functions.insert_or_assign(std::string(name), std::move(shared));
  return {};
}

std::shared_ptr<const CustomAggregate> find_custom_aggregate(std::string_view name) {
  Registry& r = registry();
  std::shared_lock lock(r.mutex);
  auto it = r.functions.find(name);
  return it == r.functions.end() ? nullptr : it->second;
}

}  // namespace quarry::query
