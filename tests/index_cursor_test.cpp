// DatomCursor's moves and encoded components on both stores: probes with runs, re-seeks in both
// directions, reverse scans of current, as-of and history views, and bad prefixes. (Random moves
// against the interval model: index_model_test.cpp.)
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "codec/value_codec.hpp"
#include "support/index_stores.hpp"
#include "support/index_tx.hpp"

using namespace quarry;
using namespace quarry::testing;
using index::Db;
using index::ValueType;

#define STORES MemoryStoreKind, RocksStoreKind

namespace {

struct People {
  AttrId name, age, friend_;
  TxId t1, t2;
};

// t1: people 1..6 with :name and :age, 2 and 4 with a :friend; t2: 3's age 33 -> 34.
People load(IndexTx& t) {
  People p;
  p.name = t.define("name", {.type = ValueType::String});
  p.age = t.define("age", {.type = ValueType::Long});
  p.friend_ = t.define("friend", {.type = ValueType::Ref, .many = true});
  std::vector<Datom> ds;
  const char* names[] = {"Ann", "Bob", "Cy", "Di", "Ed", "Flo"};
  for (std::uint64_t e = 1; e <= 6; ++e) {
    ds.push_back(add(e, p.name, names[e - 1]));
    ds.push_back(add(e, p.age, static_cast<std::int64_t>(30 + e)));
  }
  ds.push_back(add(2, p.friend_, ref(1)));
  ds.push_back(add(4, p.friend_, ref(1)));
  p.t1 = t.commit(ds).basis();
  p.t2 = t.commit({retract(3, p.age, 33), add(3, p.age, 34)}).basis();
  return p;
}

std::vector<Datom> forward(index::DatomCursor& c) {
  std::vector<Datom> out;
  for (; c.valid(); c.next()) out.push_back(c.datom());
  REQUIRE(c.status().has_value());
  return out;
}

std::vector<Datom> backward(index::DatomCursor& c) {
  std::vector<Datom> out;
  for (; c.valid(); c.prev()) out.push_back(c.datom());
  REQUIRE(c.status().has_value());
  return out;
}

index::DatomCursor must_cursor(Result<index::DatomCursor> c) {
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error().message));
  return std::move(*c);
}

}  // namespace

TEST_CASE_TEMPLATE("encoded components are the key's bytes; ids and values decode from them", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  People p = load(t);
  auto c = must_cursor(t.db().datoms(IndexOrder::Avet, {.a = p.name}));
  REQUIRE(c.valid());
  CHECK(c.e() == EntityId{1});
  CHECK(c.a() == p.name);
  CHECK(c.tx() == p.t1);
  CHECK(c.added());
  std::string e, a, v, tx;
  keys::append_entity(e, EntityId{1});
  keys::append_attr(a, p.name);
  REQUIRE(keys::append_value_component(v, Value("Ann")).has_value());
  keys::append_tx(tx, p.t1);
  CHECK(c.encoded_e() == e);
  CHECK(c.encoded_a() == a);
  CHECK(c.encoded_v() == v);
  CHECK(c.encoded_tx() == tx);
  CHECK(c.encoded_key() == a + v + e);  // Avet: a · v · e
  auto value = c.v();
  REQUIRE(value.has_value());
  CHECK(*value == Value("Ann"));
  CHECK(c.datom() == Datom{EntityId{1}, p.name, "Ann", p.t1, true});

  // Encoded values compare as the values do (the index order), without decoding.
  std::string previous(c.encoded_v());
  for (c.next(); c.valid(); c.next()) {
    CHECK(previous < c.encoded_v());
    previous = c.encoded_v();
  }
  // VAET's v is the referenced entity, in the compact id form.
  auto r = must_cursor(t.db().datoms(IndexOrder::Vaet));
  REQUIRE(r.valid());
  CHECK(r.encoded_v() == e);
  CHECK(r.datom().v == ref(1));
}

