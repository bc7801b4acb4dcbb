// Randomized differential test of the query engine (seeded; the seed is printed, and QUARRY_SEED
// overrides it). Each scenario draws a small schema and a sequence of random transactions, applies
// them to an in-memory and a RocksDB database (same tx-data, same clock), and runs random queries
// on both:
//  - the two stores must give identical results (or the same error);
//  - every query is also evaluated by support/query_model.hpp's nested-loop evaluator over the
//    datoms the transaction reports wrote, which must agree with Quarry. The model keeps the
//    whole history, so the same holds for as-of, since and history databases.
// Queries: 1-4 connected data patterns (constant attributes, sometimes a variable attribute or a
// tx position), comparison predicates, not, or (sometimes with a not inside), or-join, and count /
// count-distinct / min / max / sum aggregates; on the current database some take lookup refs as a
// collection input, and on every database some top-level predicates take their constant as a
// scalar input (:in $ ?b0). About 30% start with a pattern read as an AVET range scan (its value
// variable bounded by one or two of < <= > >=). Values include the shapes where the index and the
// comparisons part ways: longs and doubles mixed on an untyped attribute (1 and 1.0, -0.0 and
// 0.0), doubles with a fraction there (2.5, -0.25) under range predicates whose bounds have
// fractions too (as constants and as scalar inputs, either side: (< ?v 1.3), (<= 2.75 ?v)), doubles
// compared with typed longs, and strings longer than the in-key limit sharing a long prefix.
//
// A failure prints the seed, the transactions, the query, the model's result and Quarry's.
#include <doctest/doctest.h>

#include <quarry/quarry.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <unistd.h>
#include <vector>

#include "support/query_model.hpp"
#include "support/temp_path.hpp"
#include "support/test_seed.hpp"

namespace quarry::testing {
namespace {

using model::Clause;
using model::Fact;
using model::FindElem;
using model::Term;

constexpr std::uint64_t kDefaultSeed = 20250601;
// Few scenarios with many queries each: opening a RocksDB directory costs a few fsyncs.
constexpr int kScenarios = 12;
constexpr int kEntities = 10;

using quarry::testing::TempPath;

enum class Type { Long, String, Ref, Number };  // Number: declared without a type, longs and doubles

struct Attr {
  std::string name;  // without the colon
  Type type;
  bool many;
  bool unique;
};

// What a query variable holds, for choosing well-typed predicates and aggregates.
// Input: a collection input of lookup refs; it joins as an entity, but predicates and aggregates
// would see the refs as written (DataScript's semantics), so they leave it alone.
enum class Kind { Entity, Long, String, Tx, Any, Keyword, Bool, Number, Input };

bool numeric(Kind k) { return k == Kind::Entity || k == Kind::Long || k == Kind::Number; }

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : rng_(seed) {}
  int below(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }
  bool chance(int percent) { return below(100) < percent; }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[static_cast<std::size_t>(below(static_cast<int>(v.size())))]; }

 private:
  std::mt19937_64 rng_;
};

// Three strings longer than the in-key limit (1024 bytes) that share a 1100-byte prefix: the index
// orders them by a 256-byte stub and a hash, not by value (doc/format.md, "Large values").
const std::string kLongPrefix(1100, 'm');
const std::vector<std::string> kStrings = {"a", "b", "c", "d", "e", kLongPrefix + "a", kLongPrefix + "ab", kLongPrefix + "b"};
// The values of untyped ("Number") attributes: numbers the index keeps apart but the comparisons
// call equal (1 and 1.0, -0.0 and 0.0), and doubles with a fraction, some negative, a few between
// each two longs: an AVET range scan's bound must not be rounded past them.
const std::vector<Value> kNumbers = {Value(std::int64_t{-1}), Value(std::int64_t{0}), Value(std::int64_t{1}),
                                     Value(std::int64_t{2}),  Value(std::int64_t{3}), Value(0.0),
                                     Value(-0.0),             Value(1.0),             Value(2.0),
                                     Value(-1.5),             Value(-0.25),           Value(0.5),
                                     Value(1.25),             Value(1.5),             Value(2.5),
                                     Value(2.75)};
// Range-predicate bounds with a fraction: on the values above, just past them, and between them
// (1.3 and -0.7 are not dyadic, so also a check that they print and read back as the same double).
const std::vector<Value> kFractionBounds = {Value(-1.5), Value(-0.7), Value(-0.25), Value(0.25), Value(0.5),
                                            Value(1.25), Value(1.3),  Value(1.5),   Value(1.75), Value(2.5),
                                            Value(2.6),  Value(2.75), Value(3.5)};

