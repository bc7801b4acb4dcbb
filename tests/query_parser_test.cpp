// The query parser: every form of the query language parses to the expected AST, prints back to
// EDN that parses to the same AST, and malformed or meaningless queries fail with :query/syntax or
// :query/invalid and a message naming the offending part.
#include <doctest/doctest.h>

#include "support/edn_value.hpp"

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "codec/edn_printer.hpp"
#include "codec/edn_reader.hpp"
#include "query/parse/parser.hpp"

using namespace quarry;
using namespace quarry::query;

namespace {

using quarry::testing::edn;

Query parse(std::string_view text) {
  auto q = parse_query(edn(text));
  if (!q) FAIL_CHECK(std::string(text) << " -> " << q.error().message);
  REQUIRE(q.has_value());
  return *q;
}

std::string printed(const Query& q) { return quarry::to_edn(to_edn(q)); }

// Parses `text`, prints it, parses the print and compares the two prints. Returns the print.
std::string round_trip(std::string_view text) {
  Query q = parse(text);
  std::string once = printed(q);
  auto again = parse_query(to_edn(q));
  if (!again) FAIL_CHECK(once << " -> " << again.error().message);
  REQUIRE(again.has_value());
  CHECK_MESSAGE(printed(*again) == once, text);
  return once;
}

}  // namespace

TEST_CASE("a relation query parses to patterns with the default source") {
  Query q = parse("[:find ?e ?n :where [?e :name ?n]]");
  CHECK(q.find.shape == FindShape::Relation);
  REQUIRE(q.find.elements.size() == 2);
  CHECK(std::get<FindVar>(q.find.elements[0]).var.name == "?e");
  REQUIRE(q.in.size() == 1);
  CHECK(std::get<SrcVar>(q.in[0]).name == "$");
  REQUIRE(q.where.size() == 1);
  const auto& p = std::get<DataPattern>(q.where[0].node);
  CHECK(p.source.name == "$");
  REQUIRE(p.terms.size() == 3);
  CHECK(std::get<Value>(p.terms[1]) == Value::keyword("name"));
  CHECK(printed(q) == "[:find ?e ?n :in $ :where [?e :name ?n]]");
}

TEST_CASE("find shapes: relation, scalar, collection, tuple") {
  CHECK(parse("[:find ?e . :where [?e :a]]").find.shape == FindShape::Scalar);
  CHECK(parse("[:find [?e ...] :where [?e :a]]").find.shape == FindShape::Collection);
  Query tuple = parse("[:find [?e ?v] :where [?e :a ?v]]");
  CHECK(tuple.find.shape == FindShape::Tuple);
  CHECK(tuple.find.elements.size() == 2);
  CHECK(printed(parse("[:find ?e . :where [?e :a]]")) == "[:find ?e . :in $ :where [?e :a]]");
  CHECK(printed(parse("[:find [?e ...] :where [?e :a]]")) ==
        "[:find [?e ...] :in $ :where [?e :a]]");
  CHECK(printed(tuple) == "[:find [?e ?v] :in $ :where [?e :a ?v]]");
  // a one-element tuple is a tuple, not a relation
  CHECK(parse("[:find [?e] :where [?e :a]]").find.shape == FindShape::Tuple);
}

TEST_CASE("aggregates keep their constant arguments before the variable") {
  Query q = parse("[:find ?s (count ?e) (max 3 ?a) (count-distinct ?e) :where [?e :sex ?s] [?e :age ?a]]");
  REQUIRE(q.find.elements.size() == 4);
  const auto& count = std::get<FindAggregate>(q.find.elements[1]);
  CHECK(count.fn == "count");
  CHECK(count.const_args.empty());
  CHECK(count.var.name == "?e");
  const auto& max = std::get<FindAggregate>(q.find.elements[2]);
  CHECK(max.fn == "max");
  REQUIRE(max.const_args.size() == 1);
  CHECK(max.const_args[0] == Value(3));
  CHECK(max.var.name == "?a");
  CHECK(std::get<FindAggregate>(q.find.elements[3]).fn == "count-distinct");
}

TEST_CASE("pull in :find: default or named source, constant or input pattern") {
  Query q = parse("[:find (pull ?e [:name {:friend [:name]}]) :where [?e :name]]");
  const auto& p = std::get<FindPull>(q.find.elements[0]);
  CHECK(p.source.name == "$");
  CHECK(p.var.name == "?e");
  CHECK(std::get<Value>(p.pattern) == edn("[:name {:friend [:name]}]"));

  Query q2 = parse("[:find (pull $h ?e ?pat) :in $h ?pat :where [$h ?e :name]]");
  const auto& p2 = std::get<FindPull>(q2.find.elements[0]);
  CHECK(p2.source.name == "$h");
  CHECK(std::get<Variable>(p2.pattern).name == "?pat");
  CHECK(printed(q2) == "[:find (pull $h ?e ?pat) :in $h ?pat :where [$h ?e :name]]");

  // DataScript's plain-symbol input naming the pattern
  Query q3 = parse("[:find (pull ?e pattern) . :in $ pattern :where [?e :name]]");
  CHECK(std::get<Variable>(std::get<FindPull>(q3.find.elements[0]).pattern).name == "pattern");
  const auto& in = std::get<BindScalar>(std::get<Binding>(q3.in[1]).form);
  CHECK(std::get<Variable>(in.var).name == "pattern");
  CHECK(printed(q3) == "[:find (pull ?e pattern) . :in $ pattern :where [?e :name]]");
  round_trip(printed(q3));
}