TEST_CASE_TEMPLATE("one cursor serves sorted probes, each confined to its run", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  People p = load(t);
  Db db = t.db();
  auto c = must_cursor(db.cursor(IndexOrder::Eavt));
  CHECK_FALSE(c.valid());  // unpositioned until a seek

  // The ages of 1, 3, 5, 9 (none) and 6: each probe sees exactly its entity's :age datom.
  std::vector<std::pair<std::uint64_t, std::int64_t>> seen;
  for (std::uint64_t e : {1, 3, 5, 9, 6}) {
    REQUIRE(c.seek_prefix({.e = EntityId{e}, .a = p.age}).has_value());
    for (; c.valid(); c.next()) seen.emplace_back(c.e().value, c.datom().v.as<std::int64_t>());
    REQUIRE(c.status().has_value());
  }
  using Seen = std::vector<std::pair<std::uint64_t, std::int64_t>>;
  CHECK(seen == Seen{{1, 31}, {3, 34}, {5, 35}, {6, 36}});

  // Probes may also go backwards, and by encoded bytes taken from another cursor.
  auto friends = must_cursor(db.datoms(IndexOrder::Aevt, {.a = p.friend_}));
  std::vector<std::string> who;  // encoded e of each entity with a friend: 2, 4
  for (; friends.valid(); friends.next()) who.emplace_back(friends.encoded_e());
  REQUIRE(who.size() == 2);
  std::vector<std::string> names;
  for (auto it = who.rbegin(); it != who.rend(); ++it) {
    std::string prefix = *it;
    keys::append_attr(prefix, p.name);
    c.seek_prefix_encoded(prefix);
    REQUIRE(c.valid());
    names.push_back(c.datom().v.as<std::string>());
    c.next();
    CHECK_FALSE(c.valid());  // one name each: the run ends
  }
  CHECK(names == std::vector<std::string>{"Di", "Bob"});

  // A run can be walked from its last datom backwards; a plain seek drops the run.
  REQUIRE(c.seek_prefix({.e = EntityId{2}}, true).has_value());
  auto e2 = backward(c);
  REQUIRE(e2.size() == 3);
  CHECK(e2.front().a == p.friend_);
  CHECK(e2.back().a == p.name);
  REQUIRE(c.seek({.e = EntityId{2}, .a = p.friend_}).has_value());
  c.next();  // past 2's last datom into 3's: no run any more
  REQUIRE(c.valid());
  CHECK(c.e() == EntityId{3});
}

TEST_CASE_TEMPLATE("seek_for_prev lands on the last datom at or before a position", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  People p = load(t);
  auto c = must_cursor(t.db().cursor(IndexOrder::Avet, {.a = p.age}));
  // The oldest person under 35: the last :age before the run of 35.
  REQUIRE(c.seek_for_prev({.a = p.age, .v = Value(34)}).has_value());
  REQUIRE(c.valid());
  CHECK(c.datom().v == Value(34));
  CHECK(c.e() == EntityId{4});  // 3 and 4 are both 34: the last of them
  c.prev();
  CHECK(c.e() == EntityId{3});
  REQUIRE(c.seek_for_prev({.a = p.age, .v = Value(30)}).has_value());
  CHECK_FALSE(c.valid());  // nobody is 30 or younger
  REQUIRE(c.seek_for_prev({.a = p.age}).has_value());
  REQUIRE(c.valid());
  CHECK(c.datom().v == Value(36));  // the end of the whole range
  c.prev();
  CHECK(c.datom().v == Value(35));
}

TEST_CASE_TEMPLATE("reverse scans of current, as-of and history views mirror forward ones", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  People p = load(t);
  Db db = t.db();
  for (Db view : {db, db.as_of(p.t1), db.since(p.t1), db.history(), db.as_of(p.t1).history()}) {
    for (IndexOrder order : {IndexOrder::Eavt, IndexOrder::Aevt, IndexOrder::Avet, IndexOrder::Vaet}) {
      CAPTURE(index_order_name(order));
      auto c = must_cursor(view.cursor(order));
      c.seek_to_first();
      auto fwd = forward(c);
      c.seek_to_last();
      auto back = backward(c);
      std::reverse(back.begin(), back.end());
      CHECK(back == fwd);
    }
  }
  // 3's age in the history view: the assertion of 33, its retraction, then 34 — and backwards.
  auto h = must_cursor(db.history().cursor(IndexOrder::Eavt, {.e = EntityId{3}, .a = p.age}));
  h.seek_to_last();
  auto events = backward(h);
  REQUIRE(events.size() == 3);
  CHECK(events[0] == Datom{EntityId{3}, p.age, 34, p.t2, true});
  CHECK(events[1] == Datom{EntityId{3}, p.age, 33, p.t2, false});
  CHECK(events[2] == Datom{EntityId{3}, p.age, 33, p.t1, true});
  // Changing direction in the middle of one key's events.
  h.seek_to_first();
  h.next();
  CHECK(h.datom() == events[1]);
  h.prev();
  CHECK(h.datom() == events[2]);
  h.next();
  h.next();
  CHECK(h.datom() == events[0]);
  h.prev();
  CHECK(h.datom() == events[1]);
}

