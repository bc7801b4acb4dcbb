// Validation of schema changes: which changes to an attribute are safe given the data it has.
//
//   change                                  allowed when
//   new attribute                           always (its values in this transaction must match)
//   :db/valueType T -> U                    the attribute has no datoms, or T is untyped and every
//                                           value is a U (an undeclared attribute getting a type)
//   :db/cardinality many -> one             no entity has more than one value
//   :db/unique none -> value | identity     no two entities share a value
//   :db/isComponent true                    the attribute is a ref
//   :db/ident retracted                     the attribute has no datoms
//   anything else (doc, index, noHistory, unique removed or switched, one -> many, renaming)
//                                           always
// "Datoms" means the state at the end of the transaction: the basis' datoms of the attribute with
// the transaction's own changes applied.
#pragma once

#include <span>

#include "codec/error.hpp"
#include "index/db.hpp"
#include "tx/overlay.hpp"

namespace quarry::tx {

// Checks every attribute in `changed` (ids whose schema differs between `before` and `after`).
// TxSchema errors name the attribute and the offending values or entities.
[[nodiscard]] Result<void> check_schema_changes(const index::Db& basis, Overlay& overlay,
                                                const index::Schema& before,
                                                const index::Schema& after,
                                                std::span<const AttrId> changed);

}  // namespace quarry::tx
