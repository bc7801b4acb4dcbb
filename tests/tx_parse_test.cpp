// The tx-data parser: EDN values -> typed forms, without a database.
#include <doctest/doctest.h>

#include "support/edn_value.hpp"

#include "codec/edn_printer.hpp"
#include "codec/edn_reader.hpp"
#include "tx/tx_data.hpp"

namespace quarry::tx {
namespace {

using quarry::testing::edn;

std::vector<TxForm> parse(std::string_view text) {
  auto forms = parse_tx_data(edn(text));
  REQUIRE_MESSAGE(forms.has_value(), (forms ? "" : forms.error().to_edn()));
  return std::move(*forms);
}

Error parse_error(std::string_view text) {
  auto forms = parse_tx_data(edn(text));
  REQUIRE(!forms.has_value());
  return forms.error();
}

const ListForm& list(const TxForm& f) { return std::get<ListForm>(f.body); }
const MapForm& map(const TxForm& f) { return std::get<MapForm>(f.body); }

TEST_CASE("list forms parse into their operations") {
  auto forms = parse(R"([[:db/add 1 :name "x"] [:db/retract 1 :name "x"] [:db/retract 1 :name]
                         [:db/retractEntity 1] [:db.fn/retractEntity 1] [:db/cas 1 :n 1 2]
                         [:db.fn/cas 1 :n nil 2] [:db.fn/retractAttribute 1 :n]])");
  REQUIRE(forms.size() == 8);
  CHECK(list(forms[0]).op == OpKind::Add);
  CHECK(list(forms[1]).op == OpKind::Retract);
  CHECK(list(forms[2]).op == OpKind::RetractAttribute);
  CHECK(list(forms[3]).op == OpKind::RetractEntity);
  CHECK(list(forms[4]).op == OpKind::RetractEntity);
  CHECK(list(forms[5]).op == OpKind::Cas);
  CHECK(list(forms[6]).v.is_nil());
  CHECK(list(forms[7]).op == OpKind::RetractAttribute);
  CHECK(list(forms[0]).v == Value("x"));
  CHECK(list(forms[0]).a.ident == Keyword{"", "name"});
  CHECK(forms[5].index == 5);
}

TEST_CASE("entity positions: ids, tempids, current tx, idents, lookup refs") {
  auto forms = parse(R"([[:db/add 7 :a 1] [:db/add -3 :a 1] [:db/add "t" :a 1] [:db/add "datomic.tx" :a 1]
                         [:db/add :db/current-tx :a 1] [:db/add :person/name :db/doc "d"]
                         [:db/add [:email "a@x"] :a 1] [:db/add (:email "b@x") :a 1]])");
  CHECK(std::get<EntityId>(list(forms[0]).e) == EntityId{7});
  CHECK(std::get<TempId>(list(forms[1]).e).name == Value(-3));
  CHECK(std::get<TempId>(list(forms[2]).e).name == Value("t"));
  CHECK(std::get<CurrentTx>(list(forms[3]).e).name == Value("datomic.tx"));
  CHECK(std::holds_alternative<CurrentTx>(list(forms[4]).e));
  CHECK(std::get<Ident>(list(forms[5]).e).ident == Keyword{"person", "name"});
  const auto& l = std::get<LookupRef>(list(forms[6]).e);
  CHECK(l.attr == Keyword{"", "email"});
  CHECK(l.value == Value("a@x"));
  CHECK(std::holds_alternative<LookupRef>(list(forms[7]).e));
}

TEST_CASE("reverse attributes are recognised by a leading underscore") {
  auto forms = parse(R"([{:db/id 1 :_friend 2 :person/_parent 3 :_ 4}])");
  const auto& m = map(forms[0]);
  REQUIRE(m.attrs.size() == 3);
  int reverse = 0;
  for (const auto& [a, v] : m.attrs) {
    if (a.reverse) {
      ++reverse;
      CHECK((a.ident == Keyword{"", "friend"} || a.ident == Keyword{"person", "parent"}));
      CHECK(written_name(a).name.starts_with("_"));
    } else {
      CHECK(a.ident == Keyword{"", "_"});  // a bare :_ is an ordinary attribute
    }
  }
  CHECK(reverse == 2);
}

