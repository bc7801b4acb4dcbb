// A tiny stand-in for the tx layer, for index tests: commits explicit datoms (plus :db/txInstant)
// through index::Writer and defines attributes as system entities.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "index/db.hpp"

namespace quarry::testing {

inline Datom add(std::uint64_t e, AttrId a, Value v) { return Datom{EntityId{e}, a, std::move(v), TxId{}, true}; }
inline Datom retract(std::uint64_t e, AttrId a, Value v) {
  return Datom{EntityId{e}, a, std::move(v), TxId{}, false};
}
inline Value ref(std::uint64_t e) { return Value(EntityId{e}); }
inline Value kw(std::string_view qualified) { return Value::keyword(qualified); }

// The instant the helpers give transaction tx: one second per transaction after the epoch.
inline Instant instant_of(TxId tx) { return Instant{static_cast<std::int64_t>(tx.value - kTx0) * 1000}; }

struct AttrSpec {
  index::ValueType type = index::ValueType::Any;
  bool many = false;
  index::Unique unique = index::Unique::None;
  bool no_history = false;
};

class IndexTx {
 public:
  explicit IndexTx(std::unique_ptr<index::Writer> writer) : writer_(std::move(writer)) {}

  [[nodiscard]] index::Db db() const { return writer_->db(); }
  [[nodiscard]] index::Writer& writer() { return *writer_; }
  // Releases the writer (e.g. before reopening a RocksStore).
  void close() { writer_.reset(); }

  // Commits `datoms` and [tx :db/txInstant ...] as the next transaction.
  Result<index::Db> try_commit(std::vector<Datom> datoms) {
    index::Db basis = writer_->db();
    TxId tx = basis.next_tx();
    datoms.push_back(Datom{EntityId{tx.value}, index::sys::kTxInstant, instant_of(tx), tx, true});
    return writer_->commit(basis, tx, datoms);
  }
  index::Db commit(std::vector<Datom> datoms) {
    auto r = try_commit(std::move(datoms));
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    return *r;
  }

  // Defines an attribute in its own transaction; returns its id.
  AttrId define(std::string_view ident, AttrSpec spec = {}) {
    AttrId id{writer_->db().next_system_id()};
    std::vector<Datom> d{add(id.value, index::sys::kIdent, kw(ident))};
    if (auto t = index::value_type_keyword(spec.type)) d.push_back(add(id.value, index::sys::kValueType, *t));
    d.push_back(add(id.value, index::sys::kCardinality, index::cardinality_keyword(spec.many)));
    if (auto u = index::unique_keyword(spec.unique)) d.push_back(add(id.value, index::sys::kUnique, *u));
    if (spec.no_history) d.push_back(add(id.value, index::sys::kNoHistory, true));
    commit(std::move(d));
    return id;
  }

 private:
  std::unique_ptr<index::Writer> writer_;
};

// Every datom a cursor yields; fails the test (with the error's message) on an error.
inline std::vector<Datom> all(Result<index::DatomCursor> c) {
  auto r = index::collect(std::move(c));
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
  return *r;
}

}  // namespace quarry::testing
