#include "query/plan/scope.hpp"

namespace quarry::query {

const Source* Scope::source(const std::string& name) const {
  const std::string& key = name == "$" ? default_source : name;
  auto it = sources.find(key);
  return it == sources.end() ? nullptr : &it->second;
}

}  // namespace quarry::query
