// Internal to api/: the state behind a Database (its definition, for the files of api/ that need
// more than the public members: database.cpp, and the import's bulk path).
#pragma once

#include <memory>
#include <mutex>

#include "api/db_impl.hpp"
#include "api/listeners.hpp"
#include "api/tx_hooks.hpp"
#include "quarry/quarry.hpp"
#include "storage/store.hpp"
#include "tx/connection.hpp"

namespace quarry {

struct Database::Impl {
  Options options;
  std::shared_ptr<Store> store;
  std::shared_ptr<const tx::ConnectionOptions> settings;
  std::unique_ptr<tx::Connection> connection;
  std::shared_ptr<TxRegistry> registry;
  std::shared_ptr<Listener::Registry> listeners = std::make_shared<Listener::Registry>();
  std::shared_ptr<Metrics> metrics = std::make_shared<Metrics>();
  // Held across a transaction and the publishing of its report, so listeners get reports in
  // commit order (transactions are serialized anyway: one writer).
  std::mutex transact_mutex;

  ~Impl() { listeners->stop(); }  // delivers what is queued before the connection closes

  Result<TxReport> published(Result<tx::TxReport> report) {
    if (!report) return std::unexpected(report.error());
    TxReport out = wrap_report(std::move(*report), settings, metrics);
    listeners->publish(out);
    return out;
  }
};

}  // namespace quarry
