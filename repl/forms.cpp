#include "forms.hpp"

#include <optional>
#include <string>
#include <vector>

namespace quarry::repl {
namespace {

std::unexpected<Error> bad_form(std::string message) {
  return fail(ErrorCode::InvalidArgument, std::move(message));
}

bool is_symbol(const Value& v, std::string_view name) {
  auto s = v.get_if<Symbol>();
  return s && s->ns.empty() && s->name == name;
}

// The head symbol's name of a list form, or empty.
std::string head_of(const Value& form) {
  auto list = form.get_if<List>();
  if (!list || list->items.empty()) return {};
  auto s = list->items.front().get_if<Symbol>();
  return s ? s->qualified() : std::string();
}

// A point in time: a tx id (long) or an #inst, resolved to the last tx at or before it.
Result<TxId> resolve_time(const Db& db, const Value& t) {
  if (auto n = t.get_if<std::int64_t>()) {
    if (*n <= 0) return bad_form("a time must be a tx id or an #inst, got " + to_edn(t));
    return TxId{static_cast<std::uint64_t>(*n)};
  }
  auto inst = t.get_if<Instant>();
  if (!inst) return bad_form("a time must be a tx id or an #inst, got " + to_edn(t));
  Value attr = Value::keyword("db/txInstant");
  auto datoms = db.datoms(IndexOrder::Aevt, std::span<const Value>(&attr, 1));
  if (!datoms) return std::unexpected(datoms.error());
  TxId found{kTx0};
  for (const Datom& d : *datoms)
    if (d.v.as<Instant>().millis <= inst->millis && d.e.value > found.value) found = TxId{d.e.value};
  return found;
}

// Database expressions: $, (as-of DB T), (since DB T), (history DB).
std::optional<Result<Db>> database_expression(Database& database, const Value& v) {
  if (is_symbol(v, "$")) return Result<Db>(database.db());
  std::string head = head_of(v);
  if (head != "as-of" && head != "since" && head != "history") return std::nullopt;
  const auto& items = v.as<List>().items;
  std::size_t want = head == "history" ? 2 : 3;
  if (items.size() != want) return std::nullopt;
  auto inner = database_expression(database, items[1]);
  if (!inner) return std::nullopt;
  if (!*inner) return *inner;
  Db db = **inner;
  if (head == "history") return Result<Db>(db.history());
  auto t = resolve_time(db, items[2]);
  if (!t) return Result<Db>(std::unexpected(t.error()));
  return Result<Db>(head == "as-of" ? db.as_of(*t) : db.since(*t));
}

// Splits (op DB? ARGS...) into the database (default $) and the remaining arguments.
Result<std::pair<Db, std::vector<Value>>> db_and_args(Database& database, const List& form) {
  std::vector<Value> args(form.items.begin() + 1, form.items.end());
  if (!args.empty()) {
    if (auto db = database_expression(database, args.front())) {
      if (!*db) return std::unexpected(db->error());
      args.erase(args.begin());
      return std::pair{**db, std::move(args)};
    }
  }
  return std::pair{database.db(), std::move(args)};
}

Value datoms_value(const Db& db, const std::vector<Datom>& datoms) {
  Vector out;
  out.items.reserve(datoms.size());
  for (const Datom& d : datoms) out.items.push_back(db.datom_value(d));
  return out;
}

Result<Value> eval_datoms(Database& database, const List& form) {
  auto split = db_and_args(database, form);
  if (!split) return std::unexpected(split.error());
  auto& [db, args] = *split;
  if (args.empty() || !args.front().is<Keyword>())
    return bad_form("(datoms DB? INDEX COMPONENT...) needs an index: :eavt, :aevt, :avet or :vaet");
  const Keyword& index = args.front().as<Keyword>();
  std::optional<IndexOrder> order;
  for (IndexOrder o : {IndexOrder::Eavt, IndexOrder::Aevt, IndexOrder::Avet, IndexOrder::Vaet})
    if (index.ns.empty() && index.name == index_order_name(o)) order = o;
  if (!order) return bad_form("unknown index :" + index.qualified() + " (use :eavt, :aevt, :avet or :vaet)");
  std::span<const Value> components(args.data() + 1, args.size() - 1);
  auto datoms = db.datoms(*order, components);
  if (!datoms) return std::unexpected(datoms.error());
  return datoms_value(db, *datoms);
}

Result<Value> eval_entity_form(Database& database, const List& form, bool history) {
  auto split = db_and_args(database, form);
  if (!split) return std::unexpected(split.error());
  auto& [db, args] = *split;
  const char* usage = history ? "(history DB? EID)" : "(entity DB? EID)";
  if (args.size() != 1) return bad_form(std::string(usage) + " takes one entity id, lookup ref or ident");
  if (!history) return db.entity(args.front());
  auto datoms = db.entity_history(args.front());
  if (!datoms) return std::unexpected(datoms.error());
  return datoms_value(db, *datoms);
}

Result<Value> eval_transaction(Database& database, const List& form, bool schema) {
  if (form.items.size() != 2)
    return bad_form(schema ? "(schema! {ATTR {...}}) takes one map" : "(transact! TX-DATA) takes one vector");
  auto report = schema ? database.declare_schema(form.items[1]) : database.transact(form.items[1]);
  if (!report) return std::unexpected(report.error());
  return report->summary();
}

}  // namespace

Result<Value> evaluate(Database& database, const Value& form) {
  if (auto db = database_expression(database, form)) {
    if (!*db) return std::unexpected(db->error());
    return Value(static_cast<std::int64_t>((*db)->basis().value));
  }
  std::string head = head_of(form);
  if (head.empty()) return bad_form("expected a form like (transact! [...]) or (datoms $ :eavt), got " + to_edn(form));
  const List& list = form.as<List>();
  if (head == "transact!") return eval_transaction(database, list, false);
  if (head == "schema!") return eval_transaction(database, list, true);
  if (head == "datoms") return eval_datoms(database, list);
  if (head == "entity") return eval_entity_form(database, list, false);
  if (head == "history") return eval_entity_form(database, list, true);
  if (head == "q" || head == "pull" || head == "pull-many" || head == "explain")
    return fail(ErrorCode::ReplUnsupported, "(" + head + " ...) needs the query engine, which is not built yet");
  return fail(ErrorCode::ReplUnknownForm, "unknown form (" + head + " ...); .help lists the forms");
}

}  // namespace quarry::repl
