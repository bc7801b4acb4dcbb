// Values nested far deeper than any stack allows recursion for: built, printed and destroyed
// without a crash (the printer walks with an explicit stack; ~Value() and copies recurse for the
// first 256 levels and continue with one below them), and the same through the public API and the `quarry` command for a 50,000-long chain
// of component entities, whose entity map and recursive pull nest one map per link.
#include <doctest/doctest.h>

#include <quarry/quarry.hpp>

#include <pthread.h>

#include <functional>
#include <string>

#include "support/quarry_command.hpp"

namespace {

using quarry::Value;

constexpr int kDeep = 100'000;
constexpr int kChain = 50'000;

std::size_t count(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// Each level wraps the previous one with `wrap`.
template <class Wrap>
Value nest(int depth, Wrap wrap) {
  Value v = 1;
  for (int i = 0; i < depth; ++i) v = wrap(std::move(v));
  return v;
}

Value in_vector(Value v) {
  std::vector<Value> items;
  items.push_back(std::move(v));
  items.push_back(2);
  return Value(quarry::Vector{std::move(items)});
}

Value in_map(Value v) {
  quarry::Map m;
  m.entries.emplace_back(Value::keyword("k"), std::move(v));
  return Value(std::move(m));
}

Value in_list_and_set(Value v) {
  std::vector<Value> items;
  items.push_back(std::move(v));
  quarry::Set s;
  s.items.push_back(Value(quarry::List{std::move(items)}));
  return Value(std::move(s));
}

// Runs `work` on a thread whose stack is `bytes` long: a recursion once per level of a 100,000-deep
// value would overflow it many times over, so finishing shows the stack use is bounded.
bool run_on_small_stack(std::size_t bytes, std::function<void()> work) {
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return false;
  const bool sized = pthread_attr_setstacksize(&attr, bytes) == 0;
  pthread_t thread;
  auto body = [](void* arg) -> void* {
    (*static_cast<std::function<void()>*>(arg))();
    return nullptr;
  };
  const bool started = sized && pthread_create(&thread, &attr, body, &work) == 0;
  pthread_attr_destroy(&attr);
  return started && pthread_join(thread, nullptr) == 0;
}

std::string chain_tx() {
  std::string tx = "[";
  for (int i = 1; i <= kChain; ++i) {
    tx += "[:db/add " + std::to_string(i) + " :name \"n" + std::to_string(i) + "\"]";
    if (i < kChain) tx += "[:db/add " + std::to_string(i) + " :next " + std::to_string(i + 1) + "]";
  }
  return tx + "]";
}

}  // namespace

TEST_CASE("a vector nested 100,000 deep prints and is destroyed without recursion") {
  std::string text;
  {
    Value v = nest(kDeep, in_vector);
    text = quarry::to_edn(v);
  }
  CHECK(text.size() == 1 + 4 * std::size_t{kDeep});  // "1", then "[" and " 2]" per level
  CHECK(text.starts_with(std::string(kDeep, '[') + "1 2]"));
  CHECK(text.ends_with(" 2] 2]"));
}

TEST_CASE("maps, lists and sets nested 100,000 deep print and are destroyed") {
  std::string maps = quarry::to_edn(nest(kDeep, in_map));
  CHECK(count(maps, "{:k ") == kDeep);
  CHECK(maps.ends_with("1" + std::string(kDeep, '}')));
  std::string mixed = quarry::to_edn(nest(kDeep, in_list_and_set));
  CHECK(count(mixed, "#{(") == kDeep);
  CHECK(mixed.ends_with(")}"));
}

TEST_CASE("moving and reassigning deep values frees them without recursion") {
  Value a = nest(kDeep, in_vector);
  Value b = std::move(a);
  b = nest(kDeep, in_map);  // the old deep vector is destroyed by the assignment
  std::vector<Value> many;
  many.push_back(std::move(b));
  many.push_back(nest(kDeep, in_list_and_set));
  many.clear();
  CHECK(many.empty());
}

TEST_CASE("deep values are copied and freed on a 1 MiB thread stack: recursion stops after a bounded depth") {
  // ~Value() and copies recurse for the first levels and use an explicit stack below them.
  int equal_copies = 0;
  const bool ran = run_on_small_stack(std::size_t{1} << 20, [&] {
    for (auto wrap : {in_vector, in_map, in_list_and_set}) {
      Value v = nest(kDeep, wrap);
      Value copy = v;
      v = Value();
      equal_copies += quarry::compare(copy, nest(kDeep, wrap)) == 0 ? 1 : 0;
    }
    // Many branches, each crossing from recursion to the explicit stack on the way down.
    std::vector<Value> branches;
    for (int i = 0; i < 300; ++i) branches.push_back(nest(1'000, i % 2 ? in_map : in_vector));
    Value wide = nest(200, [&](Value inner) {
      std::vector<Value> items{std::move(inner)};
      return Value(quarry::Vector{std::move(items)});
    });
    wide = Value(quarry::Vector{{std::move(wide), Value(quarry::Vector{std::move(branches)})}});
    const Value wide_copy = wide;
    wide = Value();
  });
  CHECK(ran);
  CHECK(equal_copies == 3);
}

TEST_CASE("values nested 100,000 deep compare and hash without recursion") {
  for (auto wrap : {in_vector, in_map, in_list_and_set}) {
    const Value a = nest(kDeep, wrap);
    const Value b = nest(kDeep, wrap);
    CHECK(quarry::compare(a, b) == 0);
    CHECK(quarry::hash_value(a) == quarry::hash_value(b));
    Value deeper = 2;  // b with its innermost 1 replaced by 2
    for (int i = 0; i < kDeep; ++i) deeper = wrap(std::move(deeper));
    CHECK(quarry::compare(a, deeper) < 0);
    CHECK(quarry::compare(deeper, a) > 0);
    CHECK(quarry::hash_value(a) != quarry::hash_value(deeper));
    const Value shorter = nest(kDeep - 1, wrap);
    CHECK(quarry::compare(shorter, a) != 0);
    CHECK(quarry::compare(shorter, a) == -quarry::compare(a, shorter));
  }
}

TEST_CASE("values nested 100,000 deep copy and copy-assign without recursion, equal to the original") {
  for (auto wrap : {in_vector, in_map, in_list_and_set}) {
    const Value original = nest(kDeep, wrap);
    const Value copy = original;  // NOLINT(performance-unnecessary-copy-initialization): the copy is the test
    CHECK(quarry::compare(copy, original) == 0);
    CHECK(quarry::hash_value(copy) == quarry::hash_value(original));
    Value assigned = 7;
    assigned = original;
    CHECK(quarry::compare(assigned, original) == 0);
    assigned = assigned;  // self-assignment keeps the value
    CHECK(quarry::compare(assigned, original) == 0);
    // A copy of a part of itself: the inner value is copied before the outer one is released.
    auto inner = [](const Value& v) -> const Value* {
      if (const auto* vec = v.get_if<quarry::Vector>()) return &vec->items.front();
      if (const auto* m = v.get_if<quarry::Map>()) return &m->entries.front().second;
      return &v.as<quarry::Set>().items.front();
    };
    Value part = original;
    part = *inner(part);
    const Value fresh = nest(kDeep, wrap);
    CHECK(quarry::compare(part, *inner(fresh)) == 0);
  }
  Value holder = Value(quarry::Vector{{42, "a string longer than the small-string buffer"}});
  holder = holder.as<quarry::Vector>().items[0];  // a scalar part of the value assigned to it
  CHECK(quarry::to_edn(holder) == "42");
  holder = Value(quarry::Vector{{42, "a string longer than the small-string buffer"}});
  holder = holder.as<quarry::Vector>().items[1];
  CHECK(quarry::to_edn(holder) == "\"a string longer than the small-string buffer\"");
  const Value flat = Value(quarry::Vector{{1, "two", Value::keyword("three")}});
  const Value flat_copy = flat;  // NOLINT(performance-unnecessary-copy-initialization)
  CHECK(quarry::to_edn(flat_copy) == "[1 \"two\" :three]");
}

TEST_CASE("a 50,000-long component chain: entity and recursive pull through the API") {
  auto db = quarry::Database::open(quarry::Options{.in_memory = true});
  REQUIRE(db.has_value());
  REQUIRE(db->declare_schema("{:next {:db/valueType :db.type/ref :db/isComponent true}}").has_value());
  auto r = db->transact(chain_tx());
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().to_edn()));
  quarry::Db now = db->db();

  auto entity = now.entity(Value(1));
  REQUIRE(entity.has_value());
  std::string text = quarry::to_edn(*entity);
  CHECK(count(text, ":db/id") == kChain);
  CHECK(text.starts_with("{:name \"n1\", :next {:name \"n2\", :next {:name \"n3\""));

  auto pulled = now.pull("[:name {:next ...}]", Value(1));
  REQUIRE(pulled.has_value());
  std::string pulled_text = quarry::to_edn(*pulled);
  CHECK(count(pulled_text, ":name") == kChain);
  CHECK(pulled_text.ends_with("{:name \"n50000\"}" + std::string(kChain - 1, '}')));

  auto star = now.pull("[*]", Value(1));
  REQUIRE(star.has_value());
  CHECK(count(quarry::to_edn(*star), ":db/id") == kChain);

  // Two pulled chains in one result set: hashed and compared to deduplicate and order the rows.
  auto rows = quarry::q(R"([:find (pull ?e [:db/id {:next ...}]) :where [?e :name ?n] [(contains? #{"n1" "n2"} ?n)]])",
                        {now});
  REQUIRE_MESSAGE(rows.has_value(), (rows ? "" : rows.error().to_edn()));
  CHECK(count(quarry::to_edn(rows->value), ":db/id") == 2 * kChain - 1);
}

TEST_CASE("the quarry command prints (entity $ 1) and a recursive pull of the chain") {
  std::string script = "(schema! {:next {:db/valueType :db.type/ref :db/isComponent true}})\n";
  script += "(transact! " + chain_tx() + ")\n";
  script += "(entity $ 1)\n(pull $ [:name {:next ...}] 1)\n";
  auto run = quarry::testing::run_quarry({"--mem"}, script);
  CHECK(run.status == 0);
  auto lines = quarry::testing::lines_of(run.out);
  REQUIRE(lines.size() == 4);
  CHECK(count(lines[2], ":db/id") == kChain);
  CHECK(count(lines[3], ":name") == kChain);
}