TEST_CASE_TEMPLATE("bad prefixes are errors that leave the cursor usable", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  People p = load(t);
  auto c = must_cursor(t.db().cursor(IndexOrder::Eavt));
  auto bad = c.seek_prefix({.a = p.name});  // Eavt needs e before a
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::InvalidArgument);
  CHECK_FALSE(c.valid());
  CHECK(c.status().has_value());
  // An attribute id below the system partition names no datom.
  REQUIRE(c.seek_prefix({.e = EntityId{1}, .a = AttrId{5}}).has_value());
  CHECK_FALSE(c.valid());
  REQUIRE(c.seek({.e = EntityId{1}, .a = AttrId{5}}).has_value());
  REQUIRE(c.valid());
  CHECK(c.e() == EntityId{1});  // the first datom after where it would be
  REQUIRE(c.seek_for_prev({.e = EntityId{2}, .a = AttrId{5}}).has_value());
  REQUIRE(c.valid());
  CHECK(c.e() == EntityId{1});  // the last datom before where it would be
}

// Probes of runs that lie just after the cursor's position take the near re-seek (DatomCursor
// steps the storage cursor forward instead of seeking; datom_cursor.cpp, step_into_run), and the
// rest seek. Either way each probe must see exactly its run: checked against a scan of the whole
// index, on probe sequences that step (the next attribute, the next entity), skip absent runs
// (attributes an entity lacks), miss (far runs: the backoff), and go backwards, in a current,
// a since (skips entries) and an as-of view (merged: always seeks).
TEST_CASE_TEMPLATE("near re-seeks see exactly the probed run, as seeks do", S, STORES) {
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  std::vector<AttrId> attrs;
  for (const char* name : {"a0", "a1", "a2", "a3", "a4", "a5"})
    attrs.push_back(t.define(name, {.type = ValueType::Long, .many = std::string_view(name) == "a2"}));
  constexpr std::uint64_t kEntities = 300;
  std::mt19937_64 rng(20261206);
  TxId first{0};
  for (int round = 0; round < 2; ++round) {
    std::vector<Datom> ds;
    for (std::uint64_t e = 1; e <= kEntities; ++e) {
      for (std::size_t i = 0; i < attrs.size(); ++i) {
        if (rng() % 3 == 0) continue;  // about a third of the runs are empty
        ds.push_back(add(e, attrs[i], static_cast<std::int64_t>(rng() % 1000) + round * 1000));
        if (i == 2) ds.push_back(add(e, attrs[i], static_cast<std::int64_t>(5000 + e + round * 1000)));  // runs of two and more
      }
    }
    TxId basis = t.commit(ds).basis();
    if (round == 0) first = basis;
  }
  const Db now = t.db();
  for (const Db& db : {now, now.since(first), now.as_of(first)}) {
    std::vector<Datom> all = index::collect(db.datoms(IndexOrder::Eavt)).value();
    std::vector<Datom> all_aevt = index::collect(db.datoms(IndexOrder::Aevt)).value();
    auto expect = [&](IndexOrder order, std::uint64_t e, AttrId a) {
      std::vector<Datom> out;
      for (const Datom& d : order == IndexOrder::Eavt ? all : all_aevt)
        if (d.e == EntityId{e} && d.a == a) out.push_back(d);
      return out;
    };
    for (IndexOrder order : {IndexOrder::Eavt, IndexOrder::Aevt}) {
      // Probe sequences: sorted (e, a) pairs in the order's key order, with gaps of 1-3 entities
      // or attributes (steps), jumps of 20-60 entities (misses), and now and then a step back.
      std::vector<std::pair<std::uint64_t, std::size_t>> probes;
      std::uint64_t e = 1;
      std::size_t a = 0;
      while (probes.size() < 2000) {
        probes.emplace_back(e, a);
        const std::uint64_t r = rng() % 20;
        if (order == IndexOrder::Eavt) {
          if (r < 14) a += 1 + rng() % 2;
          else if (r < 18) e += 1 + (r < 16 ? 0 : 20 + rng() % 40), a = rng() % attrs.size();
          else e = e > 30 ? e - 1 - rng() % 30 : e + 1, a = rng() % attrs.size();
          if (a >= attrs.size()) a = 0, ++e;
        } else {
          if (r < 14) e += 1 + rng() % 3;
          else if (r < 18) e += 20 + rng() % 40;
          else e = e > 30 ? e - 1 - rng() % 30 : e + 1;
          if (e > kEntities + 5) e = 1 + rng() % 10, a = (a + 1) % attrs.size();
        }
        if (e > kEntities + 5) e = 1 + rng() % 10;
      }
      auto c = must_cursor(db.cursor(order));
      std::size_t nonempty = 0;
      for (auto [pe, pa] : probes) {
        CAPTURE(pe);
        CAPTURE(pa);
        CAPTURE(static_cast<int>(order));
        REQUIRE(c.seek_prefix({.e = EntityId{pe}, .a = attrs[pa]}).has_value());
        std::vector<Datom> got = forward(c);
        REQUIRE(got == expect(order, pe, attrs[pa]));
        nonempty += !got.empty();
      }
      CHECK(nonempty > probes.size() / 3);
    }
  }
}