Value random_value(Rng& rng, Type t) {
  switch (t) {
    case Type::Long: return Value(static_cast<std::int64_t>(rng.below(8)));
    case Type::String: return Value(rng.pick(kStrings));
    case Type::Ref: return Value(static_cast<std::int64_t>(1 + rng.below(kEntities)));
    case Type::Number: return rng.pick(kNumbers);
  }
  return {};
}

std::vector<Attr> random_schema(Rng& rng) {
  std::vector<Attr> attrs;
  const int n = 4 + rng.below(3);
  for (int i = 0; i < n; ++i) {
    // At least one attribute of each type, so every kind of join can be drawn.
    const Type t = i < 4 ? static_cast<Type>(i) : static_cast<Type>(rng.below(4));
    const bool many = rng.chance(35);
    const bool unique = (t == Type::Long || t == Type::String) && !many && rng.chance(35);
    attrs.push_back({(i % 2 ? "s/" : "") + std::string("a") + std::to_string(i), t, many, unique});
  }
  return attrs;
}

std::string schema_edn(const std::vector<Attr>& attrs) {
  static const char* types[] = {":db.type/long", ":db.type/string", ":db.type/ref"};
  std::string s = "{";
  for (const Attr& a : attrs) {
    s += ":" + a.name + " {";
    if (a.type != Type::Number) s += std::string(":db/valueType ") + types[static_cast<int>(a.type)] + " ";
    s += std::string(":db/cardinality ") + (a.many ? ":db.cardinality/many" : ":db.cardinality/one");
    if (a.unique) s += " :db/unique :db.unique/identity";
    s += "} ";
  }
  return s + "}";
}

// ---- the database pair and the model ----

struct Scenario {
  std::vector<Attr> attrs;
  std::vector<std::string> txs;   // tx-data as written, for failure reports
  std::vector<Fact> history;      // every datom the reports hold, in tx order
  std::vector<std::int64_t> tx_ids;
  Database mem, rocks;
};

Database open_db(const std::string& path, bool in_memory) {
  auto clock = std::make_shared<std::int64_t>(1'700'000'000'000);
  auto db = Database::open(Options{.path = path, .in_memory = in_memory, .sync_writes = false,
                                   .clock = [clock] { return Instant{(*clock)++}; }});
  REQUIRE_MESSAGE(db.has_value(), (db ? "" : db.error().to_edn()));
  return std::move(*db);
}

Value long_of(const Value& v) {
  if (const EntityId* e = v.get_if<EntityId>()) return Value(static_cast<std::int64_t>(e->value));
  return v;
}

void record(Scenario& s, const TxReport& r) {
  s.tx_ids.push_back(static_cast<std::int64_t>(r.tx.value));
  for (const Datom& d : r.datoms) {
    auto ident = r.db_after.ident(d.a);
    REQUIRE(ident.has_value());
    s.history.push_back({Value(static_cast<std::int64_t>(d.e.value)), Value(*ident), long_of(d.v),
                         Value(static_cast<std::int64_t>(d.tx.value)), d.added});
  }
}

// Runs tx-data on both databases: both must succeed (the model records it) or fail alike.
void transact_both(Scenario& s, const std::string& tx) {
  auto a = s.mem.transact(tx);
  auto b = s.rocks.transact(tx);
  REQUIRE_MESSAGE(a.has_value() == b.has_value(), "stores disagree on " << tx);
  if (!a) {
    CHECK_MESSAGE(a.error().code == b.error().code, tx);
    return;
  }
  s.txs.push_back(tx);
  record(s, *a);
}

// The datoms true after tx `t` (every tx when t is 0): assertions minus later retractions.
std::vector<Fact> current_facts(const std::vector<Fact>& history, std::int64_t t = 0) {
  std::map<std::tuple<Value, Value, Value>, Value> live;
  for (const Fact& f : history) {
    if (t && f.tx.as<std::int64_t>() > t) break;
    if (f.added) live.insert_or_assign({f.e, f.a, f.v}, f.tx);
    else live.erase({f.e, f.a, f.v});
  }
  std::vector<Fact> out;
  for (const auto& [k, tx] : live) out.push_back({std::get<0>(k), std::get<1>(k), std::get<2>(k), tx, true});
  return out;
}

