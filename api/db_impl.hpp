// Internal to api/: what a public Db wraps, and how api/ builds and reads one.
#pragma once

#include <memory>

#include "api/metrics.hpp"
#include "index/db.hpp"
#include "quarry/quarry.hpp"
#include "tx/connection.hpp"

namespace quarry {

struct Db::Impl {
  index::Db db;
  // The transaction settings of the Database this value came from (strict schema, clock), for
  // Db::with; null for a value made without one (then: the defaults).
  std::shared_ptr<const tx::ConnectionOptions> settings{};
  // The operation counters of that Database (api/metrics.hpp); null: not counted.
  std::shared_ptr<Metrics> metrics{};
};

// The one way into a Db's private state (a friend of Db), for api/ and for white-box tests.
struct DbAccess {
  [[nodiscard]] static Db wrap(index::Db db, std::shared_ptr<const tx::ConnectionOptions> settings,
                               std::shared_ptr<Metrics> metrics = nullptr) {
    return Db(std::make_shared<const Db::Impl>(Db::Impl{std::move(db), std::move(settings), std::move(metrics)}));
  }
  [[nodiscard]] static Metrics* metrics(const Db& db) noexcept { return db.impl_->metrics.get(); }
  [[nodiscard]] static const index::Db& index_db(const Db& db) noexcept { return db.impl_->db; }
};

[[nodiscard]] inline Db wrap_db(index::Db db, std::shared_ptr<const tx::ConnectionOptions> settings,
                                std::shared_ptr<Metrics> metrics = nullptr) {
  return DbAccess::wrap(std::move(db), std::move(settings), std::move(metrics));
}

// The report of a transaction, in the public types.
[[nodiscard]] inline TxReport wrap_report(tx::TxReport r, const std::shared_ptr<const tx::ConnectionOptions>& settings,
                                         const std::shared_ptr<Metrics>& metrics = nullptr) {
  return TxReport{wrap_db(std::move(r.db_before), settings, metrics), wrap_db(std::move(r.db_after), settings, metrics),
                  r.tx, std::move(r.datoms), std::move(r.tempids)};
}

}  // namespace quarry
