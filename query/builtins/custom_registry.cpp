// What the application registers: custom aggregates (aggregates.hpp) and custom functions
// (builtins.hpp). Each is a process-wide map from name to function, read by every query that uses
// one (a shared lock per lookup: once per clause or :find element when the query is checked and
// run, and once per distinct function input) and written by the register_* functions.
#include <map>
#include <mutex>
#include <shared_mutex>

#include "query/builtins/aggregates.hpp"
#include "query/builtins/builtins.hpp"

namespace quarry::query {
namespace {

template <typename Fn>
struct Registry {
  std::shared_mutex mutex;
  std::map<std::string, std::shared_ptr<const Fn>, std::less<>> functions;

  void put(std::string_view name, Fn fn) {
    auto shared = std::make_shared<const Fn>(std::move(fn));
    std::unique_lock lock(mutex);
    functions.insert_or_assign(std::string(name), std::move(shared));
  }
  std::shared_ptr<const Fn> get(std::string_view name) {
    std::shared_lock lock(mutex);
    auto it = functions.find(name);
    return it == functions.end() ? nullptr : it->second;
  }
};

Registry<CustomAggregate>& aggregates() {
  static Registry<CustomAggregate> r;
  return r;
}

Registry<CustomFunction>& functions() {
  static Registry<CustomFunction> r;
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

// The checks common to both kinds: `what` is "aggregate" or "function".
Result<void> check_registration(std::string_view what, std::string_view name, bool builtin, bool empty) {
  if (!plain_symbol_name(name))
    return std::unexpected(Error{ErrorCode::QueryInvalid, "A custom " + std::string(what) +
                                                              " needs a plain symbol as its name, got '" +
                                                              std::string(name) + "'"});
  if (builtin)
    return std::unexpected(Error{ErrorCode::QueryInvalid, "'" + std::string(name) + " is a built-in " +
                                                              std::string(what) + " and cannot be replaced"});
  if (empty)
    return std::unexpected(
        Error{ErrorCode::QueryInvalid, "The custom " + std::string(what) + " '" + std::string(name) + " is empty"});
  return {};
}

}  // namespace

Result<void> register_custom_aggregate(std::string_view name, CustomAggregate fn) {
  if (auto ok = check_registration("aggregate", name, find_aggregate(name) != nullptr, !fn); !ok) return ok;
  aggregates().put(name, std::move(fn));
  return {};
}

std::shared_ptr<const CustomAggregate> find_custom_aggregate(std::string_view name) {
  return aggregates().get(name);
}

Result<void> register_custom_function(std::string_view name, CustomFunction fn) {
  if (auto ok = check_registration("function", name, find_builtin(name) != nullptr, !fn); !ok) return ok;
  functions().put(name, std::move(fn));
  return {};
}

std::shared_ptr<const CustomFunction> find_custom_function(std::string_view name) {
  return functions().get(name);
}

}  // namespace quarry::query
