#include <filesystem>
#include <memory>
#include <exception>
#include <mutex>
#include <string>

#include "api/database_impl.hpp"
#include "api/db_impl.hpp"
#include "api/listeners.hpp"
#include "api/out_of_memory.hpp"
#include "api/tx_hooks.hpp"
#include "storage/range_cache.hpp"
#include "index/key_layout.hpp"
#include "storage/memory_store.hpp"
#include "storage/rocks_store.hpp"
#include "storage/write_batch.hpp"
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
  static_cast<StoreTuning&>(rocks) = options.tuning;
  rocks.path = options.path;
  rocks.create_if_missing = options.create_if_missing && !options.read_only;
  rocks.sync_writes = options.sync_writes;
  rocks.block_cache_bytes = options.block_cache_bytes;
  rocks.range_cache_bytes = options.range_cache_bytes;
  rocks.read_only = options.read_only;
  rocks.secondary_path = options.secondary_path;
  auto store = RocksStore::open(rocks, keys::all_spaces());
  if (!store) return std::unexpected(store.error());
  return std::shared_ptr<Store>(std::move(*store));
}

std::unexpected<Error> read_only_error(const Options& options, const char* refused = "transactions are") {
  return fail(ErrorCode::StorageReadOnly,
              "the database " + (options.in_memory ? std::string("in memory") : "at " + options.path) +
                  " is open read-only: " + refused + " refused");
}

// Keys and values of every space, as the store estimates them.
Result<std::uint64_t> store_bytes(const Store& store) {
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < store.space_names().size(); ++i) {
    auto stats = store.range_stats(SpaceId{static_cast<std::uint32_t>(i)});
    if (!stats) return std::unexpected(stats.error());
    bytes += stats->approximate_bytes;
  }
  return bytes;
}

}  // namespace


Database::Database(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
Database::~Database() = default;

Listener Database::listen(std::function<void(const TxReport&)> callback) {
  std::uint64_t id = impl_->listeners->add(std::move(callback));
  impl_->listeners->start();
  return Listener(impl_->listeners, id);
}

Result<Database> Database::open(const Options& options) {
  auto store = open_store(options);
  if (!store) return std::unexpected(store.error());
  if (!options.secondary_path.empty() && options.in_memory)
    return fail(ErrorCode::InvalidArgument, "an in-memory database cannot have a secondary instance");
  auto registry = std::make_shared<TxRegistry>();
  tx::ConnectionOptions connection_options{.strict_schema = options.strict_schema,
                                           .sync = std::nullopt,
                                           .clock = options.clock,
                                           .hooks = make_tx_hooks(registry)};
  auto settings = std::make_shared<const tx::ConnectionOptions>(connection_options);
  registry->settings = settings;
  auto connection = tx::Connection::open(*store, std::move(connection_options));
  if (!connection) return std::unexpected(connection.error());
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (!options.secondary_path.empty()) impl->options.read_only = true;
  impl->store = std::move(*store);
  impl->settings = std::move(settings);
  impl->registry = std::move(registry);
  impl->connection = std::move(*connection);
  return Database(std::move(impl));
}

Result<std::string> Database::repair(const Options& options) {
  if (options.in_memory) return fail(ErrorCode::InvalidArgument, "an in-memory database has nothing to repair");
  if (options.path.empty()) return fail(ErrorCode::InvalidArgument, "Options::path is required to repair");
  RocksOptions rocks;
  static_cast<StoreTuning&>(rocks) = options.tuning;
  rocks.path = options.path;
  rocks.block_cache_bytes = options.block_cache_bytes;
  auto done = RocksStore::repair(rocks, keys::all_spaces());
  if (!done) return std::unexpected(done.error());
  // The index layer's own check of what the repair gave: it must load.
  auto reopened = open(Options{.path = options.path, .create_if_missing = false});
  if (!reopened) return std::unexpected(reopened.error());
  return done;
}

Result<TxReport> Database::transact(std::string_view tx_data_edn) {
  auto value = read_edn(tx_data_edn);
  if (!value) return std::unexpected(value.error());
  return transact(*value);
}

Result<TxReport> Database::transact(const Value& tx_data) {
  return timed(&impl_->metrics->transactions, [&]() -> Result<TxReport> {
    if (impl_->options.read_only) return read_only_error(impl_->options);
    return guard_allocation("running a transaction", [&]() -> Result<TxReport> {
      std::lock_guard lock(impl_->transact_mutex);
      ReadsNotCached not_cached;  // a transaction's look-ups are not kept for queries
      return impl_->published(impl_->connection->transact(tx_data));
    });
  });
}

Result<TxReport> Database::transact(std::span<const TxOp> ops) {
  return timed(&impl_->metrics->transactions, [&]() -> Result<TxReport> {
  if (impl_->options.read_only) return read_only_error(impl_->options);
  return guard_allocation("running a transaction", [&]() -> Result<TxReport> {
    std::vector<tx::TxForm> forms;
    forms.reserve(ops.size());
    for (std::size_t i = 0; i < ops.size(); ++i) {
      auto form = tx::parse_tx_form(ops[i].form(), i);
      if (!form) return std::unexpected(form.error());
      forms.push_back(std::move(*form));
    }
    std::lock_guard lock(impl_->transact_mutex);
    ReadsNotCached not_cached;
    return impl_->published(impl_->connection->transact(forms));
  });
  });
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

namespace {

Result<void> check_registration_name(std::string_view what, const std::string& ns, bool empty_fn) {
  if (empty_fn) return fail(ErrorCode::InvalidArgument, std::string(what) + ": the function is empty");
  if (ns.empty() || ns == "db" || ns.starts_with("db."))
    return fail(ErrorCode::InvalidArgument, std::string(what) + " needs a namespaced name outside :db and :db.*");
  return {};
}

// The spaces' ids with meta (which holds the index's format marker) last, so that a copy cut
// short has data but no marker, which Database::open refuses rather than misreads.
std::vector<std::size_t> meta_last(std::span<const std::string> names) {
  std::vector<std::size_t> order;
  std::size_t meta = names.size();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == keys::kMeta) meta = i;
    else order.push_back(i);
  }
  if (meta < names.size()) order.push_back(meta);
  return order;
}

// Copies every key of the spaces in `order` from `from` into `target`, in batches of about 4 MiB;
// returns the keys copied.
Result<std::uint64_t> copy_spaces(const Snapshot& from, Store& target, const std::vector<std::size_t>& order,
                                  const CursorOptions& read) {
  std::uint64_t keys_copied = 0;
  constexpr std::size_t kBatchBytes = std::size_t{4} << 20;
  for (std::size_t i : order) {
    SpaceId space{static_cast<std::uint32_t>(i)};
    auto cursor = from.cursor(space, {}, read);
    if (!cursor) return std::unexpected(cursor.error());
    WriteBatch batch;
    for ((*cursor)->seek_to_first(); (*cursor)->valid(); (*cursor)->next()) {
      batch.put(space, (*cursor)->key(), (*cursor)->value());
      ++keys_copied;
      if (batch.byte_size() >= kBatchBytes) {
        if (auto w = target.write(batch); !w) return std::unexpected(w.error());
        batch.clear();
      }
    }
    if (auto s = (*cursor)->status(); !s) return std::unexpected(s.error());
    if (auto w = target.write(batch); !w) return std::unexpected(w.error());
  }
  return keys_copied;
}

}  // namespace

