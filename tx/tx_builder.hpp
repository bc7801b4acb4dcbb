// Internal to tx/: one attempt at building a transaction (see tx/transactor.hpp for the
// semantics). prepare_tx runs attempts until one finishes without asking for a retry.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "codec/error.hpp"
#include "index/db.hpp"
#include "tx/overlay.hpp"
#include "tx/transactor.hpp"
#include "tx/tx_data.hpp"

namespace quarry::tx::detail {

// Tempid name ("a", -1) -> entity.
using TempidMap = std::unordered_map<Value, EntityId>;

// A tempid that already had a new id when an upsert resolved it to an existing entity: the
// transaction must be re-run with the tempid bound to that entity from the start.
struct Retry {
  Value tempid;
  EntityId id;
};

// Tempids whose entity asserts :db/ident (they get ids in the system partition).
[[nodiscard]] std::unordered_set<Value> ident_tempids(std::span<const TxForm> forms);

class TxBuilder {
 public:
  // REQUIRES: every argument outlives the builder.
  TxBuilder(const index::Db& basis, const TxOptions& options, const TempidMap& prebound,
            const std::unordered_set<Value>& ident_tempids);

  // Applies the forms in order. When retries() is not empty afterwards, the attempt is void
  // (whatever run returned) and must be re-run with those tempids bound.
  [[nodiscard]] Result<void> run(std::span<const TxForm> forms);
  [[nodiscard]] const std::vector<Retry>& retries() const noexcept { return retries_; }
  // After a successful run(): the final checks and the datoms.
  [[nodiscard]] Result<PreparedTx> finish();

 private:
  enum class Role : std::uint8_t {
    AddEntity,  // e of an assertion: a tempid is allocated
    Entity,     // e of a retraction or cas: a tempid is an error
    Value,      // a ref value of an assertion: a tempid is allocated (and must also be an entity)
    Lookup,     // a ref value of a retraction or cas, or inside a lookup ref: no tempid
  };

  // Forms.
  [[nodiscard]] Result<void> run_forms(std::span<const TxForm> forms, int depth);
  [[nodiscard]] Result<void> call(const CallForm& c, int depth);
  [[nodiscard]] Result<void> list_form(const ListForm& f);
  [[nodiscard]] Result<EntityId> map_entity(const MapForm& m);
  [[nodiscard]] Result<void> add(const EntityRef& e, const AttrRef& a, const Value& v);
  [[nodiscard]] Result<void> retract(const ListForm& f);
  [[nodiscard]] Result<void> retract_entity(EntityId e);
  [[nodiscard]] Result<void> cas(const ListForm& f);
  [[nodiscard]] Result<void> map_entry(EntityId e, const AttrRef& a, const Value& v);
  [[nodiscard]] Result<void> assert_value(EntityId e, const index::AttrSchema& a, const Value& v);

  // Entities and values.
  [[nodiscard]] Result<EntityId> entity(const EntityRef& ref, Role role);
  [[nodiscard]] Result<EntityId> add_entity(const EntityRef& ref, const index::AttrSchema& a,
                                            const Value& v);
  [[nodiscard]] Result<EntityId> tempid(const TempId& t, Role role);
  [[nodiscard]] Result<EntityId> lookup(const LookupRef& ref);
  [[nodiscard]] Result<EntityId> checked_id(EntityId id, Role role);
  // parse_entity_ref of a value of the current form, whose message (if any) quotes the form.
  [[nodiscard]] Result<EntityRef> entity_ref_in_form(const Value& v) const;
  [[nodiscard]] Result<Value> value(const index::AttrSchema& a, const Value& v, Role role);
  // The value of an identity attribute for an upsert, if it can be had without allocating.
  [[nodiscard]] Result<std::optional<Value>> probe(const index::AttrSchema& a, const Value& v);
  // Binds `t` to the upserted entity `id` (or asks for a retry, or fails on a conflict).
  [[nodiscard]] Result<void> bind_upsert(const Value& t, EntityId id);
  [[nodiscard]] EntityId allocate(bool system);
  [[nodiscard]] std::vector<Value> values_of(const index::AttrSchema& a, const Value& v) const;

  // Attributes and schema.
  [[nodiscard]] Result<const index::AttrSchema*> attribute(const Keyword& ident, bool create);
  [[nodiscard]] Result<const index::Schema*> schema();
  [[nodiscard]] Result<void> guard_schema_datom(EntityId e, const index::AttrSchema& a,
                                                const Value* v);

  // Datoms.
  [[nodiscard]] Result<void> add_datom(EntityId e, const index::AttrSchema& a, const Value& v);
  [[nodiscard]] Result<void> check_unique(const std::vector<Datom>& datoms);

