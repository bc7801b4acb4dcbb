// Test support for the tx layer: a Connection over either store kind (index_stores.hpp) with a
// fixed clock, raw dumps of every key space (to prove a failed transaction changed nothing), and
// datoms printed as readable EDN ([e :attr v added], attribute entities shown by their ident).
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/edn_value.hpp"
#include "codec/edn_printer.hpp"
#include "codec/edn_reader.hpp"
#include "index/key_layout.hpp"
#include "support/index_check.hpp"
#include "support/index_stores.hpp"
#include "tx/connection.hpp"

namespace quarry::testing {

inline Instant fixed_clock() { return Instant{1'700'000'000'000}; }

// Every key and value of every space, in order: equal dumps mean an identical database.
inline std::vector<std::pair<std::string, std::string>> dump_store(const Store& store) {
  std::vector<std::pair<std::string, std::string>> out;
  auto snapshot = store.snapshot();
  REQUIRE(snapshot.has_value());
  for (const auto& name : store.space_names()) {
    auto space = store.space(name);
    REQUIRE(space.has_value());
    auto cursor = (*snapshot)->cursor(*space);
    REQUIRE(cursor.has_value());
    for ((*cursor)->seek_to_first(); (*cursor)->valid(); (*cursor)->next())
      out.emplace_back(name + ":" + std::string((*cursor)->key()), std::string((*cursor)->value()));
    REQUIRE((*cursor)->status().has_value());
  }
  return out;
}

template <class Kind>
class TxHarness {
 public:
  explicit TxHarness(tx::ConnectionOptions options = {}) : options_(std::move(options)) {
    if (!options_.clock) options_.clock = fixed_clock;
    open();
  }
  ~TxHarness() { close(); }

  void open() {
    store_ = Kind::open(dir_);
    auto c = tx::Connection::open(store_, options_);
    REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error().message));
    connection_ = std::move(*c);
  }
  // Drops the connection and the store (REQUIRES: no Db values held elsewhere for RocksDB).
  void close() {
    connection_.reset();
    store_.reset();
  }
  void reopen(tx::ConnectionOptions options) {
    close();
    options_ = std::move(options);
    if (!options_.clock) options_.clock = fixed_clock;
    open();
  }

  [[nodiscard]] tx::Connection& connection() { return *connection_; }
  [[nodiscard]] index::Db db() const { return connection_->db(); }
  [[nodiscard]] const Store& store() const { return *store_; }

  // Transacts EDN text; REQUIREs it to read.
  Result<tx::TxReport> transact(std::string_view edn) {
    auto v = read_edn(edn);
    REQUIRE_MESSAGE(v.has_value(), (v ? "" : v.error().message));
    return connection_->transact(*v);
  }
  // Transacts and REQUIREs success.
  tx::TxReport ok(std::string_view edn) {
    auto r = transact(edn);
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
    return std::move(*r);
  }
  // Transacts, REQUIREs failure with `code`, and checks nothing at all changed.
  Error err(std::string_view edn, ErrorCode code) {
    auto before = dump_store(*store_);
    auto basis = db().basis();
    auto r = transact(edn);
    REQUIRE_MESSAGE(!r.has_value(), "expected " << error_code_name(code) << " for " << edn);
    CHECK_MESSAGE(r.error().code == code, r.error().to_edn());
    CHECK(dump_store(*store_) == before);
    CHECK(db().basis() == basis);
    return r.error();
  }

 private:
  TempDir dir_;
  tx::ConnectionOptions options_;
  std::shared_ptr<Store> store_;
  std::unique_ptr<tx::Connection> connection_;
};

// An entity position as tests read it: attribute (system) entities by their ident when they have
// one, everything else as a long.
inline Value entity_edn(const index::Db& db, EntityId e) {
  if (is_system_entity(e.value))
    if (const auto* a = db.schema().find(AttrId{e.value})) return a->ident;
  return static_cast<std::int64_t>(e.value);
}

// [e :attr v] or [e :attr v added]; `db` names attributes (use the later of two values).
inline Value datom_edn(const index::Db& db, const Datom& d, bool with_added) {
  const auto* a = db.schema().find(d.a);
  Value attr = a ? Value(a->ident) : Value(static_cast<std::int64_t>(d.a.value));
  Value v = d.v;
  if (auto ref = v.get_if<EntityId>()) v = entity_edn(db, *ref);
  std::vector<Value> items{entity_edn(db, d.e), std::move(attr), std::move(v)};
  if (with_added) items.emplace_back(d.added);
  return Vector{std::move(items)};
}

// The datoms as a sorted vector of [e :attr v added], leaving out :db/txInstant.
inline Value report_edn(const index::Db& db, const std::vector<Datom>& datoms) {
  std::vector<Value> out;
  for (const auto& d : datoms)
    if (d.a != index::sys::kTxInstant) out.push_back(datom_edn(db, d, true));
  std::sort(out.begin(), out.end());
  return Vector{std::move(out)};
}

// Every current datom of user entities, sorted, as [e :attr v].
inline Value user_state_edn(const index::Db& db) {
  std::vector<Value> out;
  auto c = db.datoms(IndexOrder::Eavt);
  REQUIRE(c.has_value());
  for (; c->valid(); c->next())
    if (is_user_entity(c->datom().e.value)) out.push_back(datom_edn(db, c->datom(), false));
  REQUIRE(c->status().has_value());
  std::sort(out.begin(), out.end());
  return Vector{std::move(out)};
}


}  // namespace quarry::testing