Result<void> Database::register_tx_function(const Keyword& ident, TxFunction fn) {
  if (auto ok = check_registration_name("a transaction function", ident.ns, !fn); !ok) return ok;
  std::lock_guard lock(impl_->registry->mutex);
  impl_->registry->functions[ident.qualified()] = std::make_shared<const TxFunction>(std::move(fn));
  return {};
}

Result<void> Database::register_entity_predicate(const Symbol& name, EntityPredicate fn) {
  if (auto ok = check_registration_name("an entity predicate", name.ns, !fn); !ok) return ok;
  std::lock_guard lock(impl_->registry->mutex);
  impl_->registry->entity_preds[name.qualified()] = std::make_shared<const EntityPredicate>(std::move(fn));
  return {};
}

Result<TxReport> Database::excise(const Value& eid, std::span<const Keyword> attrs) {
  return timed(&impl_->metrics->transactions, [&]() -> Result<TxReport> {
  if (impl_->options.read_only) return read_only_error(impl_->options, "excisions are");
  return guard_allocation("excising", [&]() -> Result<TxReport> {
    auto e = db().entid(eid);
    if (!e) return std::unexpected(e.error());
    if (!*e) return fail(ErrorCode::InvalidArgument, "cannot excise " + to_edn(eid) + ": no such entity");
    std::lock_guard lock(impl_->transact_mutex);
    ReadsNotCached not_cached;
    return impl_->published(impl_->connection->excise(**e, attrs));
  });
  });
}

Db Database::db() const { return wrap_db(impl_->connection->db(), impl_->settings, impl_->metrics); }

const Options& Database::options() const noexcept { return impl_->options; }

