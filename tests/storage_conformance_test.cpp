// The storage protocol's conformance suite: every case runs against MemoryStore, RocksStore (with
// each preset of storage/rocks_config.hpp) and LayeredStore.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <random>
#include <set>
#include <thread>

#include "support/storage_fixture.hpp"

using namespace quarry;
using namespace quarry::testing;

#define STORES \
  MemoryFactory, RocksFactory, LayeredFactory, RocksLowLatencyFactory, RocksWriteHeavyFactory, RocksLargeStateFactory

namespace {

const std::vector<std::string> kSpaces{"eavt", "aevt", "meta"};

struct Fixture {
  std::unique_ptr<Store> store;
  SpaceId a, b, c;
};

template <class Factory>
Fixture open_store(Factory& factory) {
  Fixture f{must(factory.open(kSpaces)), {}, {}, {}};
  f.a = must(f.store->space("eavt"));
  f.b = must(f.store->space("aevt"));
  f.c = must(f.store->space("meta"));
  return f;
}

std::optional<std::string> get(const Store& store, SpaceId space, std::string_view key) {
  auto snap = must(store.snapshot());
  return must(snap->get(space, key));
}

void put_all(Store& store, SpaceId space, const std::vector<std::string>& keys) {
  WriteBatch batch;
  for (const auto& k : keys) batch.put(space, k, "v" + k);
  must(store.write(batch));
}

std::vector<std::string> keys_of(const Entries& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.first);
  return out;
}

using Keys = std::vector<std::string>;

}  // namespace

TEST_CASE_TEMPLATE("put, overwrite and delete are seen by later snapshots", F, STORES) {
  F factory;
  auto f = open_store(factory);
  CHECK(get(*f.store, f.a, "k") == std::nullopt);
  WriteBatch batch;
  batch.put(f.a, "k", "one");
  batch.put(f.a, "empty", "");
  must(f.store->write(batch));
  CHECK(get(*f.store, f.a, "k") == "one");
  CHECK(get(*f.store, f.a, "empty") == "");
  CHECK(get(*f.store, f.b, "k") == std::nullopt);  // spaces are separate

  batch.clear();
  batch.put(f.a, "k", "two");
  must(f.store->write(batch));
  CHECK(get(*f.store, f.a, "k") == "two");

  batch.clear();
  batch.del(f.a, "k");
  batch.del(f.a, "never-there");
  must(f.store->write(batch));
  CHECK(get(*f.store, f.a, "k") == std::nullopt);
  CHECK(get(*f.store, f.a, "empty") == "");

  must(f.store->write(WriteBatch{}));  // an empty batch is a no-op
  CHECK(scan(*f.store, f.a) == Entries{{"empty", ""}});
}

TEST_CASE_TEMPLATE("keys order as unsigned bytes, shorter prefix first", F, STORES) {
  F factory;
  auto f = open_store(factory);
  Keys keys{std::string("\xff", 1), std::string("a\0", 2), "b", "a", std::string("\x80", 1),
            std::string("\x7f", 1), std::string("\0", 1), "ab"};
  put_all(*f.store, f.a, keys);
  Keys expected{std::string("\0", 1), "a", std::string("a\0", 2), "ab", "b",
                std::string("\x7f", 1), std::string("\x80", 1), std::string("\xff", 1)};
  CHECK(keys_of(scan(*f.store, f.a)) == expected);
  Keys reversed(expected.rbegin(), expected.rend());
  CHECK(keys_of(scan(*f.store, f.a, {}, false)) == reversed);
}