TEST_CASE(":keys, :strs and :syms store the names without sigils") {
  Query k = parse("[:find ?e ?n :keys id name :where [?e :name ?n]]");
  CHECK(k.return_kind == ReturnMapKind::Keys);
  CHECK(k.return_names == std::vector<std::string>{"id", "name"});
  CHECK(parse("[:find ?e ?n :strs id name :where [?e :name ?n]]").return_kind ==
        ReturnMapKind::Strs);
  CHECK(parse("[:find ?e ?n :syms id name :where [?e :name ?n]]").return_kind ==
        ReturnMapKind::Syms);
  Query v = parse("[:find ?e ?n :keys [id name] :where [?e :name ?n]]");
  CHECK(v.return_names == std::vector<std::string>{"id", "name"});
  Query m = parse("{:find [?e ?n] :keys [id person/name] :where [[?e :name ?n]]}");
  CHECK(m.return_names == std::vector<std::string>{"id", "person/name"});
  CHECK(printed(k) == "[:find ?e ?n :keys id name :in $ :where [?e :name ?n]]");
}

TEST_CASE(":with variables") {
  Query q = parse("[:find (sum ?age) :with ?e :where [?e :age ?age]]");
  REQUIRE(q.with.size() == 1);
  CHECK(q.with[0].name == "?e");
  CHECK(printed(q) == "[:find (sum ?age) :with ?e :in $ :where [?e :age ?age]]");
}

TEST_CASE(":in bindings: sources, rules, scalar, blank, tuple, collection, relation, nested") {
  Query q = parse(
      "[:find ?e :in $ $hist % ?x _ [?a ?b] [?c ...] [[?d ?f]] [[?g _] ...] [[?h [?i ...]]] "
      ":where [?e :a ?x] [?e :b ?a] [?e :c ?b] [?e :d ?c] [?e :e ?d] [?e :f ?f] [?e :g ?g] "
      "[?e :h ?h] [?e :i ?i] [$hist ?e :j] (r ?e)]");
  REQUIRE(q.in.size() == 10);
  CHECK(std::get<SrcVar>(q.in[0]).name == "$");
  CHECK(std::get<SrcVar>(q.in[1]).name == "$hist");
  CHECK(std::holds_alternative<RulesBinding>(q.in[2]));
  const auto& x = std::get<BindScalar>(std::get<Binding>(q.in[3]).form);
  CHECK(std::get<Variable>(x.var).name == "?x");
  CHECK(std::holds_alternative<Blank>(std::get<BindScalar>(std::get<Binding>(q.in[4]).form).var));
  CHECK(std::get<BindTuple>(std::get<Binding>(q.in[5]).form).elements.size() == 2);
  const auto& coll = std::get<BindCollection>(std::get<Binding>(q.in[6]).form);
  CHECK(std::holds_alternative<BindScalar>(coll.element->form));
  CHECK(std::get<BindRelation>(std::get<Binding>(q.in[7]).form).columns.size() == 2);
  const auto& coll_of_tuples = std::get<BindCollection>(std::get<Binding>(q.in[8]).form);
  CHECK(std::holds_alternative<BindTuple>(coll_of_tuples.element->form));
  const auto& rel = std::get<BindRelation>(std::get<Binding>(q.in[9]).form);
  CHECK(std::holds_alternative<BindCollection>(rel.columns[1].form));
  round_trip(printed(q));
}

TEST_CASE("absent :in means [$]; :in is always printed") {
  Query q = parse("[:find ?e :where [?e :a]]");
  REQUIRE(q.in.size() == 1);
  CHECK(std::get<SrcVar>(q.in[0]).name == "$");
  Query none = parse("[:find ?x :in ?x]");
  CHECK(none.in.size() == 1);
  CHECK(none.where.empty());
  CHECK(printed(none) == "[:find ?x :in ?x]");
}

TEST_CASE("data patterns: 1 to 5 terms, blanks, constants, lookup refs, sources") {
  Query q = parse(
      "[:find ?tx :in $ $h :where [?e] [_ :a] [[:id 1] :friend ?f] [$h ?e :a \"x\" ?tx false] "
      "[?e :b 1.5 _]]");
  const auto& one = std::get<DataPattern>(q.where[0].node);
  CHECK(one.terms.size() == 1);
  const auto& blank = std::get<DataPattern>(q.where[1].node);
  CHECK(std::holds_alternative<Blank>(blank.terms[0]));
  const auto& lookup = std::get<DataPattern>(q.where[2].node);
  CHECK(std::get<Value>(lookup.terms[0]) == edn("[:id 1]"));
  const auto& hist = std::get<DataPattern>(q.where[3].node);
  CHECK(hist.source.name == "$h");
  CHECK(hist.terms.size() == 5);
  CHECK(std::get<Value>(hist.terms[4]) == Value(false));
  CHECK(printed(q) ==
        "[:find ?tx :in $ $h :where [?e] [_ :a] [[:id 1] :friend ?f] [$h ?e :a \"x\" ?tx false] "
        "[?e :b 1.5 _]]");
}

TEST_CASE("predicates and function expressions keep the function's qualified name") {
  Query q = parse(
      "[:find ?e ?x :where [?e :name ?n] [(clojure.string/starts-with? ?n \"A\")] "
      "[(get-else $ ?e :age 0) ?age] [(> ?age 1)] [(str ?n \"!\") ?x] [(/ ?age 2) ?half]]");
  const auto& pred = std::get<Predicate>(q.where[1].node);
  CHECK(pred.fn == "clojure.string/starts-with?");
  REQUIRE(pred.args.size() == 2);
  CHECK(std::get<Variable>(pred.args[0]).name == "?n");
  CHECK(std::get<Value>(pred.args[1]) == Value("A"));
  const auto& get_else = std::get<FunctionCall>(q.where[2].node);
  CHECK(get_else.fn == "get-else");
  CHECK(std::get<SrcVar>(get_else.args[0]).name == "$");
  CHECK(std::get<Variable>(std::get<BindScalar>(get_else.binding.form).var).name == "?age");
  CHECK(std::get<FunctionCall>(q.where[5].node).fn == "/");
  round_trip(printed(q));
}