TEST_CASE_TEMPLATE("runs hold exactly the datoms that start with the prefix, for keys and runs of every length", S,
                   STORES) {
  // The cursor compares keys with a run by their first 8 bytes when the run has at most 8 and the
  // key at least 8, else byte by byte (datom_cursor.cpp, RUN HEAD): keys of booleans and small
  // ids are shorter than 8 bytes, runs with a value longer; each probe is checked against the
  // datoms of a full scan that start with the prefix's components.
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  const AttrId flag = t.define("flag", {.type = ValueType::Boolean});
  const AttrId n = t.define("n", {.type = ValueType::Long, .many = true});
  const AttrId s = t.define("s", {.type = ValueType::String, .many = true});
  const AttrId r = t.define("r", {.type = ValueType::Ref, .many = true});
  const std::vector<AttrId> attrs{flag, n, s, r};
  std::mt19937_64 rng(20261207);
  std::vector<std::uint64_t> ids;
  for (std::uint64_t e = 1; e <= 40; ++e) ids.push_back(e);
  for (std::uint64_t e : {255ull, 256ull, 65535ull, 65536ull, (1ull << 24) + 3, (1ull << 29) - 2}) ids.push_back(e);
  std::vector<Datom> ds;
  auto value_of = [&](AttrId a) -> Value {
    if (a == flag) return Value(rng() % 2 == 0);
    if (a == n) return Value(static_cast<std::int64_t>(rng() % 7) - 3);
    if (a == s) return Value(std::string(rng() % 12, 'x'));
    return ref(ids[rng() % ids.size()]);
  };
  for (std::uint64_t e : ids)
    for (AttrId a : attrs)
      for (std::uint64_t k = a == flag ? rng() % 2 : rng() % 3; k > 0; --k) {
        Datom x = add(e, a, value_of(a));
        if (std::none_of(ds.begin(), ds.end(), [&](const Datom& y) { return y.e == x.e && y.a == x.a && y.v == x.v; }))
          ds.push_back(std::move(x));
      }
  t.commit(ds);
  const Db db = t.db();
  for (IndexOrder order : {IndexOrder::Eavt, IndexOrder::Aevt, IndexOrder::Avet, IndexOrder::Vaet}) {
    const std::vector<Datom> all = index::collect(db.datoms(order)).value();
    auto c = must_cursor(db.cursor(order));
    for (int probe = 0; probe < 600; ++probe) {
      // A prefix of the order's components, taken from a datom (so most runs are not empty) or,
      // one time in four, with a component of its own.
      const Datom& d = all[rng() % all.size()];
      index::DatomPrefix p;
      const std::size_t parts = 1 + rng() % 3;
      const bool other = rng() % 4 == 0;
      const EntityId e = other ? EntityId{ids[rng() % ids.size()]} : d.e;
      const AttrId a = other ? attrs[rng() % attrs.size()] : d.a;
      Value v = other ? value_of(d.a) : d.v;
      switch (order) {
        case IndexOrder::Eavt:
          p.e = e;
          if (parts > 1) p.a = a;
          if (parts > 2) p.v = v;
          break;
        case IndexOrder::Aevt:
          p.a = a;
          if (parts > 1) p.e = e;
          if (parts > 2) p.v = v;
          break;
        case IndexOrder::Avet:
          p.a = a;
          if (parts > 1) p.v = v;
          if (parts > 2) p.e = e;
          break;
        case IndexOrder::Vaet:
          p.v = other ? ref(ids[rng() % ids.size()]) : d.v;
          if (parts > 1) p.a = r;
          if (parts > 2) p.e = e;
          break;
      }
      std::vector<Datom> expected;
      for (const Datom& x : all)
        if ((!p.e || x.e == *p.e) && (!p.a || x.a == *p.a) && (!p.v || (compare(x.v, *p.v) == 0 && x.v.kind() == p.v->kind())))
          expected.push_back(x);
      CAPTURE(static_cast<int>(order));
      CAPTURE(probe);
      const bool last = rng() % 5 == 0;
      REQUIRE(c.seek_prefix(p, last).has_value());
      std::vector<Datom> got = last ? backward(c) : forward(c);
      if (last) std::reverse(got.begin(), got.end());
      REQUIRE(got == expected);
    }
  }
}