TEST_CASE_TEMPLATE("a batch is atomic across spaces and applied in order", F, STORES) {
  F factory;
  auto f = open_store(factory);
  auto before = must(f.store->snapshot());

  WriteBatch batch;
  batch.put(f.a, "x", "1");
  batch.put(f.b, "x", "2");
  batch.put(f.c, "x", "3");
  batch.put(f.a, "twice", "first");
  batch.put(f.a, "twice", "second");
  batch.put(f.a, "gone", "soon");
  batch.del(f.a, "gone");
  batch.del(f.a, "back");
  batch.put(f.a, "back", "again");
  must(f.store->write(batch));

  CHECK(must(before->get(f.a, "x")) == std::nullopt);
  CHECK(must(before->get(f.b, "x")) == std::nullopt);
  CHECK(must(before->get(f.c, "x")) == std::nullopt);
  CHECK(get(*f.store, f.a, "x") == "1");
  CHECK(get(*f.store, f.b, "x") == "2");
  CHECK(get(*f.store, f.c, "x") == "3");
  CHECK(scan(*f.store, f.a) == Entries{{"back", "again"}, {"twice", "second"}, {"x", "1"}});

  SUBCASE("a batch naming an unknown space applies nothing") {
    WriteBatch bad;
    bad.put(f.a, "y", "1");
    bad.put(SpaceId{17}, "y", "1");
    auto result = f.store->write(bad);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == ErrorCode::StorageUnknownSpace);
    CHECK(get(*f.store, f.a, "y") == std::nullopt);
  }
}

TEST_CASE_TEMPLATE("delete_range removes [begin, end) and orders with the batch's other ops", F,
                   STORES) {
  F factory;
  auto f = open_store(factory);
  put_all(*f.store, f.a, {"a", "b", "c", "d", "e"});
  put_all(*f.store, f.b, {"a", "b", "c"});
  WriteBatch batch;
  batch.put(f.a, "bb", "early");  // erased by the range that follows
  batch.delete_range(f.a, "b", "d");
  batch.put(f.a, "c", "late");  // survives: added after the range
  batch.delete_range(f.a, "z", "a");  // empty range: nothing
  must(f.store->write(batch));
  CHECK(scan(*f.store, f.a) == Entries{{"a", "va"}, {"c", "late"}, {"d", "vd"}, {"e", "ve"}});
  CHECK(keys_of(scan(*f.store, f.b)) == Keys{"a", "b", "c"});

  batch.clear();
  batch.delete_range(f.a, "", "\xff\xff");
  must(f.store->write(batch));
  CHECK(scan(*f.store, f.a).empty());
}

TEST_CASE_TEMPLATE("cursors walk forward and backward within their bounds", F, STORES) {
  F factory;
  auto f = open_store(factory);
  put_all(*f.store, f.a, {"a", "b", "c", "d", "e", "f"});
  CHECK(keys_of(scan(*f.store, f.a, {"b", "e"})) == Keys{"b", "c", "d"});
  CHECK(keys_of(scan(*f.store, f.a, {"b", "e"}, false)) == Keys{"d", "c", "b"});
  CHECK(keys_of(scan(*f.store, f.a, {"bb", std::nullopt})) == Keys{"c", "d", "e", "f"});
  CHECK(keys_of(scan(*f.store, f.a, {std::nullopt, "c"}, false)) == Keys{"b", "a"});
  CHECK(keys_of(scan(*f.store, f.a, {"0", "z"})) == Keys{"a", "b", "c", "d", "e", "f"});

  // Turning around mid-scan.
  auto snap = must(f.store->snapshot());
  auto cursor = must(snap->cursor(f.a, {"b", "e"}));
  cursor->seek_to_first();
  REQUIRE(cursor->valid());
  cursor->next();
  CHECK(cursor->key() == "c");
  cursor->prev();
  CHECK(cursor->key() == "b");
  CHECK(cursor->value() == "vb");
  cursor->prev();
  CHECK_FALSE(cursor->valid());
  must(cursor->status());
}