std::string random_op(Rng& rng, const Scenario& s) {
  const std::string e = std::to_string(1 + rng.below(kEntities));
  const Attr& a = rng.pick(s.attrs);
  const int roll = rng.below(100);
  if (roll < 12) {
    // retract a datom that exists now
    std::vector<Fact> live;
    for (const Fact& f : current_facts(s.history)) {
      const auto& id = f.e.as<std::int64_t>();
      if (id >= 1 && id <= kEntities) live.push_back(f);
    }
    if (!live.empty()) {
      const Fact& f = rng.pick(live);
      return "[:db/retract " + to_edn(f.e) + " " + to_edn(f.a) + " " + to_edn(f.v) + "]";
    }
  }
  if (roll < 20) return "[:db/retract " + e + " :" + a.name + " " + to_edn(random_value(rng, a.type)) + "]";
  if (roll < 23) return "[:db/retract " + e + " :" + a.name + "]";
  if (roll < 25) return "[:db/retractEntity " + e + "]";
  return "[:db/add " + e + " :" + a.name + " " + to_edn(random_value(rng, a.type)) + "]";
}

// ---- query generation ----

// A generated query and its scalar inputs: variables the top-level predicates use in place of a
// constant, declared after $ (and after the lookup-ref collection, when there is one).
struct Generated {
  model::Query query;
  std::vector<std::pair<std::string, Value>> scalars;

  // As Quarry is given it: `:in $ [?in ...] ?b0 ?b1` (the model's text has no scalar inputs).
  [[nodiscard]] std::string text() const {
    std::string s = query.edn();
    if (scalars.empty()) return s;
    std::string names = query.in_var.empty() ? " :in $" : "";
    for (const auto& [name, value] : scalars) names += " " + name;
    return s.insert(s.find(" :where"), names);
  }

  // As the model is given it: every scalar input replaced by its value (they are top-level
  // predicate arguments only).
  [[nodiscard]] model::Query with_constants() const {
    model::Query q = query;
    for (Clause& c : q.where)
      for (Term& t : c.terms)
        for (const auto& [name, value] : scalars)
          if (t.kind == Term::Var && t.var == name) t = Term::value(value);
    return q;
  }
};

class QueryGen {
 public:
  // `present`: the values each attribute holds (by name), from which constants are mostly drawn
  // so that queries select something.
  // allow_inputs: some queries take lookup refs as a collection input (current databases only).
  QueryGen(Rng& rng, const std::vector<Attr>& attrs, const std::map<std::string, std::vector<Value>>& present,
           bool history, bool allow_inputs = false)
      : rng_(rng), attrs_(attrs), present_(present), history_(history), allow_inputs_(allow_inputs) {}

  Generated make() {
    model::Query q;
    const int patterns = 1 + rng_.below(4);
    const bool input = allow_inputs_ && rng_.chance(20) && lookup_input(q);
    if (!input && rng_.chance(30)) {
      range_scan(q);
    } else {
      q.where.push_back(pattern(input));
    }
    int made = 1;
    int extras = rng_.below(4);
    while (made < patterns || extras > 0) {
      const int roll = rng_.below(100);
      if (made < patterns && (roll < 50 || extras == 0)) {
        q.where.push_back(pattern(true));
        ++made;
        continue;
      }
      --extras;
      const int what = rng_.below(100);
      if (what < 45) {
        if (auto p = predicate(vars_, true)) q.where.push_back(*p);
      } else if (what < 65) {
        q.where.push_back(negation());
      } else if (what < 85) {
        q.where.push_back(disjunction());
      } else {
        q.where.push_back(or_join());
      }
    }
    find(q);
    return {std::move(q), std::move(scalars_)};
  }

 private:
  std::string fresh(const char* prefix = "?v") { return prefix + std::to_string(next_++); }

  std::vector<std::string> bound(std::function<bool(Kind)> fits, const std::map<std::string, Kind>& vars) const {
    std::vector<std::string> out;
    for (const auto& [name, kind] : vars)
      if (fits(kind)) out.push_back(name);
    return out;
  }

  Kind kind_of(Type t) const {
    switch (t) {
      case Type::Ref: return Kind::Entity;
      case Type::Long: return Kind::Long;
      case Type::Number: return Kind::Number;
      case Type::String: return Kind::String;
    }
    return Kind::Any;
  }

