#include "quarry/transaction.hpp"

#include "quarry/quarry.hpp"

namespace quarry {

TxOp TxOp::entity(std::optional<EntityRef> id, std::vector<std::pair<Keyword, Value>> attrs) {
  std::vector<std::pair<Value, Value>> entries;
  entries.reserve(attrs.size() + 1);
  if (id) entries.emplace_back(Value::keyword("db/id"), id->value());
  for (auto& [a, v] : attrs) entries.emplace_back(Value(std::move(a)), std::move(v));
  Map m;
  Value duplicate;
  if (!make_map(std::move(entries), m, &duplicate)) {
    // A repeated attribute: keep the form well-formed but unmistakably invalid, so transact()
    // reports it as :tx/syntax naming the attribute.
    return TxOp(Value(Vector{{Value::keyword("db/add"), Value("duplicate attribute in TxOp::entity"),
                              duplicate}}));
  }
  return TxOp(Value(std::move(m)));
}

std::optional<EntityId> TxReport::tempid(const Value& name) const {
  for (const auto& [k, e] : tempids)
    if (k == name) return e;
  return std::nullopt;
}

Value TxReport::summary() const {
  std::vector<std::pair<Value, Value>> ids;
  for (const auto& [k, e] : tempids) ids.emplace_back(k, Value(static_cast<std::int64_t>(e.value)));
  Map tempid_map;
  (void)make_map(std::move(ids), tempid_map);
  Map out;
  (void)make_map({{Value::keyword("tx"), Value(static_cast<std::int64_t>(tx.value))},
                  {Value::keyword("tempids"), Value(std::move(tempid_map))},
                  {Value::keyword("datoms"), Value(static_cast<std::int64_t>(datoms.size()))}},
                 out);
  return out;
}

}  // namespace quarry
