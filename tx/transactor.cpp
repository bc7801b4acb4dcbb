#include "tx/transactor.hpp"

#include "tx/tx_builder.hpp"

namespace quarry::tx {

Result<PreparedTx> prepare_tx(const index::Db& basis, std::span<const TxForm> forms,
                              const TxOptions& options) {
  const auto ident_tempids = detail::ident_tempids(forms);
  detail::TempidMap prebound;
  // Each retry binds at least one more tempid for good (a retry names only tempids that were not
  // bound yet), so there are at most as many retries as tempids.
  for (;;) {
    detail::TxBuilder builder(basis, options, prebound, ident_tempids);
    auto ran = builder.run(forms);
    if (!builder.retries().empty()) {
      const std::size_t bound = prebound.size();
      for (const auto& retry : builder.retries()) prebound.insert_or_assign(retry.tempid, retry.id);
      if (prebound.size() == bound) return fail(ErrorCode::Internal, "tx/transactor.cpp: an upsert retry bound no new tempid");
      continue;
    }
    if (!ran) return std::unexpected(ran.error());
    return builder.finish();
  }
}

}  // namespace quarry::tx
