// Attribute schema: what the index layer knows about each attribute, built from the attribute
// entities' own datoms (doc/architecture.md, "Data model"), so schema is versioned and queryable like any other data.
//
// An ATTRIBUTE is an entity in the system partition (id >= kSystemBase) that has a :db/ident.
// Its schema is the current value of the system attributes below on that entity; an attribute with
// no :db/valueType is untyped (ValueType::Any, DataScript's behaviour). Schema values are keywords
// (:db.type/string, :db.cardinality/many, :db.unique/identity), not refs to enum entities.
//
// Thread safety: a Schema is immutable once built and shared (std::shared_ptr<const Schema>) by
// every Db value that sees it; any number of threads may read it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "codec/error.hpp"
#include "codec/ids.hpp"
#include "codec/value.hpp"
#include "index/datom.hpp"

namespace quarry::index {

// The built-in attributes. Their ids are persisted in every key: never renumber. Written into a
// new database as transaction kTx0 (see Writer::open), so `[?a :db/ident ?i]` finds them.
namespace sys {
inline constexpr AttrId kIdent{kSystemBase + 1};         // keyword, unique identity
inline constexpr AttrId kValueType{kSystemBase + 2};     // keyword, :db.type/*
inline constexpr AttrId kCardinality{kSystemBase + 3};   // keyword, :db.cardinality/one|many
inline constexpr AttrId kUnique{kSystemBase + 4};        // keyword, :db.unique/value|identity
inline constexpr AttrId kIndex{kSystemBase + 5};         // boolean
inline constexpr AttrId kIsComponent{kSystemBase + 6};   // boolean
inline constexpr AttrId kDoc{kSystemBase + 7};           // string
inline constexpr AttrId kNoHistory{kSystemBase + 8};     // boolean
inline constexpr AttrId kTxInstant{kSystemBase + 9};     // instant, indexed
// Tuples (doc/transactions.md, "Tuples"): schema attributes of tuple attributes.
inline constexpr AttrId kTupleAttrs{kSystemBase + 10};   // tuple of keywords: a composite's attributes
inline constexpr AttrId kTupleTypes{kSystemBase + 11};   // tuple of :db.type/* keywords: fixed positions
inline constexpr AttrId kTupleType{kSystemBase + 12};    // :db.type/* keyword: a homogeneous tuple
// Constraints: :db.attr/preds is schema (symbols, many); the entity-spec attributes are data on
// spec entities, and :db/ensure is virtual (never stored: it names the spec a transaction checks).
inline constexpr AttrId kAttrPreds{kSystemBase + 13};    // symbol, many
inline constexpr AttrId kEnsure{kSystemBase + 14};       // ref to a spec entity (never stored)
inline constexpr AttrId kEntityAttrs{kSystemBase + 15};  // keyword, many: required attributes
inline constexpr AttrId kEntityPreds{kSystemBase + 16};  // symbol, many: entity predicates
// Excision records, asserted on the excising transaction's entity.
inline constexpr AttrId kExcise{kSystemBase + 17};       // ref: the excised entity
inline constexpr AttrId kExciseAttrs{kSystemBase + 18};  // keyword, many: only these attributes
// Ids kSystemBase+1 .. kFirstUserSystemId-1 are reserved for built-ins (present and future).
// The tx layer gives new attributes (and other system entities) ids from Db::next_system_id().
inline constexpr std::uint64_t kFirstUserSystemId = kSystemBase + 64;
}  // namespace sys

// Not persisted as numbers (schema datoms hold keywords), so these may be reordered.
enum class ValueType : std::uint8_t {
  Any,  // untyped: no :db/valueType
  Boolean,
  Long,
  Double,
  String,
  Keyword,
  Symbol,
  Instant,
  Uuid,
  Ref,
  Bytes,
  Tuple,
};
enum class Unique : std::uint8_t { None, Value, Identity };

// :db.type/string <-> ValueType::String etc. Any has no keyword (nullopt); unknown keywords give
// nullopt.
[[nodiscard]] std::optional<ValueType> value_type_from_keyword(const Keyword& k) noexcept;
[[nodiscard]] std::optional<Keyword> value_type_keyword(ValueType t);
// :db.cardinality/many -> true, :db.cardinality/one -> false, anything else nullopt.
[[nodiscard]] std::optional<bool> cardinality_many_from_keyword(const Keyword& k) noexcept;
[[nodiscard]] Keyword cardinality_keyword(bool many);
// :db.unique/value, :db.unique/identity. None has no keyword (nullopt).
[[nodiscard]] std::optional<Unique> unique_from_keyword(const Keyword& k) noexcept;
[[nodiscard]] std::optional<Keyword> unique_keyword(Unique u);
// Whether v is a value of type t (Any accepts every storable value; Tuple accepts a Vector of
// storable-or-nil elements; Ref accepts EntityId only).
[[nodiscard]] bool value_has_type(const Value& v, ValueType t) noexcept;

struct AttrSchema {
  AttrId id{};
  Keyword ident{};
  ValueType type = ValueType::Any;
  bool many = false;  // cardinality many
  Unique unique = Unique::None;
  bool indexed = false;  // :db/index (AVET is kept for every attribute regardless)
  bool component = false;
  bool no_history = false;  // retracted datoms are not kept in the history spaces
  std::string doc{};
  // Tuples: a composite tuple of these attributes (kept by the transactor, never asserted); the
  // types of a fixed-length tuple's positions; the type of every element of a homogeneous tuple
  // (Any: not one). At most one of the three is set on a valid schema.
  std::vector<Keyword> tuple_attrs{};
  std::vector<ValueType> tuple_types{};
  ValueType tuple_type = ValueType::Any;
  // :db.attr/preds: predicates every asserted value must satisfy, in id order of their datoms.
  std::vector<Symbol> preds{};