  // A value term for attribute `a`: an existing variable of its kind (never `self`, the pattern's
  // entity variable), a fresh one, a constant or _.
  Term value_term(const Attr& a, std::map<std::string, Kind>& vars, bool must_share, const std::string& self) {
    const Kind k = kind_of(a.type);
    auto same = bound([&](Kind x) { return x == k; }, vars);
    std::erase(same, self);
    const int roll = rng_.below(100);
    if (!same.empty() && (must_share || roll < 30)) return Term::variable(rng_.pick(same));
    if (roll < 75) {
      std::string v = fresh();
      vars[v] = k;
      return Term::variable(v);
    }
    if (roll < 92) return Term::value(constant(a));
    return Term::blank();
  }

  // [?e :a ?v] [(op ?v B)] with op one of < <= > >=, sometimes a second such predicate (B a
  // constant or a scalar input, on either side): the first pattern, ?v fresh, so that the planner
  // reads it as an AVET range scan with the bounds applied per datom (plan/range_filter.hpp).
  // Mostly over an untyped attribute, where the values and the bounds have fractions.
  void range_scan(model::Query& q) {
    static const std::vector<std::string> ops = {"<", ">", "<=", ">="};
    std::vector<const Attr*> numbers;
    for (const Attr& a : attrs_)
      if (a.type == Type::Number) numbers.push_back(&a);
    const Attr& attr = rng_.chance(70) ? *rng_.pick(numbers) : rng_.pick(attrs_);
    const std::string v = fresh();
    vars_[v] = kind_of(attr.type);
    q.where.push_back(pattern(false, &attr, v));
    const int n = rng_.chance(35) ? 2 : 1;
    for (int i = 0; i < n; ++i) {
      // Half the bounds are values the attribute holds (mostly), so that the bound's own datoms
      // and those just inside it are there to be dropped.
      const Term bound = rng_.chance(50) ? Term::value(constant(attr)) : comparand(kind_of(attr.type), true);
      Clause c{.kind = Clause::Predicate, .terms = {Term::variable(v), bound}, .op = rng_.pick(ops)};
      if (rng_.chance(40)) std::swap(c.terms[0], c.terms[1]);
      q.where.push_back(c);
    }
  }

  // A data pattern; when `connect`, it shares a variable with the clauses before it. `chosen`:
  // its attribute; `value`: its value, a variable already in vars_.
  Clause pattern(bool connect, const Attr* chosen = nullptr, const std::string& value = "") {
    auto entities = bound([](Kind k) { return k == Kind::Entity || k == Kind::Input; }, vars_);
    Clause c{.kind = Clause::Pattern};
    if (connect && !entities.empty() && rng_.chance(12)) {
      // [?e ?a ?v] over a bound entity: every attribute of it.
      std::string a = fresh("?attr"), v = fresh();
      vars_[a] = Kind::Keyword;
      vars_[v] = Kind::Any;
      c.terms = {Term::variable(rng_.pick(entities)), Term::variable(a), Term::variable(v)};
      return c;
    }
    const Attr& attr = chosen ? *chosen : rng_.pick(attrs_);
    const bool e_shared = connect && !entities.empty() && rng_.chance(70);
    Term e;
    if (e_shared) {
      e = Term::variable(rng_.pick(entities));
    } else if (connect && rng_.chance(10)) {
      e = Term::value(Value(static_cast<std::int64_t>(1 + rng_.below(kEntities))));
    } else {
      e = Term::variable(fresh("?e"));
    }
    // Unconnected so far: the value must join (when nothing of its kind is bound, the entity does).
    bool value_must_share = connect && !e_shared;
    auto joinable = bound([&](Kind k) { return k == kind_of(attr.type); }, vars_);
    std::erase(joinable, e.var);
    if (value_must_share && joinable.empty()) {
      if (!entities.empty()) e = Term::variable(rng_.pick(entities));
      value_must_share = false;
    }
    if (e.kind == Term::Var) vars_.emplace(e.var, Kind::Entity);
    c.terms = {e, Term::value(Value::keyword(attr.name)),
               value.empty() ? value_term(attr, vars_, value_must_share, e.var) : Term::variable(value)};
    if (rng_.chance(history_ ? 40 : 12)) {
      std::string tx = fresh("?tx");
      vars_[tx] = Kind::Tx;
      c.terms.push_back(Term::variable(tx));
      if (history_ && rng_.chance(70)) {
        std::string added = fresh("?added");
        vars_[added] = Kind::Bool;
        c.terms.push_back(Term::variable(added));
      }
    }
    return c;
  }