Result<std::uint64_t> Database::backup(const std::string& dir) const {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (dir.empty()) return fail(ErrorCode::InvalidArgument, "a backup needs a directory");
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec) || !fs::is_empty(dir, ec))
      return fail(ErrorCode::InvalidArgument, "the backup directory " + dir +
                                                  " already exists and is not empty; give a new or empty one");
  }
  if (!impl_->options.in_memory && fs::exists(dir, ec) && !impl_->options.path.empty() &&
      fs::equivalent(dir, impl_->options.path, ec))
    return fail(ErrorCode::InvalidArgument, "cannot back a database up into its own directory");
  auto snapshot = impl_->store->snapshot();
  if (!snapshot) return std::unexpected(snapshot.error());
  RocksOptions rocks;
  rocks.path = dir;
  rocks.sync_writes = false;  // one sync at the end (flush)
  auto names = impl_->store->space_names();
  auto target = RocksStore::open(rocks, std::vector<std::string>(names.begin(), names.end()));
  if (!target) return std::unexpected(target.error());

  auto keys_copied = copy_spaces(**snapshot, **target, meta_last(names), CursorOptions{});
  if (!keys_copied) return keys_copied;
  if (auto f = (*target)->flush(); !f) return std::unexpected(f.error());
  return keys_copied;
}

Result<IncrementalBackup> Database::backup_incremental(const std::string& dir) const {
  auto* rocks = dynamic_cast<RocksStore*>(impl_->store.get());
  if (rocks == nullptr)
    return fail(ErrorCode::InvalidArgument, "incremental backups are of RocksDB databases; back an in-memory one up with backup()");
  if (dir.empty()) return fail(ErrorCode::InvalidArgument, "a backup needs a directory");
  auto made = rocks->backup_incremental(dir);
  if (!made) return std::unexpected(made.error());
  return IncrementalBackup{made->id, made->backups, made->bytes, made->directory_bytes};
}

Result<std::uint32_t> Database::restore_backup(const std::string& backup_dir, const std::string& path,
                                               std::optional<std::uint32_t> id) {
  if (backup_dir.empty() || path.empty())
    return fail(ErrorCode::InvalidArgument, "restore_backup needs a backup directory and a database path");
  auto restored = RocksStore::restore_backup(backup_dir, path, id);
  if (!restored) return std::unexpected(restored.error());
  // The index layer's own check of what was restored: it must load.
  auto opened = open(Options{.path = path, .create_if_missing = false});
  if (!opened) return std::unexpected(opened.error());
  return restored;
}

Result<std::uint64_t> Database::restore(const std::string& dir) {
  if (impl_->options.read_only) return read_only_error(impl_->options, "restores are");
  std::lock_guard lock(impl_->transact_mutex);
  if (impl_->connection->db().basis() != TxId{kTx0})
    return fail(ErrorCode::InvalidArgument,
                "restore needs a new database (this one has transactions of its own); open a new directory or --mem");
  auto names = impl_->store->space_names();
  RocksOptions rocks;
  rocks.path = dir;
  rocks.read_only = true;
  auto source = RocksStore::open(rocks, std::vector<std::string>(names.begin(), names.end()));
  if (!source) return std::unexpected(source.error());
  auto snapshot = (*source)->snapshot();
  if (!snapshot) return std::unexpected(snapshot.error());
  Store& target = *impl_->store;

  // First, in one batch, the built-in schema this database was created with goes (the meta space
  // with it, so until the end there is no format marker); then every space but meta; meta last.
  auto current = target.snapshot();
  if (!current) return std::unexpected(current.error());
  WriteBatch clear;
  for (std::size_t i = 0; i < names.size(); ++i) {
    SpaceId space{static_cast<std::uint32_t>(i)};
    auto cursor = (*current)->cursor(space);
    if (!cursor) return std::unexpected(cursor.error());
    for ((*cursor)->seek_to_first(); (*cursor)->valid(); (*cursor)->next()) clear.del(space, (*cursor)->key());
    if (auto s = (*cursor)->status(); !s) return std::unexpected(s.error());
  }
  current->reset();
  if (auto w = target.write(clear); !w) return std::unexpected(w.error());

  auto keys_copied = copy_spaces(**snapshot, target, meta_last(names), CursorOptions{.long_scan = true, .fill_cache = false});
  if (!keys_copied) return keys_copied;
  if (auto f = target.flush(); !f) return std::unexpected(f.error());
  // The index layer reads its state (basis, schema, statistics) when a connection opens.
  auto connection = tx::Connection::open(impl_->store, *impl_->settings);
  if (!connection) return std::unexpected(connection.error());
  impl_->connection = std::move(*connection);
  return keys_copied;
}

Result<std::pair<std::uint64_t, std::uint64_t>> Database::compact() {
  if (impl_->options.read_only) return read_only_error(impl_->options, "compaction is");
  auto before = store_bytes(*impl_->store);
  if (!before) return std::unexpected(before.error());
  for (std::size_t i = 0; i < impl_->store->space_names().size(); ++i)
    if (auto c = impl_->store->compact(SpaceId{static_cast<std::uint32_t>(i)}); !c) return std::unexpected(c.error());
  auto after = store_bytes(*impl_->store);
  if (!after) return std::unexpected(after.error());
  return std::pair{*before, *after};
}

