#include "forms.hpp"

#include <optional>
#include <string>
#include <vector>

#include "databases.hpp"
#include "form_syntax.hpp"
#include "query_forms.hpp"

namespace quarry::repl {
namespace {

Outcome datoms_outcome(const Db& db, const std::vector<Datom>& datoms) {
  Vector out;
  out.items.reserve(datoms.size());
  for (const Datom& d : datoms) out.items.push_back(db.datom_value(d));
  return Outcome{.value = Value(std::move(out)), .kind = OutcomeKind::Datoms};
}

// (datoms DB? INDEX COMPONENT...) and (seek-datoms DB? INDEX COMPONENT...).
Result<Outcome> eval_datoms(Database& database, const List& form, bool seek) {
  auto split = db_and_args(database, form);
  if (!split) return std::unexpected(split.error());
  auto& [db, args] = *split;
  const std::string usage = seek ? "(seek-datoms DB? INDEX COMPONENT...)" : "(datoms DB? INDEX COMPONENT...)";
  if (args.empty() || !args.front().is<Keyword>())
    return bad_form(usage + " needs an index: :eavt, :aevt, :avet or :vaet");
  const Keyword& index = args.front().as<Keyword>();
  std::optional<IndexOrder> order;
  for (IndexOrder o : {IndexOrder::Eavt, IndexOrder::Aevt, IndexOrder::Avet, IndexOrder::Vaet})
    if (index.ns.empty() && index.name == index_order_name(o)) order = o;
  if (!order) return bad_form("unknown index :" + index.qualified() + " (use :eavt, :aevt, :avet or :vaet)");
  std::span<const Value> components(args.data() + 1, args.size() - 1);
  auto datoms = seek ? db.seek_datoms(*order, components) : db.datoms(*order, components);
  if (!datoms) return std::unexpected(datoms.error());
  return datoms_outcome(db, *datoms);
}

// (index-range DB? ATTR START END); nil bounds are open.
Result<Outcome> eval_index_range(Database& database, const List& form) {
  auto split = db_and_args(database, form);
  if (!split) return std::unexpected(split.error());
  auto& [db, args] = *split;
  if (args.size() != 3)
    return bad_form("(index-range DB? ATTR START END) takes an attribute and two bounds (nil for an open end)");
  auto bound = [](const Value& v) { return v.is_nil() ? std::nullopt : std::optional<Value>(v); };
  auto datoms = db.index_range(args[0], bound(args[1]), bound(args[2]));
  if (!datoms) return std::unexpected(datoms.error());
  return datoms_outcome(db, *datoms);
}

// (tx-range DB? T1 T2): [{:t T :data [[e a v tx added] ...]} ...] for T1 <= T < T2; nil = open.
Result<Outcome> eval_tx_range(Database& database, const List& form) {
  auto split = db_and_args(database, form);
  if (!split) return std::unexpected(split.error());
  auto& [db, args] = *split;
  const char* usage = "(tx-range T1 T2) takes two tx ids or #insts (nil for an open end)";
  if (args.size() != 2) return bad_form(usage);
  std::optional<TxId> bounds[2];
  for (int i = 0; i < 2; ++i) {
    if (args[i].is_nil()) continue;
    if (const auto* inst = args[i].get_if<Instant>()) {
      // As in Datomic: an instant stands for the first transaction committed at or after it
      // (instants never go backwards, so [T1, T2) is the transactions committed in [I1, I2)).
      Value attr = Value::keyword("db/txInstant");
      auto datoms = db.datoms(IndexOrder::Aevt, std::span<const Value>(&attr, 1));
      if (!datoms) return std::unexpected(datoms.error());
      TxId first{db.basis().value + 1};
      for (const Datom& d : *datoms)
        if (d.v.as<Instant>().millis >= inst->millis && d.e.value > kTx0 && d.e.value < first.value)
          first = TxId{d.e.value};
      bounds[i] = first;
      continue;
    }
    auto n = args[i].get_if<std::int64_t>();
    if (!n || *n <= 0) return bad_form(std::string(usage) + ", got " + to_edn(args[i]));
    bounds[i] = TxId{static_cast<std::uint64_t>(*n)};
  }
  auto log = db.tx_range(bounds[0], bounds[1]);
  if (!log) return std::unexpected(log.error());
  Vector out;
  out.items.reserve(log->size());
  for (const TxLogEntry& entry : *log) {
    Vector data;
    data.items.reserve(entry.data.size());
    for (const Datom& d : entry.data) data.items.push_back(db.datom_value(d));
    Map m;
    (void)make_map({{Value::keyword("t"), Value(static_cast<std::int64_t>(entry.t.value))},
                    {Value::keyword("data"), Value(std::move(data))}},
                   m);
    out.items.emplace_back(std::move(m));
  }
  return Outcome{.value = Value(std::move(out))};
}

Result<Outcome> eval_entity_form(Database& database, const List& form, bool history) {
  auto split = db_and_args(database, form);
  if (!split) return std::unexpected(split.error());
  auto& [db, args] = *split;
  const char* usage = history ? "(history DB? EID)" : "(entity DB? EID)";
  if (args.size() != 1) return bad_form(std::string(usage) + " takes one entity id, lookup ref or ident");
  if (!history) {
    auto entity = db.entity(args.front());
    if (!entity) return std::unexpected(entity.error());
    return Outcome{.value = std::move(*entity)};
  }
  auto datoms = db.entity_history(args.front());
  if (!datoms) return std::unexpected(datoms.error());
  return datoms_outcome(db, *datoms);
}

Result<Outcome> eval_transaction(Database& database, const List& form, bool schema) {
  if (form.items.size() != 2)
    return bad_form(schema ? "(schema! {ATTR {...}}) takes one map" : "(transact! TX-DATA) takes one vector");
  auto report = schema ? database.declare_schema(form.items[1]) : database.transact(form.items[1]);
  if (!report) return std::unexpected(report.error());
  return Outcome{.value = report->summary()};
}

// (excise! EID) or (excise! EID [ATTR ...]): erases the entity's datoms (or those attributes')
// from the indexes, history and log; prints the excising transaction as transact! does.
Result<Outcome> eval_excise(Database& database, const List& form) {
  const char* usage = "(excise! EID) or (excise! EID [ATTR ...]) takes an entity id, lookup ref or ident and optional attributes";
  if (form.items.size() != 2 && form.items.size() != 3) return bad_form(usage);
  std::vector<Keyword> attrs;
  if (form.items.size() == 3) {
    const auto* vec = form.items[2].get_if<Vector>();
    if (!vec) return bad_form(usage);
    for (const Value& a : vec->items) {
      const auto* k = a.get_if<Keyword>();
      if (!k) return bad_form(usage);
      attrs.push_back(*k);
    }
  }
  auto report = database.excise(form.items[1], attrs);
  if (!report) return std::unexpected(report.error());
  return Outcome{.value = report->summary()};
}

}  // namespace

Result<Outcome> evaluate(EvalContext& context, const Value& form) {
  Database& database = context.database;
  // At the top level, (with DB TX-DATA) shows what the transaction would do, as transact! does.
  if (auto report = speculative_transaction(database, form)) {
    if (!*report) return std::unexpected(report->error());
    return Outcome{.value = (*report)->summary()};
  }
  if (auto db = database_expression(database, form)) {
    if (!*db) return std::unexpected(db->error());
    return Outcome{.value = Value(static_cast<std::int64_t>((*db)->basis().value))};
  }
  std::string head = head_of(form);
  if (head.empty())
    return bad_form("expected a form like (transact! [...]) or (q [:find ...]), got " + to_edn(form));
  const List& list = form.as<List>();
  if (head == "transact!") return eval_transaction(database, list, false);
  if (head == "schema!") return eval_transaction(database, list, true);
  if (head == "excise!") return eval_excise(database, list);
  if (head == "q") return eval_query(context, list);
  if (head == "explain") return eval_explain(context, list);
  if (head == "pull") return eval_pull(context, list);
  if (head == "pull-many") return eval_pull_many(context, list);
  if (head == "datoms") return eval_datoms(database, list, false);
  if (head == "seek-datoms") return eval_datoms(database, list, true);
  if (head == "index-range") return eval_index_range(database, list);
  if (head == "tx-range") return eval_tx_range(database, list);
  if (head == "entity") return eval_entity_form(database, list, false);
  if (head == "history") return eval_entity_form(database, list, true);
  return fail(ErrorCode::ReplUnknownForm, "unknown form (" + head + " ...); .help lists the forms");
}

}  // namespace quarry::repl