  // A constant to compare a variable of `kind` (not a tx id) with: an entity id, a string, or for
  // numbers a long, a value of kNumbers or a bound with a fraction. `top_level`: sometimes a scalar
  // input holding it instead (not inside not or or-join, whose bodies would need it bound there).
  Term comparand(Kind kind, bool top_level) {
    Value c;
    if (kind == Kind::Entity) {
      c = Value(static_cast<std::int64_t>(1 + rng_.below(kEntities)));
    } else if (kind == Kind::Long || kind == Kind::Number) {
      const int roll = rng_.below(100);
      c = roll < 35 ? rng_.pick(kNumbers) : roll < 70 ? rng_.pick(kFractionBounds) : Value(static_cast<std::int64_t>(rng_.below(9)));
    } else {
      c = Value(rng_.pick(kStrings));
    }
    if (!top_level || !rng_.chance(30)) return Term::value(std::move(c));
    std::string name = "?b" + std::to_string(scalars_.size());
    scalars_.emplace_back(name, std::move(c));
    return Term::variable(std::move(name));
  }

  // [(op ?x Y)]: Y another variable of ?x's class (numbers, strings or tx ids) or a comparand for
  // ?x's kind, on either side (tx ids are compared with each other only).
  std::optional<Clause> predicate(const std::map<std::string, Kind>& vars, bool top_level = false) {
    static const std::vector<std::string> ops = {"<", ">", "<=", ">=", "=", "not="};
    auto nums = bound(numeric, vars);
    auto strs = bound([](Kind k) { return k == Kind::String; }, vars);
    auto txs = bound([](Kind k) { return k == Kind::Tx; }, vars);
    std::vector<std::vector<std::string>> classes;
    for (const auto* c : {&nums, &strs, &nums})
      if (!c->empty()) classes.push_back(*c);
    if (txs.size() > 1) classes.push_back(txs);
    if (classes.empty()) return std::nullopt;
    std::vector<std::string> from = rng_.pick(classes);
    const std::string x = rng_.pick(from);
    const Kind kind = vars.at(x);
    std::erase(from, x);
    const bool two_vars = kind == Kind::Tx || (!from.empty() && rng_.chance(30));
    const Term y = two_vars ? Term::variable(rng_.pick(from)) : comparand(kind, top_level);
    Clause c{.kind = Clause::Predicate, .terms = {Term::variable(x), y}, .op = rng_.pick(ops)};
    if (!two_vars && rng_.chance(30)) std::swap(c.terms[0], c.terms[1]);
    return c;
  }

  std::string bound_entity() {
    auto entities = bound([](Kind k) { return k == Kind::Entity || k == Kind::Input; }, vars_);
    return rng_.pick(entities);  // the first pattern always binds an entity variable or joins one
  }

  // (not [?e :a V] [(pred)]?) over a bound entity; its fresh variables stay inside.
  Clause negation() {
    std::map<std::string, Kind> inner = vars_;
    const std::string e = bound_entity();
    const Attr& a = rng_.pick(attrs_);
    Clause p{.kind = Clause::Pattern, .terms = {Term::variable(e), Term::value(Value::keyword(a.name)), value_term(a, inner, false, e)}};
    Clause c{.kind = Clause::Not, .body = {p}};
    if (p.terms[2].kind == Term::Var && !vars_.contains(p.terms[2].var) && rng_.chance(50)) {
      std::map<std::string, Kind> only{{p.terms[2].var, inner[p.terms[2].var]}};
      if (auto pred = predicate(only)) c.body.push_back(*pred);
    }
    return c;
  }