  [[nodiscard]] bool is_ref() const noexcept { return type == ValueType::Ref; }
  [[nodiscard]] bool is_composite() const noexcept { return !tuple_attrs.empty(); }
  friend bool operator==(const AttrSchema&, const AttrSchema&) = default;
};

class Schema {
 public:
  // The built-in attributes only.
  [[nodiscard]] static std::shared_ptr<const Schema> bootstrap();

  // nullptr when there is no such attribute. The pointer lives as long as this Schema. An ident
  // an attribute had before it was renamed finds it too (an alias, as in Datomic), until another
  // attribute takes that ident.
  [[nodiscard]] const AttrSchema* find(AttrId id) const noexcept;
  [[nodiscard]] const AttrSchema* find(const Keyword& ident) const noexcept;
  // Every attribute, ordered by id.
  [[nodiscard]] std::span<const AttrSchema> attrs() const noexcept { return attrs_; }
  [[nodiscard]] std::size_t size() const noexcept { return attrs_.size(); }

  // The schema after applying `datoms` (assertions and retractions, e.g. one transaction's) to
  // this one. A retracted :db/ident of an entity that is still an attribute becomes an alias. Datoms about entities outside the system partition or of non-schema attributes are
  // ignored; retractions are applied before assertions. TxSchema for a schema value of the
  // wrong kind, an unknown :db.type/:db.cardinality/:db.unique keyword, or two attributes with
  // one ident.
  [[nodiscard]] Result<std::shared_ptr<const Schema>> with(std::span<const Datom> datoms) const;

  // Builds a schema from every current datom of system entities (what Writer::open reads).
  [[nodiscard]] static Result<std::shared_ptr<const Schema>> from_datoms(std::span<const Datom> datoms);

  // The bootstrap datoms describing the built-in attributes (tx = kTx0), for a new database.
  [[nodiscard]] static std::vector<Datom> bootstrap_datoms();

  // True if `a` is one of the attributes that define schema (:db/ident ... :db/noHistory,
  // :db/tupleAttrs, :db/tupleTypes, :db/tupleType, :db.attr/preds).
  [[nodiscard]] static bool is_schema_attr(AttrId a) noexcept;

  // The composite tuple attributes that have `component` among their :db/tupleAttrs.
  [[nodiscard]] std::span<const AttrId> composites_of(AttrId component) const noexcept;

  // This schema with aliases for `former` idents (ident, attribute) that attributes had — what
  // Writer::open reads from the history of :db/ident — where the attribute still exists under
  // another ident and no attribute has the former one. Later entries win.
  [[nodiscard]] std::shared_ptr<const Schema> with_aliases(std::span<const std::pair<Keyword, AttrId>> former) const;

  // This schema with every built-in attribute it lacks added from bootstrap() (a database created
  // by an older build has fewer built-ins; they are then known without datoms of their own).
  [[nodiscard]] std::shared_ptr<const Schema> with_missing_builtins() const;

 private:
  std::vector<AttrSchema> attrs_;  // sorted by id
  // System entities with schema datoms but no :db/ident (not attributes), kept so that a later
  // :db/ident sees their earlier :db/valueType etc. Sorted by id.
  std::vector<AttrSchema> orphans_;
  std::vector<std::size_t> by_ident_;  // indexes into attrs_, sorted by ident
  std::vector<std::pair<Keyword, AttrId>> aliases_;  // former idents of renamed attributes, sorted
  // (component, composite) pairs, sorted; composites_of returns a run of the second members.
  std::vector<std::pair<AttrId, AttrId>> composites_;
  std::vector<AttrId> composite_ids_;  // composites_' second members, same order
  void reindex();
  // Adds aliases (ident, attribute), keeping only valid ones: see with_aliases.
  void add_aliases(std::span<const std::pair<Keyword, AttrId>> former);
};

}  // namespace quarry::index
