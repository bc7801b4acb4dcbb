// TxBuilder, excision as tx-data: [:db/add "datomic.tx" :db/excise e] (Datomic's attribute, on
// the transaction entity, where Quarry keeps the record) and [:db/add "datomic.tx"
// :db.excise/attrs :a] ask the commit to erase e's datoms (index::Writer::excise). Checked on the
// transaction's final datoms; errors are :quarry/invalid-argument, as Database::excise's.
#include "tx/form_text.hpp"
#include "tx/tx_builder.hpp"

namespace quarry::tx::detail {
namespace {

namespace sys = index::sys;

std::unexpected<Error> invalid(std::string what) { return fail(ErrorCode::InvalidArgument, std::move(what)); }

}  // namespace

Result<std::optional<PreparedTx::Excision>> TxBuilder::excision(const std::vector<Datom>& datoms) {
  const EntityId tx_entity{tx_.value};
  std::optional<EntityId> target;
  std::vector<Keyword> attrs;
  for (const Datom& d : datoms) {
    if (!d.added || (d.a != sys::kExcise && d.a != sys::kExciseAttrs)) continue;
    if (d.e != tx_entity)
      return invalid("cannot assert " + datom_text(d.e, d.a, d.v) +
                     ": an excision is recorded on the transaction entity, as in "
                     "[:db/add \"datomic.tx\" :db/excise e]");
    if (d.a == sys::kExcise) target = d.v.as<EntityId>();
    else attrs.push_back(d.v.as<Keyword>());
  }
  if (!target) {
    if (!attrs.empty()) return invalid(":db.excise/attrs without :db/excise: which entity?");
    return std::nullopt;
  }
  const std::string named = "cannot excise " + std::to_string(target->value);
  if (!is_user_entity(target->value))
    return invalid(named + ": only user entities can be excised (not attributes or transactions)");
  for (const Datom& d : datoms)
    if (d.e == *target)
      return invalid(named + " in a transaction that also changes it: " + datom_text(d.e, d.a, d.v) +
                     " (what an excision erases and what its transaction writes may not overlap)");
  PreparedTx::Excision out{*target, {}};
  auto s = schema();
  if (!s) return std::unexpected(s.error());
  for (const Keyword& k : attrs) {
    const index::AttrSchema* a = (*s)->find(k);
    if (!a) return invalid(named + ": " + form_text(Value(k)) + " is no attribute");
    out.attrs.push_back(a->id);
  }
  auto history = basis_.history().entity_history(*target);
  if (!history) return std::unexpected(history.error());
  if (history->empty()) return invalid(named + ": it has no datoms, current or past");
  return std::optional<PreparedTx::Excision>(std::move(out));
}

}  // namespace quarry::tx::detail