TEST_CASE_TEMPLATE("seek lands on the first key at or after, seek_for_prev on the last at or before",
                   F, STORES) {
  F factory;
  auto f = open_store(factory);
  put_all(*f.store, f.a, {"b", "d", "f", "h"});
  auto snap = must(f.store->snapshot());

  auto open_cursor = must(snap->cursor(f.a));
  auto at = [&](auto&& move) -> std::optional<std::string> {
    move(*open_cursor);
    if (!open_cursor->valid()) {
      must(open_cursor->status());
      return std::nullopt;
    }
    return std::string(open_cursor->key());
  };
  CHECK(at([](Cursor& c) { c.seek("d"); }) == "d");
  CHECK(at([](Cursor& c) { c.seek("c"); }) == "d");
  CHECK(at([](Cursor& c) { c.seek(""); }) == "b");
  CHECK(at([](Cursor& c) { c.seek("i"); }) == std::nullopt);
  CHECK(at([](Cursor& c) { c.seek_for_prev("d"); }) == "d");
  CHECK(at([](Cursor& c) { c.seek_for_prev("e"); }) == "d");
  CHECK(at([](Cursor& c) { c.seek_for_prev("z"); }) == "h");
  CHECK(at([](Cursor& c) { c.seek_for_prev("a"); }) == std::nullopt);
  CHECK(at([](Cursor& c) { c.seek_to_last(); }) == "h");

  // With bounds [c, g): seeks are clamped into the range and never leave it.
  open_cursor = must(snap->cursor(f.a, {"c", "g"}));
  CHECK(at([](Cursor& c) { c.seek("a"); }) == "d");
  CHECK(at([](Cursor& c) { c.seek("g"); }) == std::nullopt);
  CHECK(at([](Cursor& c) { c.seek("f"); }) == "f");
  CHECK(at([](Cursor& c) { c.seek_for_prev("z"); }) == "f");
  CHECK(at([](Cursor& c) { c.seek_for_prev("g"); }) == "f");
  CHECK(at([](Cursor& c) { c.seek_for_prev("c"); }) == std::nullopt);
  CHECK(at([](Cursor& c) { c.seek_to_first(); }) == "d");
  CHECK(at([](Cursor& c) { c.seek_to_last(); }) == "f");
}

TEST_CASE_TEMPLATE("one cursor re-seeks many times, forward, backward and past either end", F, STORES) {
  F factory;
  auto f = open_store(factory);
  // k000 .. k398, even numbers only: enough keys for several RocksDB blocks and memory leaves.
  Keys keys;
  for (int i = 0; i < 400; i += 2) keys.push_back("k" + std::string(i < 10 ? "00" : i < 100 ? "0" : "") + std::to_string(i));
  put_all(*f.store, f.a, keys);
  must(f.store->flush());
  auto snap = must(f.store->snapshot());
  auto c = must(snap->cursor(f.a, {"k010", "k390"}));
  auto name = [](int i) { return "k" + std::string(i < 10 ? "00" : i < 100 ? "0" : "") + std::to_string(i); };

  SUBCASE("ascending targets, near and far, the probes of a sorted join") {
    for (int target : {0, 11, 12, 13, 14, 20, 22, 40, 41, 120, 121, 122, 300, 387}) {
      CAPTURE(target);
      c->seek(name(target));
      const int want = std::max(10, target + target % 2);
      REQUIRE(c->valid());
      CHECK(c->key() == name(want));
      CHECK(c->value() == "v" + name(want));
    }
    c->seek("k390");  // the upper bound: nothing at or after it
    CHECK_FALSE(c->valid());
    must(c->status());
    c->seek("k012");  // an invalid cursor re-seeks like any other
    REQUIRE(c->valid());
    CHECK(c->key() == "k012");
  }
  SUBCASE("descending targets, and seek_for_prev after seek") {
    for (int target : {387, 300, 121, 120, 12, 11}) {
      CAPTURE(target);
      c->seek(name(target));
      REQUIRE(c->valid());
      CHECK(c->key() == name(target + target % 2));
      c->seek_for_prev(name(target));
      REQUIRE(c->valid());
      CHECK(c->key() == name(target - target % 2));
    }
    c->seek_for_prev("k009");  // below the lower bound
    CHECK_FALSE(c->valid());
    c->seek_for_prev("zzz");  // above the upper bound: the last key in range
    REQUIRE(c->valid());
    CHECK(c->key() == "k388");
  }
  SUBCASE("direction changes after re-seeks") {
    c->seek("k100");
    c->next();
    c->next();
    CHECK(c->key() == "k104");
    c->prev();
    CHECK(c->key() == "k102");
    c->seek("k105");
    CHECK(c->key() == "k106");
    c->prev();
    CHECK(c->key() == "k104");
    c->seek("k010");
    c->prev();
    CHECK_FALSE(c->valid());
    c->seek_to_last();
    CHECK(c->key() == "k388");
    c->next();
    CHECK_FALSE(c->valid());
    must(c->status());
  }
}