TEST_CASE("function expressions take every binding form") {
  Query q = parse(
      "[:find ?a ?b ?c ?d ?f :where [(ground [1 2]) [?a ?b]] [(ground [1 2]) [?c ...]] "
      "[(ground [[1 2]]) [[?d _]]] [(ground 3) ?f] [(ground 4) _]]");
  CHECK(std::holds_alternative<BindTuple>(std::get<FunctionCall>(q.where[0].node).binding.form));
  CHECK(std::holds_alternative<BindCollection>(
      std::get<FunctionCall>(q.where[1].node).binding.form));
  CHECK(std::holds_alternative<BindRelation>(
      std::get<FunctionCall>(q.where[2].node).binding.form));
  CHECK(std::holds_alternative<BindScalar>(std::get<FunctionCall>(q.where[3].node).binding.form));
  round_trip(printed(q));
}

TEST_CASE("rule calls, with and without a source") {
  Query q = parse("[:find ?y :in $ $2 % ?x :where (follows ?x ?y) ($2 follows ?y _) (r ?x 3)]");
  const auto& call = std::get<RuleCall>(q.where[0].node);
  CHECK(!call.source);
  CHECK(call.name == "follows");
  CHECK(call.args.size() == 2);
  const auto& sourced = std::get<RuleCall>(q.where[1].node);
  REQUIRE(sourced.source);
  CHECK(sourced.source->name == "$2");
  CHECK(std::holds_alternative<Blank>(sourced.args[1]));
  CHECK(std::get<Value>(std::get<RuleCall>(q.where[2].node).args[1]) == Value(3));
  CHECK(printed(q) ==
        "[:find ?y :in $ $2 % ?x :where (follows ?x ?y) ($2 follows ?y _) (r ?x 3)]");
}

TEST_CASE("not, not-join, or, or-join, and") {
  Query q = parse(
      "[:find ?e :where [?e :name ?n] (not [?e :banned true]) "
      "(not-join [?e] [?e :friend ?f] [?f :banned true]) "
      "(or [?e :age 1] (and [?e :age 2] [?e :sex :m])) "
      "(or-join [?e] [?e :a] [?e :b]) "
      "(or-join [[?e] ?n] [?e :c ?n] [?e :d ?n])]");
  const auto& n = std::get<Not>(q.where[1].node);
  CHECK(!n.join);
  CHECK(n.clauses.size() == 1);
  const auto& nj = std::get<Not>(q.where[2].node);
  CHECK(nj.join);
  REQUIRE(nj.join_vars.size() == 1);
  CHECK(nj.join_vars[0].name == "?e");
  CHECK(nj.clauses.size() == 2);
  const auto& o = std::get<Or>(q.where[3].node);
  CHECK(!o.join);
  REQUIRE(o.branches.size() == 2);
  CHECK(std::get<And>(o.branches[1].node).clauses.size() == 2);
  const auto& oj = std::get<Or>(q.where[4].node);
  CHECK(oj.join);
  CHECK(oj.required_vars.empty());
  CHECK(oj.join_vars.size() == 1);
  const auto& req = std::get<Or>(q.where[5].node);
  REQUIRE(req.required_vars.size() == 1);
  CHECK(req.required_vars[0].name == "?e");
  REQUIRE(req.join_vars.size() == 1);
  CHECK(req.join_vars[0].name == "?n");
  round_trip(printed(q));
}

TEST_CASE("not and or may name a source") {
  Query q = parse(
      "[:find ?e :in $ $2 :where [?e :a] ($2 not [?e :b]) ($2 not-join [?e] [?e :c]) "
      "($2 or [?e :d] [?e :e]) ($2 or-join [?e] [?e :f])]");
  CHECK(std::get<Not>(q.where[1].node).source->name == "$2");
  CHECK(std::get<Not>(q.where[2].node).source->name == "$2");
  CHECK(std::get<Or>(q.where[3].node).source->name == "$2");
  CHECK(std::get<Or>(q.where[4].node).source->name == "$2");
  round_trip(printed(q));
}

TEST_CASE("map form and quoted queries parse like the vector form") {
  Query v = parse("[:find ?e :in $ ?x :where [?e :a ?x]]");
  CHECK(printed(parse("{:find [?e] :in [$ ?x] :where [[?e :a ?x]]}")) == printed(v));
  CHECK(printed(parse("(quote [:find ?e :in $ ?x :where [?e :a ?x]])")) == printed(v));
  CHECK(printed(parse("(quote {:find [?e] :in [$ ?x] :where [[?e :a ?x]]})")) == printed(v));
  EdnReadOptions skip;
  skip.skip_quote = true;
  auto read = read_edn("'[:find ?e :in $ ?x :where [?e :a ?x]]", skip);
  REQUIRE(read);
  auto q = parse_query(*read);
  REQUIRE(q);
  CHECK(printed(*q) == printed(v));
  CHECK(printed(parse("{:find [?e .] :where [[?e :a]]}")) == "[:find ?e . :in $ :where [?e :a]]");
  CHECK(printed(parse("{:find [[?e ...]] :with [?x] :where [[?e :a ?x]]}")) ==
        "[:find [?e ...] :with ?x :in $ :where [?e :a ?x]]");
}

TEST_CASE("a predicate may come before the clause binding its variables") {
  // DataScript 1.8 rejects this order; Quarry's planner orders clauses itself.
  round_trip("[:find ?e :where [(> ?a 1)] [(inc ?a) ?b] [(< ?b 10)] [?e :age ?a]]");
  round_trip("[:find ?e :where (not [?e :x ?y] [(> ?y ?a)]) [?e :age ?a]]");
}

