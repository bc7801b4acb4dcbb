#include "databases.hpp"

#include "form_syntax.hpp"

namespace quarry::repl {
namespace {

// A point in time: a tx id (long), or an #inst resolved to the last tx committed at or before it
// (tx0 when there is none, so (as-of $ #inst "1970-01-01") is the empty database).
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

}  // namespace

std::optional<Result<TxReport>> speculative_transaction(Database& database, const Value& v) {
  if (head_of(v) != "with") return std::nullopt;
  const auto& items = v.as<List>().items;
  if (items.size() != 3) return Result<TxReport>(bad_form("(with DB TX-DATA) takes a database and a tx-data vector"));
  auto inner = database_expression(database, items[1]);
  if (!inner)
    return Result<TxReport>(bad_form("(with DB TX-DATA) needs a database first ($, (as-of $ T), ...), got " +
                                     to_edn(items[1])));
  if (!*inner) return Result<TxReport>(std::unexpected(inner->error()));
  return (**inner).with(items[2]);
}

std::optional<Result<Db>> database_expression(Database& database, const Value& v) {
  if (is_symbol(v, "$")) return Result<Db>(database.db());
  std::string head = head_of(v);
  if (head == "with") {
    auto report = speculative_transaction(database, v);
    if (!*report) return Result<Db>(std::unexpected(report->error()));
    return Result<Db>((*report)->db_after);
  }
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

}  // namespace quarry::repl