TEST_CASE("map forms keep :db/id apart from the attributes") {
  auto forms = parse(R"([{:db/id "x" :name "A" :kids [1 2]} {:name "B"}])");
  CHECK(std::get<TempId>(*map(forms[0]).id).name == Value("x"));
  CHECK(map(forms[0]).attrs.size() == 2);
  CHECK(!map(forms[1]).id.has_value());
}

TEST_CASE("nil forms are skipped; a list of forms is accepted") {
  CHECK(parse("[nil [:db/add 1 :a 1] nil]").size() == 1);
  CHECK(parse("([:db/add 1 :a 1])").size() == 1);
  CHECK(parse("[]").empty());
}

TEST_CASE("syntax errors name the form") {
  auto e = parse_error(R"([[:db/add 1 :name "x"] [:db/bogus 1 :name "x"]])");
  CHECK(e.code == ErrorCode::TxSyntax);
  CHECK(e.message.find(":db/bogus") != std::string::npos);
  CHECK(e.message.find("[:db/bogus 1 :name \"x\"]") != std::string::npos);

  CHECK(parse_error("{:a 1}").code == ErrorCode::TxSyntax);
  CHECK(parse_error("[[:db/add 1 :a]]").message.find("takes 3 arguments, got 2") != std::string::npos);
  CHECK(parse_error("[[:db/cas 1 :a 1]]").code == ErrorCode::TxSyntax);
  CHECK(parse_error("[[:db/add 1 \"a\" 1]]").message.find("attribute must be a keyword") != std::string::npos);
  CHECK(parse_error("[[:db/add 1.5 :a 1]]").code == ErrorCode::TxSyntax);
  CHECK(parse_error("[[:db/add [1 2] :a 1]]").code == ErrorCode::TxSyntax);
  CHECK(parse_error("[[:db/add [:a nil] :a 1]]").code == ErrorCode::TxSyntax);
  CHECK(parse_error("[[:db/add 1 :a nil]]").code == ErrorCode::TxSyntax);
  CHECK(parse_error("[[:db/cas 1 :a 1 nil]]").code == ErrorCode::TxSyntax);
  CHECK(parse_error("[{:a nil}]").code == ErrorCode::TxSyntax);
  CHECK(parse_error("[{\"a\" 1}]").code == ErrorCode::TxSyntax);
  CHECK(parse_error("[42]").code == ErrorCode::TxSyntax);
  CHECK(parse_error("[[]]").code == ErrorCode::TxSyntax);
  CHECK(parse_error("[[:db/add 0 :a 1]]").code == ErrorCode::TxEntityId);
}

TEST_CASE("form_value prints a parsed form back as EDN") {
  for (std::string_view text :
       {R"([:db/add "t" :_friend 1])", R"([:db/retract [:email "x"] :name "y"])",
        R"([:db/retract 1 :name])", R"([:db/retractEntity :db/current-tx])", R"([:db/cas 1 :n nil 2])",
        R"({:source "x", :db/id "datomic.tx"})"}) {
    auto form = parse_tx_form(edn(text));
    REQUIRE(form.has_value());
    CHECK(to_edn(form_value(*form)) == text);
  }
}

TEST_CASE("lookup ref shape") {
  CHECK(looks_like_lookup_ref(edn("[:a 1]")));
  CHECK(looks_like_lookup_ref(edn("(:a 1)")));
  CHECK_FALSE(looks_like_lookup_ref(edn("[1 2]")));
  CHECK_FALSE(looks_like_lookup_ref(edn("[:a 1 2]")));
  CHECK_FALSE(looks_like_lookup_ref(edn(":a")));
}

}  // namespace
}  // namespace quarry::tx
