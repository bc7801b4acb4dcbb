#include "query/builtins.hpp"

#include <algorithm>
#include <vector>

#include "query/builtin_families.hpp"

namespace quarry::query {
namespace {

std::vector<const Builtin*> build_registry() {
  std::vector<const Builtin*> all;
  for (auto family : {builtins::compare_family()})
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

}  // namespace quarry::query