  // (or [?e :a1 X] [?e :a2 X] ...): every branch binds ?e and, when X is a variable, X.
  Clause disjunction() {
    const std::string e = bound_entity();
    const Attr& first = rng_.pick(attrs_);
    std::vector<const Attr*> same;
    for (const Attr& a : attrs_)
      if (a.type == first.type) same.push_back(&a);
    const bool with_var = rng_.chance(60);
    std::string x;
    if (with_var) {
      auto existing = bound([&](Kind k) { return k == kind_of(first.type); }, vars_);
      x = !existing.empty() && rng_.chance(40) ? rng_.pick(existing) : fresh();
    }
    Clause c{.kind = Clause::Or};
    const int branches = 2 + rng_.below(2);
    for (int i = 0; i < branches; ++i) {
      const Attr& a = with_var ? *rng_.pick(same) : rng_.pick(attrs_);
      Term v = with_var ? Term::variable(x) : Term::value(constant(a));
      Clause p{.kind = Clause::Pattern, .terms = {Term::variable(e), Term::value(Value::keyword(a.name)), v}};
      if (with_var && a.type == Type::Long && rng_.chance(30)) {
        Clause pred{.kind = Clause::Predicate, .terms = {v, Term::value(Value(static_cast<std::int64_t>(rng_.below(8))))}, .op = "<"};
        c.body.push_back(Clause{.kind = Clause::And, .body = {p, pred}});
      } else {
        c.body.push_back(p);
      }
    }
    // (or (not [?e :a]) [?e :b c] ...): a not inside an or, its entity bound outside.
    if (!with_var && rng_.chance(35)) {
      const Attr& a = rng_.pick(attrs_);
      Clause p{.kind = Clause::Pattern, .terms = {Term::variable(e), Term::value(Value::keyword(a.name)), Term::blank()}};
      c.body.front() = Clause{.kind = Clause::Not, .body = {p}};
    }
    if (with_var) vars_.emplace(x, kind_of(first.type));
    return c;
  }

  // (or-join [?e] [?e :a c] (and [?e :b ?p] [(< ?p c)])): private variables per branch.
  Clause or_join() {
    const std::string e = bound_entity();
    Clause c{.kind = Clause::OrJoin, .join_vars = {e}};
    const int branches = 2 + rng_.below(2);
    for (int i = 0; i < branches; ++i) {
      const Attr& a = rng_.pick(attrs_);
      if (rng_.chance(50)) {
        c.body.push_back(Clause{.kind = Clause::Pattern, .terms = {Term::variable(e), Term::value(Value::keyword(a.name)), Term::value(constant(a))}});
        continue;
      }
      std::map<std::string, Kind> inner{{e, Kind::Entity}};
      Clause p{.kind = Clause::Pattern, .terms = {Term::variable(e), Term::value(Value::keyword(a.name)), Term::variable(fresh("?p"))}};
      inner[p.terms[2].var] = kind_of(a.type);
      std::map<std::string, Kind> only{{p.terms[2].var, kind_of(a.type)}};
      Clause branch{.kind = Clause::And, .body = {p}};
      if (auto pred = predicate(only)) branch.body.push_back(*pred);
      c.body.push_back(branch.body.size() == 1 ? p : branch);
    }
    return c;
  }

  void find(model::Query& q) {
    std::vector<std::string> names;
    for (const auto& [name, kind] : vars_) names.push_back(name);
    std::shuffle(names.begin(), names.end(), std::mt19937(static_cast<unsigned>(rng_.below(1 << 30))));
    if (rng_.chance(25)) {
      // 0-1 grouping variables, then 1-2 aggregates over other variables.
      std::size_t i = 0;
      if (names.size() > 1 && rng_.chance(60)) q.find.push_back({"", names[i++]});
      const std::size_t aggregates = std::min<std::size_t>(names.size() - i, 1 + rng_.below(2));
      for (std::size_t k = 0; k < aggregates; ++k, ++i) {
        const Kind kind = vars_.at(names[i]);
        std::vector<std::string> fns = {"count", "count-distinct"};
        // Mixed longs and doubles: only counts (min, max and sum of them differ in ways the
        // model does not mirror).
        if ((numeric(kind) && kind != Kind::Number) || kind == Kind::Tx) fns.insert(fns.end(), {"min", "max", "sum"});
        if (kind == Kind::String) fns.insert(fns.end(), {"min", "max"});
        q.find.push_back({rng_.pick(fns), names[i]});
      }
      if (!q.find.empty()) return;
    }
    const std::size_t n = std::min<std::size_t>(names.size(), 1 + rng_.below(3));
    for (std::size_t i = 0; i < n; ++i) q.find.push_back({"", names[i]});
  }