namespace {

// A numeric store property (nullopt: the store does not know it, e.g. the memory store).
Result<std::optional<std::uint64_t>> number_property(const Store& store, std::string_view name,
                                                     std::optional<SpaceId> space = std::nullopt) {
  auto text = store.property(name, space);
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::optional<std::uint64_t>{};
  try {
    return std::optional<std::uint64_t>{std::stoull(**text)};
  } catch (const std::exception&) {
    return std::optional<std::uint64_t>{};
  }
}

}  // namespace

Result<TxId> Database::catch_up() {
  auto* rocks = dynamic_cast<RocksStore*>(impl_->store.get());
  if (rocks == nullptr || !rocks->is_secondary())
    return fail(ErrorCode::InvalidArgument, "catch_up needs a secondary instance (Options::secondary_path)");
  if (auto ok = rocks->catch_up(); !ok) return std::unexpected(ok.error());
  // The index layer reads its state (basis, schema, statistics) when a connection opens.
  auto connection = tx::Connection::open(impl_->store, *impl_->settings);
  if (!connection) return std::unexpected(connection.error());
  impl_->connection = std::move(*connection);
  return impl_->connection->db().basis();
}

Result<DatabaseStats> Database::stats() const {
  index::Db db = impl_->connection->db();
  DatabaseStats out;
  out.basis = db.basis();
  for (const auto& attr : db.schema().attrs()) {
    ++out.attributes;
    std::uint64_t n = db.attr_stats(attr.id).datoms;
    out.datoms += n;
    if (attr.is_ref()) out.vaet_datoms += n;
  }
  out.eavt_datoms = out.aevt_datoms = out.avet_datoms = out.datoms;
  out.transactions = impl_->metrics->transactions.summary();
  out.queries = impl_->metrics->queries.summary();
  out.pulls = impl_->metrics->pulls.summary();
  out.scans = impl_->metrics->scans.summary();

  const Store& store = *impl_->store;
  auto names = store.space_names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    SpaceId space{static_cast<std::uint32_t>(i)};
    SpaceStats s{.name = std::string(names[i])};
    auto range = store.range_stats(space);
    if (!range) return std::unexpected(range.error());
    s.bytes = range->approximate_bytes;
    auto mem = number_property(store, "rocksdb.cur-size-all-mem-tables", space);
    if (!mem) return std::unexpected(mem.error());
    s.memtable_bytes = mem->value_or(0);
    auto sst = number_property(store, "rocksdb.total-sst-files-size", space);
    if (!sst) return std::unexpected(sst.error());
    s.sst_bytes = sst->value_or(0);
    auto pending = number_property(store, "rocksdb.estimate-pending-compaction-bytes", space);
    if (!pending) return std::unexpected(pending.error());
    out.pending_compaction_bytes += pending->value_or(0);
    out.storage_bytes += s.bytes;
    out.memtable_bytes += s.memtable_bytes;
    out.sst_bytes += s.sst_bytes;
    out.spaces.push_back(std::move(s));
  }
  struct Figure {
    const char* property;
    std::uint64_t* into;
  };
  for (Figure f : {Figure{"quarry.block-cache.hits", &out.block_cache_hits},
                   Figure{"quarry.block-cache.misses", &out.block_cache_misses},
                   Figure{"rocksdb.block-cache-usage", &out.block_cache_usage_bytes},
                   Figure{"rocksdb.block-cache-capacity", &out.block_cache_capacity_bytes},
                   Figure{"quarry.write-stall-micros", &out.write_stall_micros},
                   Figure{"rocksdb.background-errors", &out.background_errors},
                   Figure{"quarry.range-cache.hits", &out.range_cache_hits},
                   Figure{"quarry.range-cache.reads", &out.range_cache_reads},
                   Figure{"quarry.range-cache.admitted", &out.range_cache_admitted},
                   Figure{"quarry.range-cache.evicted", &out.range_cache_evicted},
                   Figure{"quarry.range-cache.invalidated", &out.range_cache_invalidated},
                   Figure{"quarry.range-cache.usage", &out.range_cache_usage_bytes},
                   Figure{"quarry.range-cache.capacity", &out.range_cache_capacity_bytes}}) {
    auto n = number_property(store, f.property);
    if (!n) return std::unexpected(n.error());
    *f.into = n->value_or(0);
  }
  auto automatic = number_property(store, "quarry.block-cache.automatic");
  if (!automatic) return std::unexpected(automatic.error());
  out.block_cache_automatic = automatic->value_or(0) == 1;
  if (out.block_cache_hits + out.block_cache_misses > 0)
    out.block_cache_hit_ratio = static_cast<double>(out.block_cache_hits) /
                                static_cast<double>(out.block_cache_hits + out.block_cache_misses);
  return out;
}

}  // namespace quarry
