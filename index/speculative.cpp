// Db::with_datoms and Db::with_excision: a commit into a LayeredStore over the value's own
// snapshot.
#include "index/commit.hpp"
#include "index/db.hpp"
#include "storage/layered_store.hpp"

namespace quarry::index {
namespace {

// Commits `datoms` (and `excision`, if any) on `core`'s state into an in-memory layer over its
// snapshot; the result keeps `view`'s as-of, since and history settings.
Result<std::shared_ptr<const detail::DbCore>> commit_in_layer(const detail::DbCore& core, TxId tx,
                                                              std::span<const Datom> datoms,
                                                              const detail::Excision* excision) {
  auto layered = LayeredStore::open(core.store, core.snapshot);
  if (!layered) return std::unexpected(layered.error());
  // The same state as this value's, read through the layer: what prepare_commit checks against
  // is exactly what the layer starts from.
  detail::DbCore basis = core;
  basis.store = std::shared_ptr<Store>(std::move(*layered));
  auto prepared = detail::prepare_commit(basis, tx, datoms, excision);
  if (!prepared) return std::unexpected(prepared.error());
  bool written = false;
  return detail::publish(basis, std::move(*prepared), WriteOptions{}, written);
}

}  // namespace

Result<Db> Db::with_datoms(TxId tx, std::span<const Datom> datoms) const {
  auto core = commit_in_layer(*core_, tx, datoms, nullptr);
  if (!core) return std::unexpected(core.error());
  Db out(std::move(*core));
  out.as_of_ = as_of_;
  out.since_ = since_;
  out.history_ = history_;
  return out;
}

Result<Db> Db::with_excision(TxId tx, std::span<const Datom> datoms, EntityId e,
                             std::span<const AttrId> attrs) const {
  if (!is_user_entity(e.value))
    return fail(ErrorCode::InvalidArgument, "only user entities can be excised, not " + std::to_string(e.value));
  const detail::Excision excision{e, std::vector<AttrId>(attrs.begin(), attrs.end())};
  auto core = commit_in_layer(*core_, tx, datoms, &excision);
  if (!core) return std::unexpected(core.error());
  Db out(std::move(*core));
  out.as_of_ = as_of_;
  out.since_ = since_;
  out.history_ = history_;
  return out;
}

}  // namespace quarry::index