TEST_CASE(":limit and :offset: in the map form or after their keyword, printed back") {
  Query q = parse("{:find [?e] :where [[?e :a]] :limit 10 :offset 20}");
  CHECK(q.limit == 10);
  CHECK(q.offset == 20);
  CHECK(round_trip("[:find ?e :where [?e :a] :limit 10 :offset 20]") ==
        "[:find ?e :in $ :where [?e :a] :limit 10 :offset 20]");
  Query none = parse("[:find ?e :where [?e :a]]");
  CHECK_FALSE(none.limit.has_value());
  CHECK_FALSE(none.offset.has_value());
  for (const char* bad : {"{:find [?e] :where [[?e :a]] :limit -1}", "{:find [?e] :where [[?e :a]] :offset 1.0}",
                          "[:find ?e :where [?e :a] :limit]", "[:find ?e :where [?e :a] :limit 1 2]"}) {
    auto r = parse_query(edn(bad));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::QuerySyntax);
  }
}

TEST_CASE("a function variable heads a predicate or function expression and must be bound") {
  Query q = parse("[:find ?y :in $ ?f ?p :where [(?f ?x) ?y] [(?p ?x)] [?e :a ?x]]");
  CHECK(std::get<FunctionCall>(q.where[0].node).fn == "?f");
  CHECK(function_variable(std::get<Predicate>(q.where[1].node).fn));
  round_trip("[:find ?y :in $ ?f :where [(?f ?x) ?y] [?e :a ?x]]");
  auto unbound = parse_query(edn("[:find ?y :where [(?f ?x) ?y] [?e :a ?x]]"));
  REQUIRE_FALSE(unbound.has_value());
  CHECK(unbound.error().code == ErrorCode::QueryInvalid);
  CHECK(unbound.error().message.find("?f") != std::string::npos);
}

TEST_CASE("symbol constants: bare in patterns and rule calls, quoted anywhere, printed quoted") {
  Query q = parse("[:find ?e :in $ % :where [?e :kind foo] [?e :k (quote my/bar)] [(= ?e (quote x))] (r ?e baz)]");
  const auto& p = std::get<DataPattern>(q.where[0].node);
  CHECK(std::get<Value>(p.terms[2]) == Value::symbol("foo"));
  CHECK(std::get<Value>(std::get<DataPattern>(q.where[1].node).terms[2]) == Value::symbol("my/bar"));
  CHECK(std::get<Value>(std::get<Predicate>(q.where[2].node).args[1]) == Value::symbol("x"));
  CHECK(std::get<Value>(std::get<RuleCall>(q.where[3].node).args[1]) == Value::symbol("baz"));
  CHECK(round_trip("[:find ?e :where [?e :kind foo] [(= ?e (quote x))]]") ==
        "[:find ?e :in $ :where [?e :kind (quote foo)] [(= ?e (quote x))]]");
}

TEST_CASE("aggregates take :in variables before the aggregated variable") {
  Query q = parse("[:find (max ?n ?x) :in $ ?n :where [_ :a ?x]]");
  const auto& agg = std::get<FindAggregate>(q.find.elements[0]);
  REQUIRE(agg.const_args.size() == 1);
  CHECK(agg.const_args[0] == Value::symbol("?n"));
  round_trip("[:find (max ?n ?x) :in $ ?n :where [_ :a ?x]]");
  auto not_input = parse_query(edn("[:find (max ?n ?x) :where [_ :a ?x] [(ground 2) ?n]]"));
  REQUIRE_FALSE(not_input.has_value());
  CHECK(not_input.error().code == ErrorCode::QueryInvalid);
}

TEST_CASE(":keys, :strs and :syms need a relation or tuple :find") {
  for (const char* bad : {"[:find ?e . :keys e :where [?e :a]]", "[:find [?e ...] :strs e :where [?e :a]]",
                          "{:find [?e .] :syms [e] :where [[?e :a]]}"}) {
    auto r = parse_query(edn(bad));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::QuerySyntax);
    CHECK(r.error().message.find("does not work with") != std::string::npos);
  }
  round_trip("[:find [?e ?v] :keys e v :where [?e :a ?v]]");
}

TEST_CASE("rules: parse_rules, required variables, to_edn") {
  auto rules = parse_rules(edn(
      "[[(follows ?x ?y) [?x :follows ?y]] [(follows ?x ?y) [?x :follows ?t] (follows ?t ?y)] "
      "[(reach [?x] ?y ?d) [?x :f ?y] [(> ?d 1)]]]"));
  REQUIRE(rules);
  REQUIRE(rules->size() == 3);
  CHECK((*rules)[0].name == "follows");
  CHECK((*rules)[0].free_vars.size() == 2);
  CHECK((*rules)[1].body.size() == 2);
  const Rule& reach = (*rules)[2];
  REQUIRE(reach.required_vars.size() == 1);
  CHECK(reach.required_vars[0].name == "?x");
  CHECK(reach.free_vars.size() == 2);
  CHECK(quarry::to_edn(to_edn(reach)) == "[(reach [?x] ?y ?d) [?x :f ?y] [(> ?d 1)]]");
  // quoted rule sets are unwrapped too
  auto quoted = parse_rules(edn("(quote [[(r ?a) [?a :x]]])"));
  REQUIRE(quoted);
  CHECK(quoted->size() == 1);
}

TEST_CASE("check_rules: unknown rules and wrong arity") {
  auto rules = parse_rules(edn("[[(r ?a ?b) [?a :x ?b]] [(s ?a) (r ?a _) (t ?a)]]"));
  REQUIRE(rules);
  Query ok = parse("[:find ?a :in $ % :where (r ?a ?b)]");
  CHECK(check_rules(ok, std::span<const Rule>(rules->data(), 1)).has_value());
  auto unknown = check_rules(parse("[:find ?a :in $ % :where (q ?a)]"), *rules);
  REQUIRE(!unknown);
  CHECK(unknown.error().code == ErrorCode::QueryInvalid);
  CHECK(unknown.error().message == "Unknown rule 'q in (q ?a)");
  auto arity = check_rules(parse("[:find ?a :in $ % :where (r ?a)]"), *rules);
  REQUIRE(!arity);
  CHECK(arity.error().message.find("expected 2, got 1") != std::string::npos);
  // rule bodies are checked too: s calls t, which does not exist
  auto body = check_rules(parse("[:find ?a :in $ % :where (s ?a)]"), *rules);
  REQUIRE(!body);
  CHECK(body.error().message == "Unknown rule 't in (t ?a)");
}