TEST_CASE_TEMPLATE("long keys that tie in their first 8 bytes scan, seek and bound as bytes (seeded)", F, STORES) {
  // MemoryStore compares 8-byte key heads before key bytes and checks bounds once per leaf; keys
  // here share long prefixes and end in zero bytes (which zero-padded heads cannot tell apart), and
  // there are enough of them for many leaves and blocks. Every answer is checked against a std::set.
  F factory;
  auto f = open_store(factory);
  std::mt19937_64 rng(20261204);
  std::printf("long-key conformance seed: 20261204\n");
  static const char kAlphabet[] = {'\0', '\x01', 'k', '\xff'};
  auto random_key = [&] {
    std::string k = rng() % 4 ? "prefix-" : "";  // 7 shared bytes: heads tie on one byte at most
    for (std::size_t n = rng() % 9; n > 0; --n) k.push_back(kAlphabet[rng() % 4]);
    return k;
  };
  std::set<std::string> model;
  while (model.size() < 1500) model.insert(random_key());
  WriteBatch batch;
  for (const std::string& k : model) batch.put(f.a, k, "v" + k);
  must(f.store->write(batch));
  must(f.store->flush());
  auto snap = must(f.store->snapshot());

  for (int round = 0; round < 60; ++round) {
    CAPTURE(round);
    CursorBounds bounds;
    if (rng() % 3) bounds.lower = random_key();
    if (rng() % 3) bounds.upper = random_key();
    auto first = bounds.lower ? model.lower_bound(*bounds.lower) : model.begin();
    auto last = bounds.upper ? model.lower_bound(*bounds.upper) : model.end();
    Keys want;
    for (auto it = first; it != last && (!bounds.lower || !bounds.upper || *bounds.lower < *bounds.upper); ++it)
      want.push_back(*it);
    CHECK(keys_of(scan(*f.store, f.a, bounds)) == want);
    std::reverse(want.begin(), want.end());
    CHECK(keys_of(scan(*f.store, f.a, bounds, false)) == want);
    std::reverse(want.begin(), want.end());

    auto c = must(snap->cursor(f.a, bounds));
    for (int probe = 0; probe < 30; ++probe) {
      const std::string target = random_key();
      CAPTURE(target);
      auto ge = std::lower_bound(want.begin(), want.end(), target);
      c->seek(target);
      if (ge == want.end()) {
        CHECK_FALSE(c->valid());
      } else {
        REQUIRE(c->valid());
        CHECK(c->key() == *ge);
        CHECK(c->value() == "v" + *ge);
        c->next();
        if (ge + 1 == want.end()) CHECK_FALSE(c->valid());
        else CHECK((c->valid() && c->key() == *(ge + 1)));
      }
      auto gt = std::upper_bound(want.begin(), want.end(), target);
      c->seek_for_prev(target);
      if (gt == want.begin()) {
        CHECK_FALSE(c->valid());
      } else {
        REQUIRE(c->valid());
        CHECK(c->key() == *(gt - 1));
        c->prev();
        if (gt - 1 == want.begin()) CHECK_FALSE(c->valid());
        else CHECK((c->valid() && c->key() == *(gt - 2)));
      }
    }
    must(c->status());
  }
}

TEST_CASE_TEMPLATE("get_many reads many keys at once, missing and repeated ones included", F, STORES) {
  F factory;
  auto f = open_store(factory);
  put_all(*f.store, f.a, {"a", "b", "c"});
  must(f.store->flush());
  put_all(*f.store, f.a, {"d"});  // one in the memtable, the rest in a table file
  auto snap = must(f.store->snapshot());
  std::vector<std::string_view> wanted{"d", "a", "x", "a", "c", ""};
  auto got = must(snap->get_many(f.a, wanted));
  using Got = std::vector<std::optional<std::string>>;
  CHECK(got == Got{"vd", "va", std::nullopt, "va", "vc", std::nullopt});
  CHECK(must(snap->get_many(f.b, wanted)) == Got(wanted.size()));
  CHECK(must(snap->get_many(f.a, {})).empty());
  auto bad = snap->get_many(SpaceId{17}, wanted);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::StorageUnknownSpace);
}

