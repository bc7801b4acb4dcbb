// Naming an entity the ways tx-data, queries and the REPL do: an entity id (a positive long or a
// ref), an ident keyword (:person/name names the attribute entity), or a lookup ref [:attr value]
// on a :db/unique attribute (the value itself may be a lookup ref or ident for a ref attribute).
#pragma once

#include <optional>

#include "codec/error.hpp"
#include "codec/value.hpp"
#include "index/db.hpp"

namespace quarry::index {

// The entity `ref` names in `db`; nullopt when an ident or lookup ref finds nothing (an id is
// returned as is, whether or not it has datoms). Errors: :tx/lookup-ref for a lookup ref on an
// attribute that is unknown or not unique; :quarry/invalid-argument for anything else that is not
// an entity reference (e.g. a negative long or a string).
[[nodiscard]] Result<std::optional<EntityId>> resolve_entity(const Db& db, const Value& ref);

// True if `v` has the shape of a lookup ref: a 2-element vector or list starting with a keyword.
[[nodiscard]] bool is_lookup_ref(const Value& v) noexcept;

}  // namespace quarry::index