  // :in $ [?in ...] with 1-3 lookup refs [:attr value] of a unique attribute, for entities that
  // hold the value; false when no unique attribute holds any.
  bool lookup_input(model::Query& q) {
    std::vector<const Attr*> unique;
    for (const Attr& a : attrs_)
      if (a.unique && present_.contains(a.name) && !present_.at(a.name).empty()) unique.push_back(&a);
    if (unique.empty()) return false;
    const Attr& a = *rng_.pick(unique);
    const int n = 1 + rng_.below(3);
    for (int i = 0; i < n; ++i) {
      Value ref(Vector{{Value::keyword(a.name), rng_.pick(present_.at(a.name))}});
      if (std::find(q.in_values.begin(), q.in_values.end(), ref) == q.in_values.end()) q.in_values.push_back(ref);
    }
    q.in_var = "?in";
    vars_[q.in_var] = Kind::Input;
    return true;
  }

  Value constant(const Attr& a) {
    auto it = present_.find(a.name);
    if (it != present_.end() && !it->second.empty() && rng_.chance(70)) return rng_.pick(it->second);
    return random_value(rng_, a.type);
  }

  Rng& rng_;
  const std::vector<Attr>& attrs_;
  const std::map<std::string, std::vector<Value>>& present_;
  bool history_;
  bool allow_inputs_;
  std::map<std::string, Kind> vars_;
  std::vector<std::pair<std::string, Value>> scalars_;
  int next_ = 0;
};

// Each attribute's values among `facts` (user attributes by name, without the colon).
std::map<std::string, std::vector<Value>> present_values(const std::vector<Fact>& facts) {
  std::map<std::string, std::vector<Value>> out;
  for (const Fact& f : facts) out[f.a.as<Keyword>().qualified()].push_back(f.v);
  return out;
}

// ---- running and comparing ----

struct Tally {
  int queries = 0;
  int checked_against_model = 0;
  int non_empty = 0;  // queries whose answer (by the model) has rows: a measure of checking power
  int mismatches = 0;
};

std::string show(const Result<QueryResult>& r) { return r ? to_edn(r->value) : "#error " + r.error().to_edn(); }

void compare_one(const Scenario& s, std::uint64_t seed, const std::string& view, const Db& mem, const Db& rocks,
                 const Generated& generated, const std::vector<Fact>& facts, Tally& tally) {
  const model::Query& query = generated.query;
  const std::string text = generated.text();
  const Value input(Vector{query.in_values});
  auto inputs = [&](const Db& db) {
    std::vector<QueryInput> in{db};
    if (!query.in_var.empty()) in.emplace_back(input);
    for (const auto& [name, value] : generated.scalars) in.emplace_back(value);
    return in;
  };
  auto a = q(text, inputs(mem));
  auto b = q(text, inputs(rocks));
  // Again on the memory store: this run takes its plan from the plan cache the first one filled.
  auto again = q(text, inputs(mem));
  CHECK_MESSAGE(show(again) == show(a), "a cached plan answered otherwise: " << text);
  ++tally.queries;
  const Value expected = model::Evaluator(facts).result(generated.with_constants());
  ++tally.checked_against_model;
  if (!expected.as<Set>().items.empty()) ++tally.non_empty;
  const bool stores_agree = a.has_value() == b.has_value() && (a ? a->value == b->value : a.error().code == b.error().code);
  const bool model_agrees = a && a->value == expected;
  if (stores_agree && model_agrees) return;
  ++tally.mismatches;
  if (tally.mismatches > 8) return;  // the first few tell the story
  std::string txs;
  for (const auto& tx : s.txs) txs += "  " + tx + "\n";
  const std::string disagree = stores_agree ? "" : " (the stores disagree)";
  std::string scalars;
  for (const auto& [name, value] : generated.scalars) scalars += (scalars.empty() ? "" : " ") + to_edn(value);
  FAIL_CHECK("seed " << seed << ", " << view << disagree << "\nschema "
                     << schema_edn(s.attrs) << "\ntransactions:\n" << txs << "query    " << text
                     << (query.in_var.empty() ? "" : "\ninput    " + to_edn(input))
                     << (scalars.empty() ? "" : "\nscalars  " + scalars)
                     << "\nmodel    " << to_edn(expected) << "\nmemory   " << show(a) << "\nRocksDB  " << show(b));
}