TEST_CASE_TEMPLATE("cursor options change how a store reads, never what", F, STORES) {
  F factory;
  auto f = open_store(factory);
  Keys keys;
  for (int i = 0; i < 3000; ++i) keys.push_back("key" + std::to_string(100000 + i));
  put_all(*f.store, f.a, keys);
  must(f.store->flush());
  auto snap = must(f.store->snapshot());
  for (CursorOptions options : {CursorOptions{}, CursorOptions{.long_scan = true},
                                CursorOptions{.long_scan = true, .fill_cache = false}}) {
    auto c = must(snap->cursor(f.a, {}, options));
    c->seek_to_first();
    CHECK(keys_of(drain(*c)) == keys);
    c->seek_to_last();
    auto back = keys_of(drain(*c, false));
    std::reverse(back.begin(), back.end());
    CHECK(back == keys);
  }
}

TEST_CASE_TEMPLATE("empty ranges and empty spaces give cursors that are never valid", F, STORES) {
  F factory;
  auto f = open_store(factory);
  CHECK(scan(*f.store, f.a).empty());
  CHECK(scan(*f.store, f.a, {}, false).empty());
  put_all(*f.store, f.a, {"a", "b", "c"});
  CHECK(scan(*f.store, f.a, {"b", "b"}).empty());
  CHECK(scan(*f.store, f.a, {"bb", "bc"}).empty());
  CHECK(scan(*f.store, f.a, {"bb", "bc"}, false).empty());
  CHECK(scan(*f.store, f.a, {"x", std::nullopt}).empty());
  CHECK(scan(*f.store, f.a, {std::nullopt, "a"}, false).empty());
  CHECK(scan(*f.store, f.b).empty());
}

TEST_CASE_TEMPLATE("a snapshot and its cursors do not see later writes", F, STORES) {
  F factory;
  auto f = open_store(factory);
  put_all(*f.store, f.a, {"a", "b", "c"});
  auto old_snap = must(f.store->snapshot());
  auto cursor = must(old_snap->cursor(f.a));
  cursor->seek_to_first();
  REQUIRE(cursor->key() == "a");

  WriteBatch batch;
  batch.del(f.a, "b");
  batch.put(f.a, "bb", "new");
  batch.put(f.a, "c", "changed");
  batch.put(f.b, "z", "new");
  must(f.store->write(batch));

  CHECK(drain(*cursor) == Entries{{"a", "va"}, {"b", "vb"}, {"c", "vc"}});
  CHECK(must(old_snap->get(f.a, "b")) == "vb");
  CHECK(must(old_snap->get(f.a, "bb")) == std::nullopt);
  CHECK(must(old_snap->get(f.b, "z")) == std::nullopt);
  auto new_snap = must(f.store->snapshot());
  CHECK(must(new_snap->get(f.a, "c")) == "changed");
  CHECK(keys_of(scan(*f.store, f.a)) == Keys{"a", "bb", "c"});
}

TEST_CASE_TEMPLATE("snapshots read from other threads stay consistent while a writer commits", F,
                   STORES) {
  F factory;
  auto f = open_store(factory);
  // Each batch writes the same counter value under every key of both spaces; a consistent view has
  // one value everywhere.
  auto write_round = [&](int round) {
    WriteBatch batch;
    for (int k = 0; k < 50; ++k) {
      batch.put(f.a, "key" + std::to_string(k), std::to_string(round));
      batch.put(f.b, "key" + std::to_string(k), std::to_string(round));
    }
    must(f.store->write(batch));
  };
  write_round(0);
  std::atomic<bool> done{false};
  std::atomic<int> inconsistent{0}, reads{0};
  std::thread reader([&] {
    while (!done.load() || reads.load() < 20) {
      auto snap = f.store->snapshot();
      if (!snap) { ++inconsistent; continue; }
      std::set<std::string> seen;
      for (SpaceId s : {f.a, f.b}) {
        auto cursor = (*snap)->cursor(s);
        if (!cursor) { ++inconsistent; continue; }
        std::size_t n = 0;
        for ((*cursor)->seek_to_first(); (*cursor)->valid(); (*cursor)->next(), ++n) {
          seen.insert(std::string((*cursor)->value()));
        }
        if (n != 50 || !(*cursor)->status()) ++inconsistent;
      }
      if (seen.size() != 1) ++inconsistent;
      ++reads;
    }
  });
  for (int round = 1; round <= 200; ++round) write_round(round);
  done = true;
  reader.join();
  CHECK(reads.load() >= 20);
  CHECK(inconsistent.load() == 0);
}

