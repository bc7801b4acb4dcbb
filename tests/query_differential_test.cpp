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
// About 20% call 1-2 non-recursive rules (a `%` input, 1-2 bodies each: a pattern, range predicates
// on its value, sometimes a not or a call of the other rule), half of them with an entity
// collection input (:in $ % [?e ...]) called at once: a body planned once from estimates meets a
// few bound entities and reads its pattern by lookups. The model runs a call as the or-join of the
// rule's bodies, their private variables renamed fresh.
//
// A failure prints the seed, the transactions, the query, the model's result and Quarry's.
#include <doctest/doctest.h>

#include <quarry/quarry.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
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

#include "support/edn_value.hpp"
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

// An untyped attribute only rule bodies read, held by most of entities 1-10 and by kBulkEntities
// more (11, 12, ...): enough datoms that a rule body planned for 100 bound rows as a range scan of
// it ([?x :bulk ?p] [(> ?p 1.3)]) is read by lookups when the call brings one or a few entities.
constexpr int kBulkEntities = 60;
const Attr kBulk{"bulk", Type::Number, false, false};

// The attributes the schema declares: the generated ones and kBulk.
std::vector<Attr> declared(std::vector<Attr> attrs) {
  attrs.push_back(kBulk);
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

// A generated query, its scalar inputs and its rules. The model's query (`query`) has each rule
// call expanded into the or-join of the rule's bodies; `calls` holds the text Quarry is given in
// their place (by index in query.where).
struct Generated {
  model::Query query;
  std::vector<std::pair<std::string, Value>> scalars;
  std::string rules;                           // the rule set, `%` (empty: none)
  std::map<std::size_t, std::string> calls;    // where index -> "(r0 ?e1 ?v2)" or "(not (r0 ...))"

  // As Quarry is given it: `:in $ % [?in ...] ?b0 ?b1`, rule calls in place of their expansions
  // (the model's text has no rules and no scalar inputs).
  [[nodiscard]] std::string text() const {
    std::string s = "[:find";
    for (const auto& f : query.find) s += " " + f.edn();
    std::string in;
    if (!rules.empty()) in += " %";
    if (!query.in_var.empty()) in += " [" + query.in_var + " ...]";
    for (const auto& [name, value] : scalars) in += " " + name;
    if (!in.empty()) s += " :in $" + in;
    s += " :where";
    for (std::size_t i = 0; i < query.where.size(); ++i) {
      auto it = calls.find(i);
      s += " " + (it != calls.end() ? it->second : query.where[i].edn());
    }
    return s + "]";
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

// A non-recursive rule as generated: its head variables (an entity, then sometimes a value of
// `value_type`) and its bodies, each as Quarry is given it (clause texts, in an order Quarry
// plans itself) and as the model runs it (clauses that bind a variable before those that test
// it; a call of another rule already expanded, its private variables named in this rule's scope).
struct Rule {
  std::string name;
  std::vector<std::string> params;
  Type value_type = Type::Long;
  std::vector<std::string> entity_attrs;  // the attributes its bodies read of the head's entity
  struct Body {
    std::vector<std::string> quarry;
    std::vector<Clause> model;
  };
  std::vector<Body> bodies;

  [[nodiscard]] std::string edn() const {
    std::string head = "(" + name;
    for (const auto& p : params) head += " " + p;
    head += ")";
    std::string s;
    for (const Body& b : bodies) {
      s += (s.empty() ? "[" : " [") + head;
      for (const auto& c : b.quarry) s += " " + c;
      s += "]";
    }
    return s;
  }
};

class QueryGen {
 public:
  // `present`: the values each attribute holds (by name), from which constants are mostly drawn
  // so that queries select something; `holders`: the entities that hold each attribute, from
  // which the entity inputs of rule calls are mostly drawn.
  // allow_inputs: some queries take lookup refs as a collection input (current databases only).
  QueryGen(Rng& rng, const std::vector<Attr>& attrs, const std::map<std::string, std::vector<Value>>& present,
           const std::map<std::string, std::vector<Value>>& holders, bool history, bool allow_inputs = false)
      : rng_(rng), attrs_(attrs), present_(present), holders_(holders), history_(history), allow_inputs_(allow_inputs) {}

  Generated make() {
    model::Query q;
    // About 20% of the queries call rules: 1-2 rules of 1-2 bodies each, passed as `%`. Half of
    // them take :in $ % [?e ...] with 1-3 entity ids, mostly called at once with ?e as the entity:
    // a body planned once from estimates (a range scan of its pattern) meets a few bound
    // entities, and reads the pattern by lookups. Most of those calls have the bug's shape (r0's
    // first body [?x :bulk ?v] [(op ?v B)]).
    bool started = false;
    if (rng_.chance(20)) {
      const bool input = rng_.chance(50);
      const bool call_first = rng_.chance(input ? 80 : 30);
      const bool shaped = input && call_first && rng_.chance(70);
      make_rules(shaped);
      const Rule& r = shaped ? rules_[0] : rng_.pick(rules_);
      if (input) entity_input(q, r);
      if (call_first) {
        call(q, r, true);
        started = true;
      }
    }
    // Queries calling rules have fewer other clauses (so more of them have answers).
    const int patterns = 1 + rng_.below(rules_.empty() ? 4 : 2);
    if (!started) {
      const bool input = !q.in_var.empty() || (allow_inputs_ && rng_.chance(20) && lookup_input(q));
      if (!input && rng_.chance(30)) {
        range_scan(q);
      } else {
        q.where.push_back(pattern(input));
      }
    }
    int made = 1;
    int extras = rng_.below(rules_.empty() ? 4 : 3);
    while (made < patterns || extras > 0) {
      const int roll = rng_.below(100);
      if (made < patterns && (roll < 50 || extras == 0)) {
        q.where.push_back(pattern(true));
        ++made;
        continue;
      }
      --extras;
      if (!rules_.empty() && calls_.size() < 2 && rng_.chance(35)) {
        call(q, rng_.pick(rules_), false);
        continue;
      }
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
    if (!rules_.empty() && calls_.empty()) call(q, rng_.pick(rules_), false);
    find(q);
    std::string rules;
    for (const Rule& r : rules_) rules += (rules.empty() ? "" : " ") + r.edn();
    if (!rules.empty()) rules = "[" + rules + "]";
    return {std::move(q), std::move(scalars_), std::move(rules), std::move(calls_)};
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

  // ---- rules ----

  std::vector<const Attr*> attrs_where(std::function<bool(const Attr&)> fits) const {
    std::vector<const Attr*> out;
    for (const Attr& a : attrs_)
      if (fits(a)) out.push_back(&a);
    return out;
  }

  // [(op ?v B)]: op mostly one of < <= > >= (`side`: B a lower bound, 1, an upper one, -1, or
  // either, 0), B a value the attribute holds or a comparand (for numbers a long, a value of
  // kNumbers or a bound with a fraction), on either side.
  Clause range_predicate(const std::string& v, const Attr& a, int side = 0) {
    static const std::vector<std::string> lower = {">", ">="}, upper = {"<", "<="}, others = {"=", "not="};
    const Term bound = rng_.chance(50) ? Term::value(constant(a)) : comparand(kind_of(a.type), false);
    if (side == 0) side = rng_.chance(85) ? (rng_.chance(50) ? 1 : -1) : 0;
    Clause c{.kind = Clause::Predicate, .terms = {Term::variable(v), bound},
             .op = side > 0 ? rng_.pick(lower) : side < 0 ? rng_.pick(upper) : rng_.pick(others)};
    if (rng_.chance(40)) {
      std::swap(c.terms[0], c.terms[1]);
      if (c.op[0] == '<') c.op[0] = '>';
      else if (c.op[0] == '>') c.op[0] = '<';
    }
    return c;
  }

  // 1-2 rules; the second one's bodies may call the first.
  // `shaped`: r0's first body is [?x :bulk ?v] with 1-2 range predicates on ?v.
  void make_rules(bool shaped) {
    const int n = rng_.chance(35) ? 2 : 1;
    for (int i = 0; i < n; ++i) {
      Rule r;
      r.name = "r" + std::to_string(i);
      // Head variables named like the query's now and then: a rule's variables are its own.
      r.params = rng_.chance(30) ? std::vector<std::string>{"?v1", "?v0"} : std::vector<std::string>{"?x", "?y"};
      if (rng_.chance(35)) r.params.resize(1);
      auto numbers = attrs_where([](const Attr& a) { return a.type == Type::Number; });
      r.value_type = shaped && i == 0 ? Type::Number : (rng_.chance(50) ? *rng_.pick(numbers) : rng_.pick(attrs_)).type;
      const int bodies = rng_.chance(50) ? 1 : 2;
      for (int b = 0; b < bodies; ++b) {
        r.bodies.push_back(rule_body(r, i, shaped && i == 0 && b == 0));
        r.entity_attrs.push_back(r.bodies.back().model.front().terms[1].constant.as<Keyword>().qualified());
      }
      rules_.push_back(std::move(r));
    }
  }

  // One body of rule r (the index-th): a pattern binding the head's variables ([?x :a ?y], or
  // [?x :ref ?p] [?p :a ?y]; [?x :a ?p] for a one-variable head), 0-2 range predicates on the value
  // variable (the shape an index read applies itself), sometimes a not, and in the second rule
  // sometimes a call of the first on the same entity.
  Rule::Body rule_body(const Rule& r, int index, bool shaped) {
    const std::string& x = r.params[0];
    const bool binary = r.params.size() > 1;
    int next = 0;
    auto private_var = [&] {
      const int i = next++;
      return rng_.chance(30) ? "?v" + std::to_string(2 + i) : "?p" + std::to_string(i);
    };
    auto pat = [](const std::string& e, const Attr& a, Term v) {
      return Clause{.kind = Clause::Pattern, .terms = {Term::variable(e), Term::value(Value::keyword(a.name)), std::move(v)}};
    };
    std::vector<Clause> binders, tests;
    std::vector<std::pair<std::string, Clause>> calls;  // Quarry's text, the model's expansion
    std::string value;
    const Attr* value_attr = nullptr;
    // :bulk for about 40% of the untyped values: many datoms, few of them the call's.
    if (binary) {
      const bool bulk = shaped || (r.value_type == Type::Number && rng_.chance(40));
      const Attr& a = bulk ? kBulk : *rng_.pick(attrs_where([&](const Attr& at) { return at.type == r.value_type; }));
      value = r.params[1];
      if (!shaped && rng_.chance(25)) {
        const std::string p = private_var();
        binders.push_back(pat(x, *rng_.pick(attrs_where([](const Attr& at) { return at.type == Type::Ref; })), Term::variable(p)));
        binders.push_back(pat(p, a, Term::variable(value)));
      } else {
        binders.push_back(pat(x, a, Term::variable(value)));
      }
      value_attr = &a;
    } else {
      auto numbers = attrs_where([](const Attr& at) { return at.type == Type::Number; });
      const int roll = rng_.below(100);
      const Attr& a = shaped || roll < 40 ? kBulk : roll < 70 ? *rng_.pick(numbers) : rng_.pick(attrs_);
      value = private_var();
      binders.push_back(pat(x, a, Term::variable(value)));
      value_attr = &a;
    }
    const int roll = rng_.below(100);
    const int n = roll < (shaped ? 0 : 20) ? 0 : roll < 75 ? 1 : 2;
    if (n == 1) tests.push_back(range_predicate(value, *value_attr, shaped ? (rng_.chance(50) ? 1 : -1) : 0));
    if (n == 2) {  // a two-sided range
      const int side = rng_.chance(50) ? 1 : -1;
      tests.push_back(range_predicate(value, *value_attr, side));
      tests.push_back(range_predicate(value, *value_attr, -side));
    }
    if (rng_.chance(20)) {  // (not [?x :b c]), (not [?x :b _]): b not the attribute bound above
      const Attr& b = rng_.pick(attrs_);
      const std::string& first = binders.front().terms[1].constant.as<Keyword>().qualified();
      if (b.name != first)
        tests.push_back(Clause{.kind = Clause::Not, .body = {pat(x, b, rng_.chance(50) ? Term::value(constant(b)) : Term::blank())}});
    }
    if (index > 0 && rng_.chance(40)) {
      const Rule& callee = rules_[0];
      std::vector<Term> args{Term::variable(x)};
      if (callee.params.size() > 1)
        args.push_back(Term::variable(binary && callee.value_type == r.value_type && rng_.chance(40) ? r.params[1] : private_var()));
      calls.emplace_back(call_text(callee, args), expand(callee, args));
    }
    Rule::Body body;
    for (const Clause& c : binders) body.model.push_back(c);
    for (const auto& [text, c] : calls) body.model.push_back(c);
    for (const Clause& c : tests) body.model.push_back(c);
    for (const Clause& c : binders) body.quarry.push_back(c.edn());
    for (const auto& [text, c] : calls) body.quarry.push_back(text);
    for (const Clause& c : tests) body.quarry.push_back(c.edn());
    // Quarry orders a body's clauses itself: sometimes a predicate comes before its pattern.
    if (rng_.chance(30)) std::shuffle(body.quarry.begin(), body.quarry.end(), std::mt19937(static_cast<unsigned>(rng_.below(1 << 30))));
    return body;
  }

  static std::string call_text(const Rule& r, const std::vector<Term>& args) {
    std::string s = "(" + r.name;
    for (const Term& t : args) s += " " + t.edn();
    return s + ")";
  }

  // What the model runs for (r args...): the or-join of r's bodies on the call's variables, the
  // head's variables replaced by the arguments and every other variable fresh (so no body's
  // private variable meets one of the query's, or of another call's).
  Clause expand(const Rule& r, const std::vector<Term>& args) {
    Clause c{.kind = Clause::OrJoin};
    for (const Term& t : args)
      if (t.kind == Term::Var && std::find(c.join_vars.begin(), c.join_vars.end(), t.var) == c.join_vars.end())
        c.join_vars.push_back(t.var);
    for (const Rule::Body& b : r.bodies) {
      std::map<std::string, Term> names;
      for (std::size_t i = 0; i < args.size(); ++i) names.emplace(r.params[i], args[i]);
      Clause branch{.kind = Clause::And};
      for (const Clause& k : b.model) branch.body.push_back(rename(k, names));
      c.body.push_back(std::move(branch));
    }
    return c;
  }

  Clause rename(Clause c, std::map<std::string, Term>& names) {
    auto term = [&](Term t) {
      if (t.kind != Term::Var) return t;
      auto it = names.find(t.var);
      if (it == names.end()) it = names.emplace(t.var, Term::variable(fresh("?r"))).first;
      return it->second;
    };
    for (Term& t : c.terms) t = term(t);
    std::vector<std::string> join;
    for (const std::string& v : c.join_vars) {
      const Term t = term(Term::variable(v));
      if (t.kind == Term::Var) join.push_back(t.var);  // a constant argument joins nothing
    }
    c.join_vars = std::move(join);
    for (Clause& k : c.body) k = rename(std::move(k), names);
    return c;
  }

  // :in $ % [?e ...] with 1-3 entity ids (mostly one: a few probes beat the scan the body's plan
  // chose for 100 estimated rows), mostly entities that hold an attribute r reads of its entity,
  // and mostly of 1-10 (the entities past them hold :bulk only, so the query's other clauses
  // would drop them).
  void entity_input(model::Query& q, const Rule& r) {
    q.in_var = fresh("?e");
    vars_[q.in_var] = Kind::Entity;
    const int n = rng_.chance(60) ? 1 : 2 + rng_.below(2);
    for (int i = 0; i < n; ++i) {
      std::vector<Value> from;
      if (auto it = holders_.find(rng_.pick(r.entity_attrs)); it != holders_.end() && rng_.chance(85)) {
        const bool any = rng_.chance(15);
        for (const Value& e : it->second)
          if (any || e.as<std::int64_t>() <= kEntities) from.push_back(e);
      }
      const Value id = !from.empty() ? rng_.pick(from) : Value(static_cast<std::int64_t>(1 + rng_.below(kEntities)));
      if (std::find(q.in_values.begin(), q.in_values.end(), id) == q.in_values.end()) q.in_values.push_back(id);
    }
  }

  // A call of r: its entity argument the collection input (`first`, when there is one), an entity
  // bound before, a constant or a fresh variable; its value argument a variable of its kind bound
  // before, a constant or a fresh one (never both arguments constants, never one variable twice).
  // Now and then inside a not, its fresh arguments local to it.
  void call(model::Query& q, const Rule& r, bool first) {
    std::vector<Term> args;
    std::vector<std::pair<std::string, Kind>> fresh_vars;
    auto entities = bound([](Kind k) { return k == Kind::Entity; }, vars_);
    auto fresh_arg = [&](const char* prefix, Kind k) {
      std::string v = fresh(prefix);
      fresh_vars.emplace_back(v, k);
      return Term::variable(std::move(v));
    };
    if (first && !q.in_var.empty()) {
      args.push_back(Term::variable(q.in_var));
    } else if (!entities.empty() && rng_.chance(65)) {
      args.push_back(Term::variable(rng_.pick(entities)));
    } else if (!first && !entities.empty() && rng_.chance(15)) {
      args.push_back(Term::value(Value(static_cast<std::int64_t>(1 + rng_.below(kEntities)))));
    } else {
      args.push_back(fresh_arg("?e", Kind::Entity));
    }
    if (r.params.size() > 1) {
      const Kind k = kind_of(r.value_type);
      auto same = bound([&](Kind x) { return x == k; }, vars_);
      std::erase(same, args[0].var);
      const int roll = first && !q.in_var.empty() ? 100 : rng_.below(100);  // with the input: fresh
      if (!same.empty() && roll < 30) {
        args.push_back(Term::variable(rng_.pick(same)));
      } else if (roll < 36 && args[0].kind == Term::Var) {
        args.push_back(Term::value(constant(*rng_.pick(attrs_where([&](const Attr& a) { return a.type == r.value_type; })))));
      } else {
        args.push_back(fresh_arg("?v", k));
      }
    }
    std::string text = call_text(r, args);
    Clause c = expand(r, args);
    const bool entity_bound = args[0].kind == Term::Var && vars_.contains(args[0].var);
    if (!first && entity_bound && rng_.chance(12)) {
      calls_[q.where.size()] = "(not " + text + ")";
      q.where.push_back(Clause{.kind = Clause::Not, .body = {std::move(c)}});
      return;
    }
    calls_[q.where.size()] = std::move(text);
    q.where.push_back(std::move(c));
    for (auto& [v, k] : fresh_vars) vars_.emplace(v, k);
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
  const std::map<std::string, std::vector<Value>>& holders_;
  bool history_;
  bool allow_inputs_;
  std::map<std::string, Kind> vars_;
  std::vector<std::pair<std::string, Value>> scalars_;
  std::vector<Rule> rules_;
  std::map<std::size_t, std::string> calls_;  // Quarry's text of the rule calls, by where index
  int next_ = 0;
};

// Each attribute's values among `facts` (user attributes by name, without the colon).
std::map<std::string, std::vector<Value>> present_values(const std::vector<Fact>& facts) {
  std::map<std::string, std::vector<Value>> out;
  for (const Fact& f : facts) out[f.a.as<Keyword>().qualified()].push_back(f.v);
  return out;
}

// The entities holding each attribute among `facts`.
std::map<std::string, std::vector<Value>> holders(const std::vector<Fact>& facts) {
  std::map<std::string, std::vector<Value>> out;
  for (const Fact& f : facts) {
    auto& es = out[f.a.as<Keyword>().qualified()];
    if (std::find(es.begin(), es.end(), f.e) == es.end()) es.push_back(f.e);
  }
  return out;
}

// ---- running and comparing ----

struct Tally {
  int queries = 0;
  int checked_against_model = 0;
  int non_empty = 0;  // queries whose answer (by the model) has rows: a measure of checking power
  int with_rules = 0, with_rules_non_empty = 0;
  int mismatches = 0;
};

std::string show(const Result<QueryResult>& r) { return r ? to_edn(r->value) : "#error " + r.error().to_edn(); }

void compare_one(const Scenario& s, std::uint64_t seed, const std::string& view, const Db& mem, const Db& rocks,
                 const Generated& generated, const std::vector<Fact>& facts, Tally& tally) {
  const model::Query& query = generated.query;
  const std::string text = generated.text();
  const Value input(Vector{query.in_values});
  const Value rules = generated.rules.empty() ? Value() : edn(generated.rules);
  auto inputs = [&](const Db& db) {
    std::vector<QueryInput> in{db};
    if (!generated.rules.empty()) in.emplace_back(rules);
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
  if (!generated.rules.empty()) {
    ++tally.with_rules;
    if (!expected.as<Set>().items.empty()) ++tally.with_rules_non_empty;
  }
  // QUARRY_DIFF_SHOW=1: every query (and its input, rules and the model's answer), to see what
  // the generator makes.
  if (std::getenv("QUARRY_DIFF_SHOW"))
    std::printf("%s: %s %s\n  %s\n  %s\n", view.c_str(), text.c_str(), to_edn(input).c_str(), generated.rules.c_str(), to_edn(expected).c_str());
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
                     << schema_edn(declared(s.attrs)) << "\ntransactions:\n" << txs << "query    " << text
                     << (generated.rules.empty() ? "" : "\nrules    " + generated.rules)
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
    auto a = s.mem.declare_schema(schema_edn(declared(s.attrs)));
    auto b = s.rocks.declare_schema(schema_edn(declared(s.attrs)));
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
      for (int e = 1; e <= kEntities + kBulkEntities; ++e)
        if (e > kEntities || rng.chance(70))
          tx += "[:db/add " + std::to_string(e) + " :" + kBulk.name + " " + to_edn(random_value(rng, kBulk.type)) + "] ";
    }
    // Not in the first: a random add of a card-one attribute would conflict with its dense adds
    // (:tx/conflict) and the whole first transaction be refused.
    const int ops = i == 0 ? 0 : 1 + rng.below(5);
    for (int k = 0; k < ops; ++k) tx += (k ? " " : "") + random_op(rng, s);
    transact_both(s, tx + "]");
  }

  // The model must hold what the database holds (a check of the harness, not of queries).
  {
    auto all = s.mem.db().datoms(IndexOrder::Eavt);
    REQUIRE(all.has_value());
    std::vector<Fact> stored;
    for (const Datom& d : *all)
      if (d.e.value <= kEntities + kBulkEntities)
        stored.push_back({Value(static_cast<std::int64_t>(d.e.value)), Value(*s.mem.db().ident(d.a)), long_of(d.v),
                          Value(static_cast<std::int64_t>(d.tx.value)), true});
    std::vector<Fact> modelled;
    for (const Fact& f : current_facts(s.history))
      if (f.e.as<std::int64_t>() <= kEntities + kBulkEntities) modelled.push_back(f);
    std::sort(stored.begin(), stored.end());
    REQUIRE_MESSAGE(stored == modelled, "seed " << seed << ": the reports do not add up to the database");
  }

  const Db mem = s.mem.db(), rocks = s.rocks.db();
  const std::vector<Fact> now = current_facts(s.history);
  const auto present_now = present_values(now);
  const auto holders_now = holders(now);
  for (int i = 0; i < 24; ++i) {
    QueryGen gen(rng, s.attrs, present_now, holders_now, false, true);
    compare_one(s, seed, "current db", mem, rocks, gen.make(), now, tally);
  }
  for (int i = 0; i < 6; ++i) {
    const std::int64_t t = rng.pick(s.tx_ids);
    const TxId tx{static_cast<std::uint64_t>(t)};
    const std::vector<Fact> then = current_facts(s.history, t);
    const auto present = present_values(then);
    const auto holders_then = holders(then);
    QueryGen gen(rng, s.attrs, present, holders_then, false);
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
  const auto holders_ever = holders(s.history);
  for (int i = 0; i < 4; ++i) {
    QueryGen gen(rng, s.attrs, present_ever, holders_ever, true);
    compare_one(s, seed, "history", mem.history(), rocks.history(), gen.make(), s.history, tally);
  }
}

TEST_CASE("random queries agree between the stores and with a nested-loop model") {
  const std::uint64_t seed = seed_from_env(kDefaultSeed);
  std::printf("query_differential_test: seed %llu (set QUARRY_SEED to change)\n", static_cast<unsigned long long>(seed));
  Tally tally;
  for (int i = 0; i < kScenarios; ++i) run_scenario(seed + static_cast<std::uint64_t>(i), tally);
  std::printf("query_differential_test: %d queries on both stores, %d checked against the model (%d with rows; "
              "%d call rules, %d of them with rows), %d mismatches\n", tally.queries, tally.checked_against_model,
              tally.non_empty, tally.with_rules, tally.with_rules_non_empty, tally.mismatches);
  CHECK(tally.mismatches == 0);
}

}  // namespace
}  // namespace quarry::testing