namespace {
struct BadQuery {
  const char* text;
  ErrorCode code;
  const char* message;  // a part the message must contain
};

// Each of these fails with the given code and a message containing the given text.
const BadQuery kBadQueries[] = {
    // ---- shape: :query/syntax ----
    {":find", ErrorCode::QuerySyntax, "Query should be a vector or a map"},
    {"[?e :where [?e :a]]", ErrorCode::QuerySyntax, "Query should start with :find"},
    {"[:where [?e :a]]", ErrorCode::QuerySyntax, "Query should have a :find section"},
    {"[:find ?e :wher [?e :a]]", ErrorCode::QuerySyntax, "Unknown query section :wher"},
    {"{:find [?e] :where [?e :a]}", ErrorCode::QuerySyntax, "Cannot parse clause"},
    {"{:find ?e :where [[?e :a]]}", ErrorCode::QuerySyntax, "should be a vector in the map form"},
    {"{\"find\" [?e]}", ErrorCode::QuerySyntax, "Unknown query section \"find\""},
    {"[:find :where [?e :a]]", ErrorCode::QuerySyntax, "Cannot parse :find"},
    {"[:find [] :where [?e :a]]", ErrorCode::QuerySyntax, "Cannot parse :find"},
    {"[:find ?e ... :where [?e :a]]", ErrorCode::QuerySyntax, "Cannot parse :find element"},
    {"[:find 1 :where [?e :a]]", ErrorCode::QuerySyntax, "Cannot parse :find element, expected"},
    {"[:find (count) :where [?e :a]]", ErrorCode::QuerySyntax, "Cannot parse aggregate"},
    {"[:find (count 1) :where [?e :a]]", ErrorCode::QuerySyntax, "Cannot parse aggregate"},
    {"[:find (max n ?e) :where [?e :a]]", ErrorCode::QuerySyntax,
     "must be constants or :in ?variables"},
    {"[:find (aggregate 1 ?e) :where [?e :a]]", ErrorCode::QuerySyntax,
     "expected (aggregate ?aggregate-fn ?variable)"},
    {"[:find (pull ?e) :where [?e :a]]", ErrorCode::QuerySyntax, "Cannot parse pull expression"},
    {"[:find (pull ?e :name) :where [?e :a]]", ErrorCode::QuerySyntax,
     "got: (pull ?e :name)"},
    {"[:find (pull db ?e [*]) :where [?e :a]]", ErrorCode::QuerySyntax,
     "Cannot parse pull expression"},
    {"[:find ?e :keys :where [?e :a]]", ErrorCode::QuerySyntax, ":keys needs at least one name"},
    {"[:find ?e :keys a :strs b :where [?e :a]]", ErrorCode::QuerySyntax,
     "Only one of :keys, :strs and :syms"},
    {"[:find ?e :keys 1 :where [?e :a]]", ErrorCode::QuerySyntax, "expected symbols"},
    {"[:find ?e :with e :where [?e :a ?e]]", ErrorCode::QuerySyntax, "in :with, got: e"},
    {"[:find ?e :in $ [db] :where [?e :a]]", ErrorCode::QuerySyntax, "Cannot parse binding"},
    {"[:find ?e :in $ [] :where [?e :a]]", ErrorCode::QuerySyntax,
     "Tuple binding cannot be empty"},
    {"[:find ?e :in $ [?a 1] :where [?e :a]]", ErrorCode::QuerySyntax, "Cannot parse binding"},
    {"[:find ?e :in $ [[?a ...]] :where [?e :a ?a]]", ErrorCode::QuerySyntax,
     "Cannot parse binding"},
    {"[:find ?e :where ?e]", ErrorCode::QuerySyntax, "Cannot parse clause, expected"},
    {"[:find ?e :where []]", ErrorCode::QuerySyntax, "Pattern could not be empty"},
    {"[:find ?e :where [?e :a ?v ?tx true 1]]", ErrorCode::QuerySyntax, "at most 5 positions"},
    {"[:find ?e :where [?e :a $foo]]", ErrorCode::QuerySyntax,
     "$foo is neither a ?variable, _ nor a constant"},
    {"[:find ?e :where [?e :a] [(> foo 1)]]", ErrorCode::QuerySyntax,
     "Cannot parse function arguments: foo"},
    {"[:find ?e :where [?e :a ?v] [(1 ?v)]]", ErrorCode::QuerySyntax,
     "the function must be a symbol or a ?variable"},
    {"[:find ?e :where [?e :a ?v] [(inc ?v) 1]]", ErrorCode::QuerySyntax,
     "Cannot parse binding"},
    {"[:find ?e :in $ % :where (rule)]", ErrorCode::QuerySyntax,
     "rule-expr requires at least one argument"},
    {"[:find ?e :where [?e :a] (not)]", ErrorCode::QuerySyntax, "Cannot parse 'not' clause"},
    {"[:find ?e :where [?e :a] (not-join [] [?e :b])]", ErrorCode::QuerySyntax,
     "Join variables should not be empty"},
    {"[:find ?e :where [?e :a] (not-join ?e [?e :b])]", ErrorCode::QuerySyntax,
     "Cannot parse 'not-join' clause"},
    {"[:find ?e :where [?e :a] (or)]", ErrorCode::QuerySyntax, "Cannot parse 'or' clause"},
    {"[:find ?e :where [?e :a] (or-join [?e])]", ErrorCode::QuerySyntax,
     "Cannot parse 'or-join' clause"},
    {"[:find ?e :where [?e :a] (or-join [?e ?e] [?e :b])]", ErrorCode::QuerySyntax,
     "Rule variables should be distinct"},
    {"[:find ?e :where [?e :a] (or-join [1] [?e :b])]", ErrorCode::QuerySyntax,
     "Cannot parse or-join variables"},
    {"[:find ?e :where [?e :a] (or [?e :b] (and))]", ErrorCode::QuerySyntax,
     "Cannot parse 'and' clause"},
    {"[:find ?e :where [?e :a] (and [?e :b])]", ErrorCode::QuerySyntax,
     "'and' is only allowed as a branch"},

    // ---- meaning: :query/invalid ----
    {"[:find ?y :where [?e :name ?n]]", ErrorCode::QueryInvalid, "Query for unknown vars: [?y]"},
    {"[:find ?e :with ?z :where [?e :name ?n]]", ErrorCode::QueryInvalid,
     "Query for unknown vars: [?z]"},
    {"[:find ?e :with ?e :where [?e :name ?n]]", ErrorCode::QueryInvalid,
     ":find and :with should not use same variables: [?e]"},
    {"[:find ?e :with ?n ?n :where [?e :name ?n]]", ErrorCode::QueryInvalid,
     "Vars used in :with should be distinct"},
    {"[:find ?e :in $ ?x ?x :where [?e :name ?x]]", ErrorCode::QueryInvalid,
     "Vars used in :in should be distinct"},
    {"[:find ?e :in $ $ :where [?e :name]]", ErrorCode::QueryInvalid,
     "Vars used in :in should be distinct"},
    {"[:find ?e :keys a b :where [?e :name]]", ErrorCode::QueryInvalid,
     "Count of :keys must match count of :find"},
    {"[:find ?e ?n :strs a :where [?e :name ?n]]", ErrorCode::QueryInvalid,
     "Count of :strs must match count of :find"},
    {"[:find ?e :where [?e :name ?n] [(> ?x 1)]]", ErrorCode::QueryInvalid,
     "Insufficient bindings: #{?x} not bound in [(> ?x 1)]"},
    {"[:find ?e :where [?e :name ?n] [(+ ?x ?n) ?y]]", ErrorCode::QueryInvalid,
     "Insufficient bindings: #{?x} not bound in [(+ ?x ?n) ?y]"},
    {"[:find ?e :where [?e :a ?n] [(inc ?x) ?y] [(inc ?y) ?x]]", ErrorCode::QueryInvalid,
     "Insufficient bindings: #{?x} not bound in [(inc ?x) ?y]"},
    {"[:find ?e :where [?e :name ?n] (not [?x :name ?m])]", ErrorCode::QueryInvalid,
     "Insufficient bindings: none of #{?m ?x} is bound in (not [?x :name ?m])"},
    {"[:find ?e :where [?e :name ?n] (not [?e :age ?a] [(> ?zz 1)])]", ErrorCode::QueryInvalid,
     "Insufficient bindings: #{?zz} not bound in [(> ?zz 1)]"},
    {"[:find ?e :where [?e :name ?n] (not-join [?q] [?q :name ?n])]", ErrorCode::QueryInvalid,
     "Insufficient bindings: #{?q} not bound in (not-join [?q] [?q :name ?n])"},
    {"[:find ?e :where [?e :name ?n] (not-join [?e] [?e :age ?a] [(> ?a ?n)])]",
     ErrorCode::QueryInvalid, "#{?n} not bound in [(> ?a ?n)]"},
    {"[:find ?e :where [?e :age ?a] (or [?e :name ?n] [?e :age ?b])]", ErrorCode::QueryInvalid,
     "All clauses in 'or' must use same set of free vars, had [#{?n} #{?b}] in (or [?e :name ?n] "
     "[?e :age ?b])"},
    {"[:find ?e :where (or-join [[?e] ?n] [?e :name ?n])]", ErrorCode::QueryInvalid,
     "Insufficient bindings: #{?e} not bound in (or-join [[?e] ?n] [?e :name ?n])"},
    {"[:find ?e :where [?e :age ?a] (or-join [?e ?z] [?e :name ?n])]", ErrorCode::QueryInvalid,
     "#{?z} not bound in [?e :name ?n] of (or-join [?e ?z] [?e :name ?n])"},
    {"[:find ?e :where [?e :age ?a] [(frobnicate ?a)]]", ErrorCode::QueryInvalid,
     "Unknown predicate 'frobnicate in [(frobnicate ?a)]"},
    {"[:find ?e :where [?e :age ?a] [(frobnicate ?a) ?b]]", ErrorCode::QueryInvalid,
     "Unknown function 'frobnicate in [(frobnicate ?a) ?b]"},
    {"[:find ?e :where [?e :age ?a] [(inc ?a 1 2) ?b]]", ErrorCode::QueryInvalid,
     "Wrong number of arguments to 'inc'"},
    {"[:find (frobnicate ?e) :where [?e :age ?a]]", ErrorCode::QueryInvalid,
     "Unknown aggregate 'frobnicate in (frobnicate ?e)"},
    {"[:find (count 3 ?e) :where [?e :age ?a]]", ErrorCode::QueryInvalid,
     "Wrong number of arguments to aggregate 'count'"},
    {"[:find ?e :where [?e :name ?n] [$2 ?e :age ?a]]", ErrorCode::QueryInvalid,
     "Where uses unknown source vars: [$2]"},
    {"[:find ?e :in $ :where [?e :name ?n] (rule ?e)]", ErrorCode::QueryInvalid,
     "Missing rules var '%' in :in"},
    {"[:find (pull ?e ?p) :where [?e :name]]", ErrorCode::QueryInvalid,
     "Query for unknown vars: [?p]"},
    {"[:find (pull $2 ?e [*]) :where [?e :name]]", ErrorCode::QueryInvalid,
     "Pull uses unknown source var $2"},
};
}  // namespace

