#include "tx/connection.hpp"

#include <chrono>

#include "tx/form_text.hpp"

namespace quarry::tx {
namespace {

Instant system_now() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return Instant{std::chrono::duration_cast<std::chrono::milliseconds>(now).count()};
}

// The :db/txInstant of the basis transaction (0 for a database without one).
Result<Instant> last_tx_instant(const index::Db& db) {
  auto datoms = db.attr_datoms(EntityId{db.basis().value}, index::sys::kTxInstant);
  if (!datoms) return std::unexpected(datoms.error());
  for (const auto& d : *datoms)
    if (auto i = d.v.get_if<Instant>()) return *i;
  return Instant{};
}

// The :db/txInstant a prepared transaction asserts on its own entity; :tx/instant when the tx-data
// gave one earlier than `last` (the previous transaction's), which would make as-of an instant
// ambiguous.
Result<Instant> checked_instant(const PreparedTx& prepared, Instant last) {
  for (const Datom& d : prepared.datoms) {
    if (!d.added || d.e.value != prepared.tx.value || d.a != index::sys::kTxInstant) continue;
    const Instant* at = d.v.get_if<Instant>();
    if (!at) break;
    if (*at < last)
      return fail(ErrorCode::TxInstant, ":db/txInstant " + form_text(d.v) +
                                            " is earlier than the previous transaction's, " +
                                            form_text(Value(last)));
    return *at;
  }
  return last;
}

}  // namespace

Connection::Connection(std::unique_ptr<index::Writer> writer, ConnectionOptions options, Instant last)
    : writer_(std::move(writer)), options_(std::move(options)), last_instant_(last) {}

Result<std::unique_ptr<Connection>> Connection::open(std::shared_ptr<Store> store,
                                                     ConnectionOptions options) {
  auto writer = index::Writer::open(std::move(store));
  if (!writer) return std::unexpected(writer.error());
  auto last = last_tx_instant((*writer)->db());
  if (!last) return std::unexpected(last.error());
  return std::unique_ptr<Connection>(new Connection(std::move(*writer), std::move(options), *last));
}

index::Db Connection::db() const { return writer_->db(); }

Instant Connection::instant_after(Instant last) const {
  Instant now = options_.clock ? options_.clock() : system_now();
  return now < last ? last : now;
}

Instant Connection::next_instant() { return instant_after(last_instant_); }

Result<TxReport> Connection::transact(const Value& tx_data) {
  auto forms = parse_tx_data(tx_data);
  if (!forms) return std::unexpected(forms.error());
  return transact(*forms);
}

Result<TxReport> Connection::transact(std::span<const TxForm> forms) {
  std::lock_guard lock(transact_mutex_);
  return transact_locked(forms, options_.strict_schema, &options_.hooks);
}

Result<TxReport> Connection::transact_locked(std::span<const TxForm> forms, bool strict, const TxHooks* hooks) {
  index::Db before = writer_->db();
  TxOptions tx_options{.strict_schema = strict, .tx_instant = next_instant(), .hooks = hooks};
  auto prepared = prepare_tx(before, forms, tx_options);
  if (!prepared) return std::unexpected(prepared.error());
  auto instant = checked_instant(*prepared, last_instant_);
  if (!instant) return std::unexpected(instant.error());
  const WriteOptions write{options_.sync};
  auto after = prepared->excision ? writer_->excise(before, prepared->tx, prepared->datoms, prepared->excision->e,
                                                    prepared->excision->attrs, write)
                                  : writer_->commit(before, prepared->tx, prepared->datoms, write);
  if (!after) return std::unexpected(after.error());
  last_instant_ = *instant;
  return TxReport{std::move(before), std::move(*after), prepared->tx, std::move(prepared->datoms),
                  std::move(prepared->tempids)};
}

