// Writer: opening (bootstrap or load) and the commit entry point.
#include <algorithm>
#include <charconv>
#include <tuple>
#include <new>

#include "codec/value_codec.hpp"
#include "index/commit.hpp"
#include "index/db.hpp"
#include "index/key_layout.hpp"
#include "index/stats.hpp"

namespace quarry::index {
namespace {

using detail::DbCore;

Result<std::shared_ptr<const DbCore>> bootstrap(std::shared_ptr<Store> store, const detail::Spaces& spaces,
                                                std::shared_ptr<const Snapshot> snap) {
  // A store without the marker must be empty: anything else is not ours to interpret.
  for (SpaceId id : {spaces.current[0], spaces.history[0], spaces.log, spaces.meta}) {
    auto c = snap->cursor(id);
    if (!c) return std::unexpected(c.error());
    (*c)->seek_to_first();
    if ((*c)->valid())
      return fail(ErrorCode::StorageVersion, "the store holds data but no '" + std::string(keys::kMetaFormat) +
                                                 "' marker: not a Quarry index");
    if (auto s = (*c)->status(); !s) return std::unexpected(s.error());
  }
  DbCore empty;
  empty.store = std::move(store);
  empty.snapshot = std::move(snap);
  empty.spaces = spaces;
  empty.schema = std::make_shared<const Schema>();
  empty.stats = std::make_shared<const detail::StatsMap>();
  empty.values = detail::SnapshotValues(empty.snapshot.get(), spaces.values);
  auto datoms = Schema::bootstrap_datoms();
  auto prepared = detail::prepare_commit(empty, TxId{kTx0}, datoms);
  if (!prepared) return std::unexpected(prepared.error());
  prepared->batch.put(spaces.meta, keys::kMetaFormat, std::to_string(keys::kIndexFormat));
  bool written = false;
  return detail::publish(empty, std::move(*prepared), WriteOptions{}, written);
}

Result<std::uint64_t> read_counter(const Snapshot& snap, SpaceId meta, std::string_view name) {
  auto v = snap.get(meta, name);
  if (!v) return std::unexpected(v.error());
  if (!*v) return fail(ErrorCode::StorageCorruption, "meta record '" + std::string(name) + "' is missing");
  std::string_view bytes = **v;
  auto n = codec::decode_uint_fixed(bytes);
  if (!n || !bytes.empty())
    return fail(ErrorCode::StorageCorruption, "meta record '" + std::string(name) + "' is undecodable");
  return *n;
}

Result<std::shared_ptr<const DbCore>> load(std::shared_ptr<Store> store, const detail::Spaces& spaces,
                                           std::shared_ptr<const Snapshot> snap) {
  auto core = std::make_shared<DbCore>();
  auto basis = read_counter(*snap, spaces.meta, keys::kMetaBasis);
  if (!basis) return std::unexpected(basis.error());
  auto max_eid = read_counter(*snap, spaces.meta, keys::kMetaMaxEid);
  if (!max_eid) return std::unexpected(max_eid.error());
  auto next_system = read_counter(*snap, spaces.meta, keys::kMetaNextSystemId);
  if (!next_system) return std::unexpected(next_system.error());
  core->counters = {TxId{*basis}, *max_eid, *next_system};

  auto stats = std::make_shared<detail::StatsMap>();
  std::string prefix(keys::kMetaStatsPrefix);
  auto c = snap->cursor(spaces.meta, CursorBounds{prefix, keys::prefix_successor(prefix)});
  if (!c) return std::unexpected(c.error());
  for ((*c)->seek_to_first(); (*c)->valid(); (*c)->next()) {
    std::string_view key = (*c)->key().substr(prefix.size());
    auto a = codec::decode_uint_fixed(key);
    auto s = detail::decode_stats((*c)->value());
    if (!a || !key.empty() || !s) return fail(ErrorCode::StorageCorruption, "undecodable meta statistics record");
    stats->emplace(AttrId{*a}, *s);
  }
  if (auto s = (*c)->status(); !s) return std::unexpected(s.error());
  core->stats = std::move(stats);

  // Schema: every current datom of system entities (they sort after all user and tx entities).
  std::string first_system;
  keys::append_entity(first_system, EntityId{kSystemBase});
  std::vector<Datom> system;
  detail::SnapshotValues values(snap.get(), spaces.values);
  auto e = snap->cursor(spaces.current[0], CursorBounds{first_system, std::nullopt});
  if (!e) return std::unexpected(e.error());
  for ((*e)->seek_to_first(); (*e)->valid(); (*e)->next()) {
    auto d = keys::decode_current(IndexOrder::Eavt, (*e)->key(), (*e)->value(), &values);
    if (!d) return std::unexpected(d.error());
    if (Schema::is_schema_attr(d->a)) system.push_back(std::move(*d));
  }
  if (auto s = (*e)->status(); !s) return std::unexpected(s.error());
  auto schema = Schema::from_datoms(system);
  if (!schema) return fail(ErrorCode::StorageCorruption, "stored schema is invalid: " + schema.error().message);
  // Former idents (renamed attributes keep answering to them): the history of :db/ident.
  std::vector<std::tuple<TxId, Keyword, AttrId>> renamed;  // by retracting tx: later ones win
  std::string ident_prefix;
  keys::append_attr(ident_prefix, sys::kIdent);
  auto h = snap->cursor(spaces.history[static_cast<std::size_t>(IndexOrder::Aevt)],
                        CursorBounds{ident_prefix, keys::prefix_successor(ident_prefix)});
  if (!h) return std::unexpected(h.error());
  for ((*h)->seek_to_first(); (*h)->valid(); (*h)->next()) {
    auto entry = keys::decode_history(IndexOrder::Aevt, (*h)->key(), (*h)->value(), &values);
    if (!entry) return std::unexpected(entry.error());
    if (const auto* k = entry->asserted.v.get_if<Keyword>(); k && is_system_entity(entry->asserted.e.value))
      renamed.emplace_back(entry->retracted, *k, AttrId{entry->asserted.e.value});
  }
  if (auto s = (*h)->status(); !s) return std::unexpected(s.error());
  std::sort(renamed.begin(), renamed.end());
  std::vector<std::pair<Keyword, AttrId>> former;
  for (auto& [tx, k, a] : renamed) former.emplace_back(std::move(k), a);
  core->schema = (*schema)->with_missing_builtins()->with_aliases(former);

  core->store = std::move(store);
  core->snapshot = std::move(snap);
  core->spaces = spaces;
  core->values = detail::SnapshotValues(core->snapshot.get(), spaces.values);
  return std::shared_ptr<const DbCore>(std::move(core));
}

}  // namespace

Writer::Writer(Db db, std::shared_ptr<Store> store) : store_(std::move(store)), db_(std::move(db)) {}
Writer::~Writer() = default;

Result<std::unique_ptr<Writer>> Writer::open(std::shared_ptr<Store> store) {
  if (!store) return fail(ErrorCode::InvalidArgument, "Writer::open needs a store");
  auto spaces = detail::resolve_spaces(*store);
  if (!spaces) return std::unexpected(spaces.error());
  auto snap = store->snapshot();
  if (!snap) return std::unexpected(snap.error());
  std::shared_ptr<const Snapshot> shared_snap = std::move(*snap);
  auto marker = shared_snap->get(spaces->meta, keys::kMetaFormat);
  if (!marker) return std::unexpected(marker.error());
  Result<std::shared_ptr<const DbCore>> core =
      !marker->has_value() ? bootstrap(store, *spaces, std::move(shared_snap))
      : **marker == std::to_string(keys::kIndexFormat)
          ? load(store, *spaces, std::move(shared_snap))
          : fail(ErrorCode::StorageVersion, "index format '" + **marker + "' is not supported (this build reads " +
                                                std::to_string(keys::kIndexFormat) + ")");
  if (!core) return std::unexpected(core.error());
  return std::unique_ptr<Writer>(new Writer(Db(std::move(*core)), std::move(store)));
}

Db Writer::db() const {
  std::lock_guard lock(db_mutex_);
  return db_;
}

Result<Db> Writer::reload() {
  std::lock_guard commit_lock(commit_mutex_);
  broken_ = true;  // until the store is read again
  auto snap = store_->snapshot();
  if (!snap) return std::unexpected(snap.error());
  auto core = load(store_, db().core_->spaces, std::shared_ptr<const Snapshot>(std::move(*snap)));
  if (!core) return std::unexpected(core.error());
  broken_ = false;
  Db next(std::move(*core));
  {
    std::lock_guard lock(db_mutex_);
    db_ = next;
  }
  return next;
}

Result<Db> Writer::commit(const Db& basis, TxId tx, std::span<const Datom> datoms, WriteOptions options) {
  return commit_batch(basis, tx, datoms, options, nullptr);
}

Result<Db> Writer::excise(const Db& basis, TxId tx, std::span<const Datom> datoms, EntityId e,
                          std::span<const AttrId> attrs, WriteOptions options) {
  if (!is_user_entity(e.value))
    return fail(ErrorCode::InvalidArgument, "only user entities can be excised, not " + std::to_string(e.value));
  detail::Excision excision{e, std::vector<AttrId>(attrs.begin(), attrs.end())};
  return commit_batch(basis, tx, datoms, options, &excision);
}

Result<Db> Writer::commit_batch(const Db& basis, TxId tx, std::span<const Datom> datoms, WriteOptions options,
                                const detail::Excision* excision) {
  std::lock_guard commit_lock(commit_mutex_);
  if (broken_) return fail(ErrorCode::StorageIo, "an earlier commit was written but not re-read; reopen the database");
  Db latest = db();
  if (basis.core_ != latest.core_)
    return fail(ErrorCode::InvalidArgument, "commit basis is transaction " + std::to_string(basis.basis().value) +
                                                " but the latest is " + std::to_string(latest.basis().value));
  auto prepared = detail::prepare_commit(*latest.core_, tx, datoms, excision);
  if (!prepared) return std::unexpected(prepared.error());
  bool written = false;
  auto core = [&]() -> decltype(detail::publish(*latest.core_, std::move(*prepared), options, written)) {
    try {
      return detail::publish(*latest.core_, std::move(*prepared), options, written);
    } catch (const std::bad_alloc&) {  // `written` says whether the batch reached the store
      return fail(ErrorCode::OutOfMemory, "out of memory while committing transaction " +
                                              std::to_string(tx.value));
    }
  }();
  if (!core) {
    // Written but not re-read: the store is ahead of db_, so refuse further commits rather than
    // build them on a stale basis.
    if (written) broken_ = true;
    return std::unexpected(core.error());
  }
  Db next(std::move(*core));
  {
    std::lock_guard lock(db_mutex_);
    db_ = next;
  }
  return next;
}

}  // namespace quarry::index
