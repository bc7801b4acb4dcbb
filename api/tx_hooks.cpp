#include "api/tx_hooks.hpp"

#include "api/db_impl.hpp"
#include "query/builtins/builtins.hpp"

namespace quarry {
namespace {

template <class Fn>
std::shared_ptr<const Fn> find(TxRegistry& r, const std::unordered_map<std::string, std::shared_ptr<const Fn>>& map,
                               const std::string& name) {
  std::lock_guard lock(r.mutex);
  auto it = map.find(name);
  return it == map.end() ? nullptr : it->second;
}

std::optional<Result<Value>> attr_predicate(const Symbol& name, const Value& v) {
  const std::string qualified = name.qualified();
  std::span<const Value> args(&v, 1);
  if (const auto* builtin = query::find_builtin(qualified)) {
    if (builtin->takes_source || builtin->min_args > 1 || builtin->max_args == 0) return std::nullopt;
    return builtin->call(nullptr, args);
  }
  if (auto custom = query::find_custom_function(qualified)) return (*custom)(args);
  return std::nullopt;
}

}  // namespace

tx::TxHooks make_tx_hooks(std::shared_ptr<TxRegistry> registry) {
  tx::TxHooks hooks;
  hooks.call_function = [registry](const Keyword& name, const index::Db& before,
                                   std::span<const Value> args) -> std::optional<Result<Value>> {
    auto fn = find(*registry, registry->functions, name.qualified());
    if (!fn) return std::nullopt;
    return (*fn)(wrap_db(before, registry->settings.lock()), args);
  };
  hooks.attr_predicate = attr_predicate;
  hooks.entity_predicate = [registry](const Symbol& name, const index::Db& after,
                                      EntityId e) -> std::optional<Result<Value>> {
    auto fn = find(*registry, registry->entity_preds, name.qualified());
    if (!fn) return std::nullopt;
    auto ok = (*fn)(wrap_db(after, registry->settings.lock()), e);
    if (!ok) return Result<Value>(std::unexpected(ok.error()));
    return Result<Value>(Value(*ok));
  };
  return hooks;
}

}  // namespace quarry
