#include "tx/transactor.hpp"

#include "tx/tx_builder.hpp"

namespace quarry::tx {

Result<PreparedTx> prepare_tx(const index::Db& basis, std::span<const TxForm> forms,
                              const TxOptions& options) {
  const auto ident_tempids = detail::ident_tempids(forms);
  detail::TempidMap prebound;
  // Each retry binds one more tempid for good, so there are at most as many as tempids.
  for (std::size_t attempt = 0; attempt <= forms.size() + 1; ++attempt) {
    detail::TxBuilder builder(basis, options, prebound, ident_tempids);
    auto ran = builder.run(forms);
    if (!builder.retries().empty()) {
      for (const auto& retry : builder.retries()) prebound.insert_or_assign(retry.tempid, retry.id);
      continue;
    }
    if (!ran) return std::unexpected(ran.error());
    return builder.finish();
  }
  return fail(ErrorCode::Internal, "tx/transactor.cpp: upsert retries did not converge");
}

}  // namespace quarry::tx