TEST_CASE("malformed and meaningless queries fail with a code and a message naming the part") {
  for (const BadQuery& bad : kBadQueries) {
    CAPTURE(bad.text);
    auto q = parse_query(edn(bad.text));
    REQUIRE_FALSE(q.has_value());
    CAPTURE(q.error().message);
    CHECK(q.error().code == bad.code);
    CHECK(q.error().message.find(bad.message) != std::string::npos);
  }
  CHECK(std::size(kBadQueries) >= 40);
}

TEST_CASE("malformed rule sets") {
  struct Case {
    const char* text;
    ErrorCode code;
    const char* message;
  };
  const Case cases[] = {
      {":r", ErrorCode::QuerySyntax, "Cannot parse rules"},
      {"[:r]", ErrorCode::QuerySyntax, "Cannot parse rule, expected"},
      {"[[r [?a :x]]]", ErrorCode::QuerySyntax, "Cannot parse rule head"},
      {"[[(?r ?a) [?a :x]]]", ErrorCode::QuerySyntax, "Cannot parse rule name"},
      {"[[(r) [?a :x]]]", ErrorCode::QuerySyntax, "Cannot parse rule head, expected"},
      {"[[(r ?a)]]", ErrorCode::QuerySyntax, "Rule branch should have clauses"},
      {"[[(r ?a ?a) [?a :x]]]", ErrorCode::QuerySyntax, "Rule variables should be distinct"},
      {"[[(r ?a) [?a :x]] [(r ?a ?b) [?a :x ?b]]]", ErrorCode::QueryInvalid,
       "Arity mismatch for rule 'r': (?a) vs. (?a ?b)"},
      {"[[(r ?a) [?a :x]] [(r [?a]) [?a :x]]]", ErrorCode::QueryInvalid,
       "Arity mismatch for rule 'r': (?a) vs. ([?a])"},
      {"[[(r ?a) [?a :x ?v] [(> ?q 1)]]]", ErrorCode::QueryInvalid,
       "Insufficient bindings: #{?q} not bound in [(> ?q 1)]"},
      {"[[(r ?a) [?a :x ?v] [(nope ?v)]]]", ErrorCode::QueryInvalid, "Unknown predicate 'nope"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    auto r = parse_rules(edn(c.text));
    REQUIRE_FALSE(r.has_value());
    CAPTURE(r.error().message);
    CHECK(r.error().code == c.code);
    CHECK(r.error().message.find(c.message) != std::string::npos);
  }
}

namespace {
// DataScript's benchmark queries (bench/datascript/bench/datascript.cljc, as collected in
// bench-data/queries.edn), DataScript's query tests' forms, and the forms of doc/query.md.
const char* const kRoundTrip[] = {
    // DataScript bench
    "[:find ?e :where [?e :name \"Ivan\"]]",
    "[:find ?e ?a :where [?e :name \"Ivan\"] [?e :age ?a]]",
    "[:find ?e ?a :where [?e :age ?a] [?e :name \"Ivan\"]]",
    "[:find ?e ?a :where [?e :name \"Ivan\"] [?e :age ?a] [?e :sex :male]]",
    "[:find ?e ?l ?a :where [?e :name \"Ivan\"] [?e :last-name ?l] [?e :age ?a] [?e :sex :male]]",
    "[:find ?e ?n ?l ?a ?s ?al :in $ ?n ?a :where [?e :name ?n] [?e :age ?a] [?e :last-name ?l] "
    "[?e :sex ?s] [?e :alias ?al]]",
    "[:find ?e ?s :where [?e :salary ?s] [(> ?s 50000)]]",
    "[:find ?e ?s :in $ ?min_s :where [?e :salary ?s] [(> ?s ?min_s)]]",
    "[:find ?c :in $ ?x :where [?x :follows ?b] [?b :follows ?c]]",
    "[:find ?a ?c :where [?a :name \"Ivan\"] [?a :follows ?b] [?b :follows ?c] [?c :last-name "
    "\"Petrov\"]]",
    "[:find ?y :in $ ?x :where (or-join [?x ?y] [?x :follows ?y] (and [?x :follows ?b] [?b "
    ":follows ?y]) (and [?x :follows ?b] [?b :follows ?c] [?c :follows ?y]))]",
    "[:find ?y :in $ % ?x ?d :where (reach ?x ?y ?d)]",
    "[:find ?y :in $ % ?x :where (reach ?x ?y)]",
    "[:find ?s (count ?e) (avg ?sal) :where [?e :sex ?s] [?e :salary ?sal]]",
    "[:find ?n (count ?e) (avg ?age) (max ?sal) :where [?e :name ?n] [?e :age ?age] [?e :salary "
    "?sal]]",
    "[:find ?e ?e2 :in $ % :where (follows ?e ?e2)]",
    // find shapes and aggregates
    "[:find ?e . :where [?e :name \"Ivan\"]]",
    "[:find [?n ...] :where [_ :name ?n]]",
    "[:find [?n ?a] :where [?e :name ?n] [?e :age ?a]]",
    "[:find [(count ?e) ...] :where [?e :name]]",
    "[:find (count ?e) . :where [?e :name]]",
    "[:find [(min ?a) (max ?a)] :where [_ :age ?a]]",
    "[:find (min 2 ?a) (max 2 ?a) (sample 3 ?a) (rand 2 ?a) :where [_ :age ?a]]",
    "[:find (distinct ?a) (median ?a) (variance ?a) (stddev ?a) (sum ?a) (rand ?a) :where [_ :age "
    "?a]]",
    "[:find ?n (count-distinct ?a) :with ?e :where [?e :name ?n] [?e :age ?a]]",
    "[:find (pull ?e [*]) :where [?e :name]]",
    "[:find (pull ?e [:name {:follows [:name]} (:age :default 0)]) . :where [?e :name]]",
    "[:find [(pull ?e ?p) ...] :in $ ?p :where [?e :name]]",
    "[:find ?n (pull $h ?e [:name]) :in $ $h :where [?e :name ?n] [$h ?e :age]]",
    "[:find ?e ?n :keys e n :where [?e :name ?n]]",
    "[:find ?e ?n :strs e person/n :where [?e :name ?n]]",
    "[:find [?e ?n] :syms e n :where [?e :name ?n]]",
    // :in
    "[:find ?e :in $ [?n ...] :where [?e :name ?n]]",
    "[:find ?e :in $ [?n ?a] :where [?e :name ?n] [?e :age ?a]]",
    "[:find ?e :in $ [[?n ?a]] :where [?e :name ?n] [?e :age ?a]]",
    "[:find ?e :in $ [[?n _]] _ :where [?e :name ?n]]",
    "[:find ?e ?x :in $ [[?n [?x ...]]] :where [?e :name ?n]]",
    "[:find ?e :in $db1 $db2 :where [$db1 ?e :name ?n] [$db2 ?e :name ?n]]",
    "[:find ?x :in ?x]",
    // where
    "[:find ?e ?tx ?op :in $h :where [$h ?e :name _ ?tx ?op]]",
    "[:find ?e :where [?e :friend [:name \"Ivan\"]]]",
    "[:find ?v :where [[:name \"Ivan\"] :age ?v]]",
    "[:find ?e :where [?e :tags #{:a :b}] [?e :meta {:k 1}] [?e :n nil]]",
    "[:find ?e :where [?e :at #inst \"2020-01-01T00:00:00.000Z\"] [?e :id #uuid "
    "\"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\"]]",
    "[:find ?e ?a :where [?e :age ?a] [(even? ?a)] [(< 10 ?a 20)]]",
    "[:find ?e ?l :where [?e :name ?n] [(count ?n) ?l] [(re-pattern \"^I\") ?re] "
    "[(re-find ?re ?n)]]",
    "[:find ?e ?age :where [?e :name] [(get-else $ ?e :age 0) ?age]]",
    "[:find ?e :where [?e :name] [(missing? $ ?e :age)]]",
    "[:find ?e ?a :where [?e :name] [(get-some $ ?e :age :salary) [?a ?v]]]",
    "[:find ?k ?v :where [(ground {:a 1}) [[?k ?v]]]]",
    "[:find ?x :where [(tuple 1 2) ?t] [(untuple ?t) [?x _]]]",
    "[:find ?s :where [?e :name ?n] [(str ?n \"-\" ?e) ?s] [(clojure.string/includes? ?s \"I\")]]",
    "[:find ?e :where [?e :name] (not [?e :age])]",
    "[:find ?e :where [?e :name] (not [?e :age ?a] [(< ?a 18)])]",
    "[:find ?e :where [?e :name] (not-join [?e] [?e :follows ?f] [?f :name \"Ivan\"])]",
    "[:find ?e :where [?e :name ?n] (or [?e :age 10] [?e :age 20])]",
    "[:find ?e :where (or [?e :name \"Ivan\"] (and [?e :name \"Petr\"] [?e :age 30]))]",
    "[:find ?e :where [?e :name ?n] (or-join [[?n] ?e] [?e :alias ?n] [?e :last-name ?n])]",
    "[:find ?e :in $ % :where [?e :name] (not (follows ?e 1))]",
    "[:find ?e :in $ $2 % :where ($2 follows ?e 1) ($2 not [?e :age]) ($2 or [?e :a] [?e :b])]",
    "[:find ?e :where [?e :name ?n] [(> ?n \"A\")] (or (and [?e :age ?a] [(> ?a 1)]) (and [?e "
    ":age ?a] [(< ?a 0)]))]",
};
}  // namespace

TEST_CASE("round trip: parse_query(to_edn(q)) gives back q") {
  for (const char* text : kRoundTrip) {
    CAPTURE(text);
    std::string once = round_trip(text);
    // The printed form is a fixed point.
    CHECK(round_trip(once) == once);
  }
  CHECK(std::size(kRoundTrip) >= 60);
}

TEST_CASE("round trip of the DataScript benchmark file's queries and rules") {
  std::ifstream in(QUARRY_TESTS_DIR "/../bench/data/queries.edn");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  auto all = read_edn(text.str());
  REQUIRE(all);
  int queries = 0, rule_sets = 0;
  for (const auto& [name, entry] : all->as<Map>().entries) {
    CAPTURE(quarry::to_edn(name));
    for (const auto& [key, value] : entry.as<Map>().entries) {
      if (key == Value::keyword("query")) {
        auto q = parse_query(value);
        REQUIRE_MESSAGE(q, q.error().message);
        auto again = parse_query(to_edn(*q));
        REQUIRE(again);
        CHECK(printed(*again) == printed(*q));
        ++queries;
      } else if (key == Value::keyword("rules")) {
        auto rules = parse_rules(value);
        REQUIRE_MESSAGE(rules, rules.error().message);
        std::vector<Value> forms;
        for (const Rule& r : *rules) forms.push_back(to_edn(r));
        auto again = parse_rules(Value(Vector{forms}));
        REQUIRE(again);
        REQUIRE(again->size() == rules->size());
        for (std::size_t i = 0; i < rules->size(); ++i)
          CHECK(quarry::to_edn(to_edn((*again)[i])) == quarry::to_edn(forms[i]));
        ++rule_sets;
      }
    }
  }
  CHECK(queries >= 15);
  CHECK(rule_sets >= 3);
}
