// Db::with_datoms: a commit into a LayeredStore over the value's own snapshot.
#include "index/commit.hpp"
#include "index/db.hpp"
#include "storage/layered_store.hpp"

namespace quarry::index {

Result<Db> Db::with_datoms(TxId tx, std::span<const Datom> datoms) const {
  auto layered = LayeredStore::open(core_->store, core_->snapshot);
  if (!layered) return std::unexpected(layered.error());
  // The same state as this value's, read through the layer: what prepare_commit checks against
  // is exactly what the layer starts from.
  detail::DbCore basis = *core_;
  basis.store = std::shared_ptr<Store>(std::move(*layered));
  auto prepared = detail::prepare_commit(basis, tx, datoms);
  if (!prepared) return std::unexpected(prepared.error());
  bool written = false;
  auto core = detail::publish(basis, std::move(*prepared), WriteOptions{}, written);
  if (!core) return std::unexpected(core.error());
  Db out(std::move(*core));
  out.as_of_ = as_of_;
  out.since_ = since_;
  out.history_ = history_;
  return out;
}

}  // namespace quarry::index
