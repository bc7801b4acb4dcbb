// Schema: keyword mappings, the bootstrap, and building a schema from datoms.
#include <doctest/doctest.h>

#include "index/schema.hpp"

using namespace quarry;
using namespace quarry::index;

namespace {
Datom add(std::uint64_t e, AttrId a, Value v) { return Datom{EntityId{e}, a, std::move(v), TxId{kTx0 + 1}, true}; }
Datom retract(std::uint64_t e, AttrId a, Value v) { return Datom{EntityId{e}, a, std::move(v), TxId{kTx0 + 1}, false}; }
Value kw(std::string_view q) { return Value::keyword(q); }
constexpr std::uint64_t kAttr = sys::kFirstUserSystemId;
}  // namespace

TEST_CASE("schema keywords map to the enums and back") {
  for (ValueType t : {ValueType::Boolean, ValueType::Long, ValueType::Double, ValueType::String, ValueType::Keyword,
                      ValueType::Symbol, ValueType::Instant, ValueType::Uuid, ValueType::Ref, ValueType::Bytes,
                      ValueType::Tuple}) {
    auto k = value_type_keyword(t);
    REQUIRE(k.has_value());
    CHECK(k->ns == "db.type");
    CHECK(value_type_from_keyword(*k) == std::optional<ValueType>(t));
  }
  CHECK(value_type_keyword(ValueType::Any) == std::nullopt);
  CHECK(value_type_from_keyword(Keyword{"db.type", "string"}) == std::optional<ValueType>(ValueType::String));
  CHECK(value_type_from_keyword(Keyword{"db.type", "float"}) == std::nullopt);
  CHECK(value_type_from_keyword(Keyword{"db", "string"}) == std::nullopt);
  CHECK(cardinality_many_from_keyword(Keyword{"db.cardinality", "many"}) == std::optional<bool>(true));
  CHECK(cardinality_many_from_keyword(cardinality_keyword(false)) == std::optional<bool>(false));
  CHECK(cardinality_many_from_keyword(Keyword{"db.cardinality", "few"}) == std::nullopt);
  CHECK(unique_from_keyword(Keyword{"db.unique", "identity"}) == std::optional<Unique>(Unique::Identity));
  CHECK(unique_from_keyword(*unique_keyword(Unique::Value)) == std::optional<Unique>(Unique::Value));
  CHECK(unique_keyword(Unique::None) == std::nullopt);
}

TEST_CASE("values are checked against their type") {
  CHECK(value_has_type(Value(1), ValueType::Long));
  CHECK(!value_has_type(Value(1.0), ValueType::Long));
  CHECK(value_has_type(Value(EntityId{3}), ValueType::Ref));
  CHECK(!value_has_type(Value(3), ValueType::Ref));
  CHECK(value_has_type(Value(Vector{{Value(1), Value()}}), ValueType::Tuple));
  CHECK(value_has_type(Value("x"), ValueType::Any));
  CHECK(!value_has_type(Value(), ValueType::Any));
}

TEST_CASE("the bootstrap schema describes the built-in attributes with fixed ids") {
  auto s = Schema::bootstrap();
  REQUIRE(s->size() == 18);
  CHECK(s->find(Keyword{"db", "ident"})->id == sys::kIdent);
  CHECK(s->find(Keyword{"db", "valueType"})->id == sys::kValueType);
  CHECK(s->find(Keyword{"db", "cardinality"})->id == sys::kCardinality);
  CHECK(s->find(Keyword{"db", "unique"})->id == sys::kUnique);
  CHECK(s->find(Keyword{"db", "index"})->id == sys::kIndex);
  CHECK(s->find(Keyword{"db", "isComponent"})->id == sys::kIsComponent);
  CHECK(s->find(Keyword{"db", "doc"})->id == sys::kDoc);
  CHECK(s->find(Keyword{"db", "noHistory"})->id == sys::kNoHistory);
  CHECK(s->find(Keyword{"db", "txInstant"})->id == sys::kTxInstant);
  CHECK(s->find(sys::kTxInstant)->type == ValueType::Instant);
  CHECK(s->find(Keyword{"db", "tupleAttrs"})->id == sys::kTupleAttrs);
  CHECK(s->find(Keyword{"db.attr", "preds"})->id == sys::kAttrPreds);
  CHECK(s->find(Keyword{"db.excise", "attrs"})->id == sys::kExciseAttrs);
  // Cardinality many: the predicate lists, an entity spec's attributes, the excised attributes.
  for (const auto& a : s->attrs())
    CHECK(a.many == (a.id == sys::kAttrPreds || a.id == sys::kEnsure || a.id == sys::kEntityAttrs ||
                     a.id == sys::kEntityPreds || a.id == sys::kExciseAttrs));
  for (const Datom& d : Schema::bootstrap_datoms()) CHECK(d.tx == TxId{kTx0});
}