TEST_CASE_TEMPLATE("datom() decodes every position's value whatever kinds of values came before it", S, STORES) {
  // The cursor keeps one decoded Datom per kind of value (strings, keywords, the rest) and refills
  // them in place (datom_cursor.cpp): entities whose attributes alternate short and long strings,
  // keywords, longs, doubles, booleans and refs, read by a scan both ways and by {e, a} probes in
  // random order, each datom compared with what was written.
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  const AttrId name = t.define("name", {.type = ValueType::String});
  const AttrId sex = t.define("sex", {.type = ValueType::Keyword});
  const AttrId age = t.define("age", {.type = ValueType::Long});
  const AttrId email = t.define("email", {.type = ValueType::String});
  const AttrId score = t.define("score", {.type = ValueType::Double});
  const AttrId flag = t.define("flag", {.type = ValueType::Boolean});
  const AttrId friend_ = t.define("friend", {.type = ValueType::Ref});
  const std::vector<AttrId> attrs{name, sex, age, email, score, flag, friend_};
  std::mt19937_64 rng(20261208);
  std::vector<Datom> written;
  for (std::uint64_t e = 1; e <= 60; ++e) {
    for (AttrId a : attrs) {
      if (rng() % 5 == 0) continue;  // some attributes missing, so neighbours' kinds vary
      Value v = a == name    ? Value(std::string(rng() % 24, 'n'))  // short (inline) and long strings
                : a == sex   ? Value::keyword(rng() % 2 ? "sex/male-with-a-long-name" : "f")
                : a == age   ? Value(static_cast<std::int64_t>(rng() % 100))
                : a == email ? Value("p" + std::to_string(e) + std::string(rng() % 30, 'e') + "@example.org")
                : a == score ? Value(static_cast<double>(rng() % 1000) / 8.0)
                : a == flag  ? Value(rng() % 2 == 0)
                             : ref(1 + rng() % 60);
      written.push_back(add(e, a, std::move(v)));
    }
  }
  t.commit(written);
  const Db db = t.db();
  auto same = [](const Datom& got, const Datom& want) {
    return got.e == want.e && got.a == want.a && got.v == want.v && got.v.kind() == want.v.kind();
  };
  // Written in EAVT order already (entities ascending, attributes in definition order).
  auto c = must_cursor(db.datoms(IndexOrder::Eavt));
  std::vector<Datom> scanned;
  for (; c.valid(); c.next())
    if (c.e().value <= 60) scanned.push_back(c.datom());
  REQUIRE(c.status().has_value());
  REQUIRE(scanned.size() == written.size());
  for (std::size_t i = 0; i < written.size(); ++i) {
    CAPTURE(i);
    CHECK(same(scanned[i], written[i]));
  }
  c.seek_to_last();
  std::vector<Datom> reversed;
  for (; c.valid(); c.prev())
    if (c.e().value <= 60) reversed.push_back(c.datom());
  REQUIRE(reversed.size() == written.size());
  for (std::size_t i = 0; i < written.size(); ++i) CHECK(same(reversed[written.size() - 1 - i], written[i]));
  std::vector<Datom> probes = written;
  std::shuffle(probes.begin(), probes.end(), rng);
  auto p = must_cursor(db.cursor(IndexOrder::Eavt));
  for (const Datom& want : probes) {
    REQUIRE(p.seek_prefix({.e = want.e, .a = want.a}).has_value());
    REQUIRE(p.valid());
    CHECK(same(p.datom(), want));
    CHECK(&p.datom() == &p.datom());  // decoded once per position
  }
}

