#include <memory>

#include "api/db_impl.hpp"
#include "index/key_layout.hpp"
#include "storage/memory_store.hpp"
#include "storage/rocks_store.hpp"
#include "tx/connection.hpp"

namespace quarry {
namespace {

Result<std::shared_ptr<Store>> open_store(const Options& options) {
  if (options.in_memory) {
    auto store = MemoryStore::open(keys::all_spaces());
    if (!store) return std::unexpected(store.error());
    return std::shared_ptr<Store>(std::move(*store));
  }
  if (options.path.empty())
    return fail(ErrorCode::InvalidArgument, "Options::path is required unless in_memory is set");
  RocksOptions rocks;
  rocks.path = options.path;
  rocks.create_if_missing = options.create_if_missing;
  rocks.sync_writes = options.sync_writes;
  rocks.block_cache_bytes = options.block_cache_bytes;
  auto store = RocksStore::open(rocks, keys::all_spaces());
  if (!store) return std::unexpected(store.error());
  return std::shared_ptr<Store>(std::move(*store));
}

TxReport wrap_report(tx::TxReport r) {
  return TxReport{wrap_db(std::move(r.db_before)), wrap_db(std::move(r.db_after)), r.tx,
                  std::move(r.datoms), std::move(r.tempids)};
}

}  // namespace

struct Database::Impl {
  Options options;
  std::unique_ptr<tx::Connection> connection;
};

Database::Database(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
Database::~Database() = default;

Result<Database> Database::open(const Options& options) {
  auto store = open_store(options);
  if (!store) return std::unexpected(store.error());
  tx::ConnectionOptions connection_options{.strict_schema = options.strict_schema,
                                           .sync = std::nullopt,
                                           .clock = options.clock};
  auto connection = tx::Connection::open(std::move(*store), std::move(connection_options));
  if (!connection) return std::unexpected(connection.error());
  return Database(std::make_unique<Impl>(Impl{options, std::move(*connection)}));
}

Result<TxReport> Database::transact(std::string_view tx_data_edn) {
  auto value = read_edn(tx_data_edn);
  if (!value) return std::unexpected(value.error());
  return transact(*value);
}

Result<TxReport> Database::transact(const Value& tx_data) {
  auto report = impl_->connection->transact(tx_data);
  if (!report) return std::unexpected(report.error());
  return wrap_report(std::move(*report));
}

Result<TxReport> Database::transact(std::span<const TxOp> ops) {
  std::vector<tx::TxForm> forms;
  forms.reserve(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    auto form = tx::parse_tx_form(ops[i].form(), i);
    if (!form) return std::unexpected(form.error());
    forms.push_back(std::move(*form));
  }
  auto report = impl_->connection->transact(forms);
  if (!report) return std::unexpected(report.error());
  return wrap_report(std::move(*report));
}

Result<TxReport> Database::declare_schema(const Value& schema) {
  auto tx_data = tx::schema_tx_data(schema);
  if (!tx_data) return std::unexpected(tx_data.error());
  return transact(*tx_data);
}

Result<TxReport> Database::declare_schema(std::string_view schema_edn) {
  auto value = read_edn(schema_edn);
  if (!value) return std::unexpected(value.error());
  return declare_schema(*value);
}

Db Database::db() const { return wrap_db(impl_->connection->db()); }

const Options& Database::options() const noexcept { return impl_->options; }

}  // namespace quarry