  // Tuples (tx_tuples.cpp).
  [[nodiscard]] Result<void> check_tuple_value(const index::AttrSchema& a, const Value& v);
  // The composite value of `composite` for e now, from its components (nil when all are missing).
  [[nodiscard]] Result<Value> composite_value(EntityId e, const index::AttrSchema& composite);
  // The composite values a map's own component entries give (for upserts), or nullopt when one of
  // them cannot be known before the map's entity is (a tempid or nested map).
  [[nodiscard]] Result<std::optional<Value>> map_composite_value(const MapForm& m, const index::AttrSchema& composite);
  // Recomputes e's composites that use `component` (after each assertion or retraction, so that
  // later forms see them: an upsert through a composite made earlier in the transaction).
  [[nodiscard]] Result<void> refresh_composites(EntityId e, AttrId component);
  [[nodiscard]] Result<void> set_composite(EntityId e, const index::AttrSchema& composite);
  [[nodiscard]] Result<void> update_composites();
  // [:db/add tempid composite v]: an upsert key, never a datom (tx_tuples.cpp).
  [[nodiscard]] Result<void> add_composite_key(const TempId& t, const index::AttrSchema& composite, const Value& v);
  // After the forms: tempids whose new entity holds a unique identity composite another entity
  // held before the transaction are that entity (asks for a retry).
  [[nodiscard]] Result<void> upsert_by_composites();

  // Every attribute that ends the transaction with schema datoms or values gets its cardinality
  // as a datom (tx_schema_defaults.cpp).
  [[nodiscard]] Result<void> add_default_cardinalities();
  // The excision the transaction records, checked (tx_excision.cpp).
  [[nodiscard]] Result<std::optional<PreparedTx::Excision>> excision(const std::vector<Datom>& datoms);

  // Constraints (tx_constraints.cpp), on the final datoms.
  [[nodiscard]] Result<void> check_attr_preds(const std::vector<Datom>& datoms);
  [[nodiscard]] Result<void> check_entity_specs(const std::vector<Datom>& datoms);

  // Errors naming the current form.
  [[nodiscard]] std::unexpected<Error> error(ErrorCode code, std::string what) const;
  [[nodiscard]] std::string datom_text(EntityId e, AttrId a, const Value& v);

  const index::Db& basis_;
  const TxOptions& options_;
  std::unordered_set<Value> ident_tempids_;  // grows with the tx-data functions return
  TxId tx_;
  std::uint64_t next_eid_;
  std::uint64_t next_system_id_;
  Overlay overlay_;

  TempidMap tempids_;
  std::unordered_set<Value> upserted_;      // tempids bound by an upsert (or a retry)
  std::unordered_set<Value> entity_used_;   // tempids met in an entity position
  std::unordered_set<Value> value_used_;    // tempids met as ref values
  std::vector<Value> current_tx_names_;     // "datomic.tx" / :db/current-tx as written

  std::shared_ptr<const index::Schema> schema_;
  std::vector<std::shared_ptr<const index::Schema>> retired_;  // keep AttrSchema pointers valid
  // Attributes attribute() found in the schema found_in_, by ident (at most kFoundAttrs): a
  // transaction of many maps looks up the same few keywords for every datom, and comparing them
  // for equality is cheaper than Schema::find's binary search. Schemas are retired, never freed,
  // while the builder lives, so found_in_ cannot name a new schema at an old address.
  static constexpr std::size_t kFoundAttrs = 16;
  std::vector<std::pair<Keyword, const index::AttrSchema*>> found_;
  const index::Schema* found_in_ = nullptr;
  bool schema_dirty_ = false;
  bool user_partition_full_ = false;
  std::uint64_t reuse_next_ = 1;  // where allocate() looks for an unused id once max-eid is at the top
  std::vector<std::pair<EntityId, AttrId>> schema_slots_;  // slots holding schema datoms

  const TxForm* form_ = nullptr;
  std::vector<const TxForm*> calls_;            // the calls form_ was expanded from, outermost first
  std::deque<std::vector<TxForm>> expansions_;  // tx-data returned by transaction functions
  // Composite values given in maps (upsert keys), checked against the recomputed ones.
  struct GivenComposite {
    EntityId e;
    AttrId a;
    Value v;
  };
  std::vector<GivenComposite> given_composites_;
  // [e :db/ensure spec] pairs (virtual datoms: checked, never stored).
  std::vector<std::pair<EntityId, EntityId>> ensures_;
  // Tempids found to need re-binding. The attempt goes on with them re-bound (so one attempt
  // collects as many as it can: a transaction whose every tempid needs one re-runs once, not once
  // per tempid), but its result is discarded.
  std::vector<Retry> retries_;
};

}  // namespace quarry::tx::detail