TEST_CASE_TEMPLATE("ref probes of Avet and Vaet see exactly their runs, in every view", S, STORES) {
  // {a, v} on Avet and {v, a} on Vaet with v a ref are written in place, not through the value
  // encoder (datom_cursor.cpp, seek_id_run), and sorted Avet probes step into the next run
  // instead of seeking (step_into_run): ids of every compact length (runs of 4 to 12 bytes, on
  // both sides of the 8-byte run head), refs through two attributes and a long one's neighbours,
  // probed in key order and at random, in current, as-of, since and history views, each run
  // compared with the datoms of a full scan that hold the probe's attribute and ref.
  TempDir dir;
  IndexTx t(open_writer<S>(dir));
  const AttrId follows = t.define("follows", {.type = ValueType::Ref, .many = true});
  const AttrId likes = t.define("likes", {.type = ValueType::Ref, .many = true});
  const AttrId rank = t.define("rank", {.type = ValueType::Long});
  std::vector<std::uint64_t> ids;
  for (std::uint64_t e = 1; e <= 30; ++e) ids.push_back(e);
  for (std::uint64_t e : {255ull, 256ull, 65535ull, 65536ull, (1ull << 24) + 3, (1ull << 29) - 2}) ids.push_back(e);
  std::mt19937_64 rng(20261209);
  TxId first{0};
  for (int round = 0; round < 3; ++round) {
    // Each round adds refs no datom holds yet and (after the first) retracts every third :follows.
    const std::vector<Datom> before = index::collect(t.db().datoms(IndexOrder::Eavt)).value();
    auto held = [](const std::vector<Datom>& in, const Datom& x) {
      return std::any_of(in.begin(), in.end(), [&](const Datom& y) { return y.e == x.e && y.a == x.a && y.v == x.v; });
    };
    std::vector<Datom> ds;
    std::size_t seen = 0;
    for (const Datom& d : before)
      if (round > 0 && d.a == follows && seen++ % 3 == 0) ds.push_back(retract(d.e.value, follows, d.v));
    for (std::uint64_t e : ids) {
      for (AttrId a : {follows, likes})
        for (std::uint64_t k = rng() % 4; k > 0; --k) {
          Datom x = add(e, a, ref(ids[rng() % ids.size()]));
          if (!held(before, x) && !held(ds, x)) ds.push_back(std::move(x));
        }
      if (round == 0) ds.push_back(add(e, rank, static_cast<std::int64_t>(ids[rng() % ids.size()])));  // a long, not a ref
    }
    TxId basis = t.commit(ds).basis();
    if (round == 0) first = basis;
  }
  const Db now = t.db();
  for (const Db& db : {now, now.as_of(first), now.since(first), now.history(), now.as_of(first).history()}) {
    for (IndexOrder order : {IndexOrder::Avet, IndexOrder::Vaet}) {
      const std::vector<Datom> all = index::collect(db.datoms(order)).value();
      auto expect = [&](AttrId a, std::uint64_t v) {
        std::vector<Datom> out;
        for (const Datom& d : all)
          if (d.a == a && d.v.is<EntityId>() && d.v.as<EntityId>().value == v) out.push_back(d);
        return out;
      };
      std::vector<std::pair<AttrId, std::uint64_t>> probes;
      for (AttrId a : {follows, likes, rank})
        for (std::uint64_t v : ids) probes.emplace_back(a, v);
      if (order == IndexOrder::Vaet)  // key order: v first
        std::stable_sort(probes.begin(), probes.end(), [](const auto& x, const auto& y) { return x.second < y.second; });
      std::vector<std::pair<AttrId, std::uint64_t>> shuffled = probes;
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      auto c = must_cursor(db.cursor(order));
      std::size_t nonempty = 0;
      for (const auto& sequence : {probes, shuffled}) {
        for (auto [a, v] : sequence) {
          CAPTURE(static_cast<int>(order));
          CAPTURE(a.value);
          CAPTURE(v);
          REQUIRE(c.seek_prefix({.a = a, .v = ref(v)}).has_value());
          std::vector<Datom> got;
          for (; c.valid(); c.next()) {
            Datom ids_only;
            c.ids_into(ids_only);
            CHECK(ids_only.e == c.e());
            CHECK(ids_only.a == c.a());
            CHECK(ids_only.tx == c.tx());
            CHECK(ids_only.added == c.added());
            got.push_back(c.datom());
          }
          REQUIRE(c.status().has_value());
          REQUIRE(got == expect(a, v));
          nonempty += !got.empty();
        }
      }
      CHECK(nonempty > probes.size() / 2);
    }
  }
}
