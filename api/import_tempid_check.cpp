#include "api/import_tempid_check.hpp"

#include "api/import_cells.hpp"

namespace quarry::import_detail {

void TempidCheck::define(std::string_view tempid) {
  if (!defined_.insert(tempid, EntityId{0})) return;
  if (auto it = pending_.find(tempid); it != pending_.end()) pending_.erase(it);
}

Result<void> TempidCheck::finish(const std::string& name, std::string_view row) const {
  const std::pair<const std::string, Reference>* first = nullptr;
  for (const auto& entry : pending_)
    if (!first || entry.second.line < first->second.line) first = &entry;
  if (!first) return {};
  const std::string& tempid = first->first;
  std::string message = name + " line " + std::to_string(first->second.line) + ": " + first->second.place + ": " +
                        to_edn(Value(tempid)) + " is a tempid that no " + std::string(row) +
                        " of the file defines (none has it as its db/id with a value)";
  if (pending_.size() > 1)
    message += "; " + std::to_string(pending_.size() - 1) + " other tempids are not defined either";
  return fail(ErrorCode::TxTempid, std::move(message));
}

bool tempid_text(std::string_view text) {
  return !text.empty() && text.front() != '[' && !whole_long(text) && text != "datomic.tx";
}

}  // namespace quarry::import_detail