TEST_CASE_TEMPLATE("unknown spaces are reported, not guessed", F, STORES) {
  F factory;
  auto f = open_store(factory);
  auto missing = f.store->space("vaet");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::StorageUnknownSpace);
  CHECK(missing.error().message.find("vaet") != std::string::npos);
  CHECK(f.store->space_names().size() == 3);
  CHECK(f.store->space_names()[f.b.index] == "aevt");

  auto snap = must(f.store->snapshot());
  SpaceId bogus{3};
  CHECK(snap->get(bogus, "k").error().code == ErrorCode::StorageUnknownSpace);
  CHECK(snap->cursor(bogus).error().code == ErrorCode::StorageUnknownSpace);
  CHECK(f.store->range_stats(bogus).error().code == ErrorCode::StorageUnknownSpace);
  CHECK(f.store->compact(bogus).error().code == ErrorCode::StorageUnknownSpace);
  CHECK(f.store->property("x", bogus).error().code == ErrorCode::StorageUnknownSpace);
}

TEST_CASE_TEMPLATE("space names must be unique, non-empty and not reserved", F, STORES) {
  for (const std::vector<std::string>& names : {std::vector<std::string>{"a", "a"},
                                                std::vector<std::string>{""},
                                                std::vector<std::string>{"default"}}) {
    F factory;
    auto store = factory.open(names);
    REQUIRE_FALSE(store);
    CHECK(store.error().code == ErrorCode::InvalidArgument);
  }
}

TEST_CASE_TEMPLATE("range_stats counts keys in a range; flush and compact keep the data", F,
                   STORES) {
  F factory;
  auto f = open_store(factory);
  CHECK(must(f.store->range_stats(f.a)).approximate_keys == 0);
  WriteBatch batch;
  for (int i = 0; i < 2000; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "k%05d", i);
    batch.put(f.a, key, "12345678");
  }
  must(f.store->write(batch));
  must(f.store->flush());
  must(f.store->compact(f.a));
  auto all = must(f.store->range_stats(f.a));
  auto half = must(f.store->range_stats(f.a, {"k00000", "k01000"}));
  CHECK(all.approximate_keys >= 1000);
  CHECK(all.approximate_keys <= 4000);
  CHECK(half.approximate_keys <= all.approximate_keys);
  CHECK(all.approximate_bytes > 0);
  CHECK(must(f.store->range_stats(f.a, {"x", "y"})).approximate_keys == 0);
  CHECK(must(f.store->range_stats(f.b)).approximate_keys == 0);
  CHECK(scan(*f.store, f.a).size() == 2000);
  CHECK(must(f.store->property("no.such.property")) == std::nullopt);
}

TEST_CASE("MemoryStore's range_stats and properties are exact") {
  auto store = must(MemoryStore::open({"s"}));
  SpaceId s = must(store->space("s"));
  WriteBatch batch;
  for (int i = 0; i < 10000; ++i) batch.put(s, "k" + std::to_string(10000 + i), "v");
  must(store->write(batch));
  CHECK(must(store->range_stats(s)).approximate_keys == 10000);
  CHECK(must(store->range_stats(s)).approximate_bytes == 10000 * 7);
  CHECK(must(store->range_stats(s, {"k12000", "k13000"})).approximate_keys == 1000);
  CHECK(must(store->property("quarry.memory.keys")) == "10000");
}
