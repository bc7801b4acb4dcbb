// Tx-data: the typed forms of doc/architecture.md ("Data model"), parsed from EDN values without looking at a database.
//
//   [:db/add e a v]          [:db/retract e a v]        [:db/retract e a]
//   [:db/retractEntity e]    [:db/cas e a old new]      {:db/id e, a v, ...}   {a v, ...}
//
//   [:my.ns/fn arg ...]      [:db.fn/call :my.ns/fn arg ...]      (transaction function calls)
//
// (:db.fn/retractEntity, :db.fn/retractAttribute and :db.fn/cas are accepted as aliases, as
// DataScript does; nil forms are skipped. A list form whose operation is a keyword outside the
// :db and :db.* namespaces is a call of the transaction function of that name.)
//
// What parsing settles: the shape of each form, the entity positions (e and :db/id) and the
// attribute names (keywords, possibly reverse: :_friend / :person/_friend). What it leaves as raw
// values: the v positions and map values, because their meaning depends on the schema — `2` is an
// entity id for a ref attribute and a long otherwise, `"x"` a tempid or a string, `[:name "x"]` a
// lookup ref or a tuple, `[1 2]` two values of a cardinality-many attribute or one tuple — and is
// decided by the transactor (tx/transactor.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "codec/error.hpp"
#include "codec/value.hpp"

namespace quarry::tx {

// A tempid: a string other than "datomic.tx", or a negative long. Two tempids name the same entity
// iff their values are equal ("1" and -1 are different tempids). `name` is kept as the user wrote
// it; it is the key of the tx report's tempid map.
struct TempId {
  Value name;
};

// [:attr value] — the entity whose unique attribute `attr` has `value`.
struct LookupRef {
  Keyword attr;
  Value value;
};

// The transaction's own entity: the string "datomic.tx" or the keyword :db/current-tx.
struct CurrentTx {
  Value name;  // as written; reported in the tempid map
};

// An entity named by its :db/ident keyword (an attribute or an enum value).
struct Ident {
  Keyword ident;
};

// Anything that may stand where an entity is expected.
using EntityRef = std::variant<EntityId, TempId, LookupRef, CurrentTx, Ident>;

// An attribute as written: `:friend` or its reverse `:_friend` (ident = :friend, reverse = true).
struct AttrRef {
  Keyword ident;  // always the forward name
  bool reverse = false;
};

enum class OpKind : std::uint8_t { Add, Retract, RetractAttribute, RetractEntity, Cas };

// A list form. Which fields are meaningful depends on op:
//   Add, Retract: e a v        RetractAttribute: e a        RetractEntity: e
//   Cas: e a v new_v (v is the expected old value; nil means "no value")
struct ListForm {
  OpKind op = OpKind::Add;
  EntityRef e;
  AttrRef a;
  Value v;
  Value new_v;
};

// A map form. `id` is absent when the map has no :db/id (the entity is new, or found by upsert).
// Entries keep the map's order (the EDN reader sorts map keys, so this is attribute order).
struct MapForm {
  std::optional<EntityRef> id;
  std::vector<std::pair<AttrRef, Value>> attrs;
};

// A transaction function call: the transactor calls the function registered under `fn` with the
// database before the transaction and `args` (raw EDN), and runs the tx-data it returns in place
// of this form (tx/hooks.hpp).
struct CallForm {
  Keyword fn;
  std::vector<Value> args;
};

struct TxForm {
  std::variant<ListForm, MapForm, CallForm> body;
  std::size_t index = 0;  // position in the tx-data vector, for error messages
};

// Parses tx-data: a vector or list of forms. Errors: TxSyntax (bad shape), TxEntityId (0 as an
// entity id), each message naming the offending form.
[[nodiscard]] Result<std::vector<TxForm>> parse_tx_data(const Value& tx_data);

// Parses one form (`index` is its position, for messages). Nil is a syntax error here.
[[nodiscard]] Result<TxForm> parse_tx_form(const Value& form, std::size_t index = 0);

// Parses an entity position: a positive long or ref (an entity id), a negative long or a string (a
// tempid), "datomic.tx" / :db/current-tx, any other keyword (an ident), or a lookup ref [:a v].
// `context` names the enclosing form in messages.
[[nodiscard]] Result<EntityRef> parse_entity_ref(const Value& v, const Value& context);

// Splits :_friend into {:friend, reverse}; a keyword whose name is just "_" is not reverse.
[[nodiscard]] AttrRef parse_attr_keyword(const Keyword& k);

// The attribute as it was written (:_friend for a reverse one).
[[nodiscard]] Keyword written_name(const AttrRef& a);

// The EDN form of a parsed form (for messages): [:db/add e a v], {:db/id e ...}.
[[nodiscard]] Value form_value(const TxForm& form);

// The EDN form of an entity position, for messages and the tempid map.
[[nodiscard]] Value entity_ref_value(const EntityRef& e);

// True if `v` has the shape of a lookup ref: a 2-element vector (or list) whose first element is a
// keyword.
[[nodiscard]] bool looks_like_lookup_ref(const Value& v);

}  // namespace quarry::tx