void run_scenario(std::uint64_t seed, Tally& tally) {
  Rng rng(seed);
  TempPath path;
  Scenario s{.attrs = random_schema(rng), .txs = {}, .history = {}, .tx_ids = {},
             .mem = open_db("", true), .rocks = open_db(path.str(), false)};
  {
    auto a = s.mem.declare_schema(schema_edn(s.attrs));
    auto b = s.rocks.declare_schema(schema_edn(s.attrs));
    REQUIRE_MESSAGE(a.has_value(), (a ? "" : a.error().to_edn()));
    REQUIRE_MESSAGE(b.has_value(), (b ? "" : b.error().to_edn()));
    record(s, *a);
  }
  const int txs = 8 + rng.below(10);
  for (int i = 0; i < txs; ++i) {
    std::string tx = "[";
    if (i == 0) {
      // A first transaction that gives most entities a few values (not unique ones: no conflicts).
      std::vector<Attr> plain;
      for (const Attr& a : s.attrs)
        if (!a.unique) plain.push_back(a);
      // One value per entity of a card-one attribute: two would be a conflict (:tx/conflict).
      std::set<std::pair<int, std::string>> card_one;
      for (int k = 0; k < 5 * kEntities; ++k) {
        const Attr& a = rng.pick(plain);
        const int e = 1 + rng.below(kEntities);
        const Value v = random_value(rng, a.type);
        if (!a.many && !card_one.emplace(e, a.name).second) continue;
        tx += "[:db/add " + std::to_string(e) + " :" + a.name + " " + to_edn(v) + "] ";
      }
    }
    const int ops = 1 + rng.below(5);
    for (int k = 0; k < ops; ++k) tx += (k ? " " : "") + random_op(rng, s);
    transact_both(s, tx + "]");
  }

  // The model must hold what the database holds (a check of the harness, not of queries).
  {
    auto all = s.mem.db().datoms(IndexOrder::Eavt);
    REQUIRE(all.has_value());
    std::vector<Fact> stored;
    for (const Datom& d : *all)
      if (d.e.value <= kEntities)
        stored.push_back({Value(static_cast<std::int64_t>(d.e.value)), Value(*s.mem.db().ident(d.a)), long_of(d.v),
                          Value(static_cast<std::int64_t>(d.tx.value)), true});
    std::vector<Fact> modelled;
    for (const Fact& f : current_facts(s.history))
      if (f.e.as<std::int64_t>() <= kEntities) modelled.push_back(f);
    std::sort(stored.begin(), stored.end());
    REQUIRE_MESSAGE(stored == modelled, "seed " << seed << ": the reports do not add up to the database");
  }

  const Db mem = s.mem.db(), rocks = s.rocks.db();
  const std::vector<Fact> now = current_facts(s.history);
  const auto present_now = present_values(now);
  for (int i = 0; i < 24; ++i) {
    QueryGen gen(rng, s.attrs, present_now, false, true);
    compare_one(s, seed, "current db", mem, rocks, gen.make(), now, tally);
  }
  for (int i = 0; i < 6; ++i) {
    const std::int64_t t = rng.pick(s.tx_ids);
    const TxId tx{static_cast<std::uint64_t>(t)};
    const auto present = present_values(current_facts(s.history, t));
    QueryGen gen(rng, s.attrs, present, false);
    const Generated query = gen.make();
    if (i < 4) {
      compare_one(s, seed, "as-of " + std::to_string(t), mem.as_of(tx), rocks.as_of(tx), query, current_facts(s.history, t), tally);
    } else {
      std::vector<Fact> since;
      for (const Fact& f : now)
        if (f.tx.as<std::int64_t>() > t) since.push_back(f);
      compare_one(s, seed, "since " + std::to_string(t), mem.since(tx), rocks.since(tx), query, since, tally);
    }
  }
  const auto present_ever = present_values(s.history);
  for (int i = 0; i < 4; ++i) {
    QueryGen gen(rng, s.attrs, present_ever, true);
    compare_one(s, seed, "history", mem.history(), rocks.history(), gen.make(), s.history, tally);
  }
}

TEST_CASE("random queries agree between the stores and with a nested-loop model") {
  const std::uint64_t seed = seed_from_env(kDefaultSeed);
  std::printf("query_differential_test: seed %llu (set QUARRY_SEED to change)\n", static_cast<unsigned long long>(seed));
  Tally tally;
  for (int i = 0; i < kScenarios; ++i) run_scenario(seed + static_cast<std::uint64_t>(i), tally);
  std::printf("query_differential_test: %d queries on both stores, %d checked against the model (%d with rows), "
              "%d mismatches\n", tally.queries, tally.checked_against_model, tally.non_empty, tally.mismatches);
  CHECK(tally.mismatches == 0);
}

}  // namespace
}  // namespace quarry::testing