TEST_CASE("schema is built from attribute datoms, retractions before assertions") {
  auto base = Schema::bootstrap();
  std::vector<Datom> define{add(kAttr, sys::kIdent, kw("person/email")), add(kAttr, sys::kValueType, kw("db.type/string")),
                            add(kAttr, sys::kCardinality, kw("db.cardinality/many")),
                            add(kAttr, sys::kUnique, kw("db.unique/identity")), add(kAttr, sys::kIndex, true),
                            add(kAttr, sys::kDoc, "Emails."), add(kAttr, sys::kNoHistory, true),
                            add(kAttr, sys::kIsComponent, false)};
  auto s = base->with(define);
  REQUIRE(s.has_value());
  const AttrSchema* a = (*s)->find(Keyword{"person", "email"});
  REQUIRE(a != nullptr);
  CHECK(*a == AttrSchema{AttrId{kAttr}, Keyword{"person", "email"}, ValueType::String, true, Unique::Identity, true,
                         false, true, "Emails."});
  CHECK((*s)->find(AttrId{kAttr}) == a);
  CHECK(base->find(AttrId{kAttr}) == nullptr);  // the old schema is unchanged

  // Replacing a value: the retraction is applied first whatever the datom order.
  std::vector<Datom> change{add(kAttr, sys::kCardinality, kw("db.cardinality/one")),
                            retract(kAttr, sys::kCardinality, kw("db.cardinality/many")),
                            retract(kAttr, sys::kDoc, "Emails.")};
  auto s2 = (*s)->with(change);
  REQUIRE(s2.has_value());
  CHECK(!(*s2)->find(AttrId{kAttr})->many);
  CHECK((*s2)->find(AttrId{kAttr})->doc.empty());

  // Datoms of user entities or other attributes are ignored.
  std::vector<Datom> other{add(5, sys::kIdent, kw("color/red")), add(kAttr, sys::kTxInstant, Instant{1})};
  auto s3 = (*s2)->with(other);
  REQUIRE(s3.has_value());
  CHECK((*s3)->size() == (*s2)->size());
}

TEST_CASE("schema datoms before the ident are kept for when it comes") {
  std::vector<Datom> first{add(kAttr, sys::kValueType, kw("db.type/ref"))};
  auto s = Schema::bootstrap()->with(first);
  REQUIRE(s.has_value());
  CHECK((*s)->find(AttrId{kAttr}) == nullptr);
  std::vector<Datom> second{add(kAttr, sys::kIdent, kw("parent"))};
  auto s2 = (*s)->with(second);
  REQUIRE(s2.has_value());
  REQUIRE((*s2)->find(AttrId{kAttr}) != nullptr);
  CHECK((*s2)->find(AttrId{kAttr})->is_ref());
}

TEST_CASE("bad schema values are refused with :tx/schema") {
  auto base = Schema::bootstrap();
  auto refused = [&](std::vector<Datom> ds) {
    auto r = base->with(ds);
    REQUIRE(!r.has_value());
    CHECK(r.error().code == ErrorCode::TxSchema);
  };
  refused({add(kAttr, sys::kIdent, "name")});
  refused({add(kAttr, sys::kValueType, kw("db.type/float"))});
  refused({add(kAttr, sys::kCardinality, kw("db.cardinality/some"))});
  refused({add(kAttr, sys::kUnique, kw("db.unique/maybe"))});
  refused({add(kAttr, sys::kIndex, 1)});
  refused({add(kAttr, sys::kDoc, kw("doc"))});
  refused({add(kAttr, sys::kIdent, kw("db/doc"))});  // a second attribute named :db/doc
}