Result<PreparedTx> Connection::prepare_on(const index::Db& view, std::span<const TxForm> forms, Instant& last,
                                          std::uint64_t stored_max_eid) {
  TxOptions tx_options{.strict_schema = options_.strict_schema, .tx_instant = instant_after(last),
                       .hooks = &options_.hooks, .stored_max_eid = stored_max_eid,
                       .sorted_tempids = false};
  auto prepared = prepare_tx(view, forms, tx_options);
  if (!prepared) return std::unexpected(prepared.error());
  auto instant = checked_instant(*prepared, last);
  if (!instant) return std::unexpected(instant.error());
  last = *instant;
  return prepared;
}

Result<void> Connection::reload(Instant last) {
  std::lock_guard lock(transact_mutex_);
  auto db = writer_->reload();
  if (!db) return std::unexpected(db.error());
  last_instant_ = last;
  return {};
}

Instant Connection::last_instant() {
  std::lock_guard lock(transact_mutex_);
  return last_instant_;
}

Result<TxReport> Connection::excise(EntityId e, std::span<const Keyword> attrs) {
  std::vector<Value> record{Value(Vector{{Value::keyword("db/add"), Value("datomic.tx"), Value::keyword("db/excise"),
                                          Value(static_cast<std::int64_t>(e.value))}})};
  for (const Keyword& k : attrs)
    record.emplace_back(Vector{{Value::keyword("db/add"), Value("datomic.tx"), Value::keyword("db.excise/attrs"), Value(k)}});
  auto forms = parse_tx_data(Value(Vector{std::move(record)}));
  if (!forms) return std::unexpected(forms.error());
  std::lock_guard lock(transact_mutex_);
  return transact_locked(*forms, false, nullptr);
}

Result<TxReport> speculate(const index::Db& db, std::span<const TxForm> forms, const ConnectionOptions& options) {
  index::Db before = db.current();
  auto last = last_tx_instant(before);
  if (!last) return std::unexpected(last.error());
  Instant now = options.clock ? options.clock() : system_now();
  TxOptions tx_options{.strict_schema = options.strict_schema, .tx_instant = now < *last ? *last : now,
                       .hooks = &options.hooks};
  auto prepared = prepare_tx(before, forms, tx_options);
  if (!prepared) return std::unexpected(prepared.error());
  if (auto instant = checked_instant(*prepared, *last); !instant) return std::unexpected(instant.error());
  auto after = prepared->excision ? db.with_excision(prepared->tx, prepared->datoms, prepared->excision->e,
                                                   prepared->excision->attrs)
                                  : db.with_datoms(prepared->tx, prepared->datoms);
  if (!after) return std::unexpected(after.error());
  return TxReport{db, std::move(*after), prepared->tx, std::move(prepared->datoms), std::move(prepared->tempids)};
}

Result<TxReport> speculate(const index::Db& db, const Value& tx_data, const ConnectionOptions& options) {
  auto forms = parse_tx_data(tx_data);
  if (!forms) return std::unexpected(forms.error());
  return speculate(db, *forms, options);
}

Result<Value> schema_tx_data(const Value& schema) {
  const auto* m = schema.get_if<Map>();
  if (!m) return fail(ErrorCode::TxSyntax, "a schema must be a map of attributes, got " + form_text(schema));
  std::vector<Value> forms;
  forms.reserve(m->entries.size());
  for (const auto& [attr, props] : m->entries) {
    const auto* k = attr.get_if<Keyword>();
    const auto* p = props.get_if<Map>();
    if (!k || !p) {
      return fail(ErrorCode::TxSyntax, "a schema entry must be a keyword and a map, got " +
                                           form_text(attr) + " " + form_text(props));
    }
    std::vector<std::pair<Value, Value>> entries = p->entries;
    entries.emplace_back(Value::keyword("db/ident"), attr);
    Map entity;
    Value duplicate;
    if (!make_map(std::move(entries), entity, &duplicate)) {
      return fail(ErrorCode::TxSyntax, "schema entry " + form_text(attr) + " has " +
                                           form_text(duplicate) + " twice");
    }
    forms.emplace_back(std::move(entity));
  }
  return Value(Vector{std::move(forms)});
}

}  // namespace quarry::tx
