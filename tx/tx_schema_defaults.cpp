// TxBuilder, schema defaults written as datoms: every attribute has :db/cardinality (Datomic
// requires it; Quarry asserts :db.cardinality/one when none is given), so that
// [?a :db/cardinality ?c] finds every attribute, as it does in Datomic. See doc/transactions.md,
// "Schema".
//
// An entity of the system partition is an attribute for this rule when the transaction ends with
// it having a :db/ident and either a schema datom that only attributes have (:db/valueType,
// :db/unique, :db/index, :db/isComponent, :db/noHistory, the tuple keys, :db.attr/preds, or
// :db/cardinality itself, e.g. retracted) asserted or retracted by this transaction, or values
// asserted under it. A bare {:db/ident :x} (an enum value, an entity spec) is not, until used as
// one.
#include <algorithm>

#include "tx/tx_builder.hpp"

namespace quarry::tx::detail {
namespace {

namespace sys = index::sys;

// Schema attributes that make their entity an attribute (not :db/ident or :db/doc, which enum
// values and specs have too).
bool defines_attribute(AttrId a) {
  return index::Schema::is_schema_attr(a) && a != sys::kIdent && a != sys::kDoc;
}

}  // namespace

Result<void> TxBuilder::add_default_cardinalities() {
  std::vector<AttrId> candidates;
  for (const auto& [e, a] : schema_slots_)
    if (defines_attribute(a)) candidates.push_back(AttrId{e.value});
  std::vector<AttrId> first_used;  // few: attributes without datoms before this transaction
  for (const auto& [e, a] : overlay_.touched_keys()) {
    // An attribute with current datoms before this transaction was used before, and got its
    // cardinality then: only first uses need a look.
    // (first_used is looked at first: it is a few attributes, and an import's maps name them in
    // every slot.)
    if (std::find(first_used.begin(), first_used.end(), a) != first_used.end()) continue;
    if (a.value < sys::kFirstUserSystemId || basis_.attr_stats(a).datoms != 0) continue;
    if (!overlay_.asserted_values(e, a).empty()) first_used.push_back(a);
  }
  candidates.insert(candidates.end(), first_used.begin(), first_used.end());
  if (candidates.empty()) return {};
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  auto s = schema();
  if (!s) return std::unexpected(s.error());
  const index::AttrSchema* cardinality = (*s)->find(sys::kCardinality);
  const Value one = index::cardinality_keyword(false);
  for (AttrId a : candidates) {
    if (a.value < sys::kFirstUserSystemId) continue;
    s = schema();
    if (!s) return std::unexpected(s.error());
    if (!(*s)->find(a)) continue;  // no :db/ident (anymore): not an attribute
    auto now = overlay_.values(EntityId{a.value}, sys::kCardinality);
    if (!now) return std::unexpected(now.error());
    if (!(*now)->empty()) continue;
    if (auto ok = add_datom(EntityId{a.value}, *cardinality, one); !ok) return ok;
  }
  return {};
}

}  // namespace quarry::tx::detail
