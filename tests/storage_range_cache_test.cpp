// RocksStore's range cache (storage/range_cache.hpp): what it keeps, what a write drops, that no
// snapshot reads a range cached from a state it does not see, the memory bound, and readers
// racing a writer. The random model test (storage_model_test.cpp) runs the store with the cache
// on, off and tiny; these cases aim at the cache's own rules.
#include <atomic>
#include <thread>

#include "support/storage_fixture.hpp"

using namespace quarry;
using namespace quarry::testing;

namespace {

std::uint64_t figure(const Store& store, std::string_view name) {
  auto value = must(store.property("quarry.range-cache." + std::string(name)));
  REQUIRE(value.has_value());
  return std::stoull(*value);
}

std::string key_of(int i) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "k%06d", i);
  return buffer;
}

struct Opened {
  TempDir dir;
  std::unique_ptr<RocksStore> store;
  SpaceId space;
  explicit Opened(std::size_t cache_bytes) {
    RocksOptions o;
    o.path = dir.path();
    o.sync_writes = false;
    o.range_cache_bytes = cache_bytes;
    store = must(RocksStore::open(o, {"s"}));
    space = must(store->space("s"));
  }
  void put_range(int from, int to, const std::string& value) {
    WriteBatch batch;
    for (int i = from; i < to; ++i) batch.put(space, key_of(i), value);
    must(store->write(batch));
  }
};

// Where a cursor stands after a move: the key, or "" when it is not on an entry.
std::string at(const Cursor& cursor) { return cursor.valid() ? std::string(cursor.key()) : std::string(); }

}  // namespace

TEST_CASE("a range read twice is read from RocksDB once") {
  Opened db(std::size_t{64} << 20);
  db.put_range(0, 5000, "v");
  auto first = must(db.store->snapshot());
  auto expected = scan(*first, db.space);
  REQUIRE(expected.size() == 5000);
  const std::uint64_t reads = figure(*db.store, "reads");
  CHECK(reads > 0);
  CHECK(figure(*db.store, "admitted") == reads);
  auto second = must(db.store->snapshot());
  CHECK(scan(*second, db.space) == expected);
  CHECK(figure(*db.store, "reads") == reads);
  CHECK(figure(*db.store, "hits") > 0);
  // Point reads inside cached ranges are answered there too, present and absent.
  CHECK(must(second->get(db.space, key_of(17))) == std::optional<std::string>("v"));
  CHECK(must(second->get(db.space, "k000017x")) == std::nullopt);
  CHECK(figure(*db.store, "reads") == reads);
}

TEST_CASE("a probe keeps what it read from RocksDB, and no more") {
  Opened db(std::size_t{64} << 20);
  db.put_range(0, 5000, "v");
  {
    auto snapshot = must(db.store->snapshot());
    auto cursor = must(snapshot->cursor(db.space, {}));
    cursor->seek(key_of(100));
    CHECK(at(*cursor) == key_of(100));
    cursor->next();
    CHECK(at(*cursor) == key_of(101));
    cursor->seek(key_of(300));
    CHECK(at(*cursor) == key_of(300));
  }
  // Two probes, two ranges: [k000100, just after k000101) and [k000300, just after k000300).
  CHECK(figure(*db.store, "reads") == 2);
  CHECK(figure(*db.store, "admitted") == 2);
  auto snapshot = must(db.store->snapshot());
  auto cursor = must(snapshot->cursor(db.space, {}));
  cursor->seek(key_of(101));
  CHECK(at(*cursor) == key_of(101));
  CHECK(figure(*db.store, "reads") == 2);
  // The seek to k000300 was first tried as steps from k000101 (a seek a few keys ahead of a
  // recording steps there): the 32 keys stepped over were read, so they were kept too.
  cursor->next();
  CHECK(at(*cursor) == key_of(102));
  cursor->seek(key_of(133));
  CHECK(at(*cursor) == key_of(133));
  CHECK(figure(*db.store, "reads") == 2);
  // Off the end of what was kept: read from RocksDB, and right.
  cursor->next();
  CHECK(at(*cursor) == key_of(134));
  CHECK(figure(*db.store, "reads") == 3);
  cursor->seek(key_of(300));
  CHECK(at(*cursor) == key_of(300));
  cursor->next();
  CHECK(at(*cursor) == key_of(301));
  // Between the kept ranges nothing is answered from them: a key there is read, present or not.
  CHECK(must(snapshot->get(db.space, key_of(200))) == std::optional<std::string>("v"));
  CHECK(must(snapshot->get(db.space, key_of(100) + "x")) == std::nullopt);
  // Backwards from a kept range.
  cursor->seek(key_of(100));
  cursor->prev();
  CHECK(at(*cursor) == key_of(99));
  // A walk from before the kept ranges through them: read up to the first, through it from the
  // cache, on from RocksDB after it; every key once, in order.
  auto walk = must(snapshot->cursor(db.space, {}));
  walk->seek(key_of(90));
  for (int i = 90; i < 320; ++i, walk->next()) REQUIRE(at(*walk) == key_of(i));
  CHECK(walk->status().has_value());
  walk.reset();  // what a cursor is reading is offered when it moves elsewhere or closes
  const std::uint64_t reads = figure(*db.store, "reads");
  auto again = must(db.store->snapshot());
  CHECK(scan(*again, db.space, CursorBounds{key_of(90), key_of(320)}).size() == 230);
  CHECK(figure(*db.store, "reads") == reads);
}

TEST_CASE("sorted probes a few keys apart leave one range, with the keys between them") {
  Opened db(std::size_t{64} << 20);
  db.put_range(0, 5000, "v");
  {
    auto snapshot = must(db.store->snapshot());
    auto cursor = must(snapshot->cursor(db.space, {}));
    for (int i = 0; i <= 600; i += 6) {
      cursor->seek(key_of(i));
      REQUIRE(at(*cursor) == key_of(i));
    }
  }
  CHECK(figure(*db.store, "reads") == 1);
  CHECK(figure(*db.store, "admitted") == 1);
  // Every key from the first probe to the last is kept: a scan of them reads nothing more.
  auto again = must(db.store->snapshot());
  CHECK(scan(*again, db.space, CursorBounds{key_of(0), key_of(600) + std::string(1, '\0')}).size() == 601);
  CHECK(figure(*db.store, "reads") == 1);
  {
    // Sorted probes inside it, near and far, and between keys: answered from it, and right.
    auto cursor = must(again->cursor(db.space, {}));
    for (int i = 0, gap = 1; i < 590; i += gap, gap = gap % 97 + 1) {
      cursor->seek(key_of(i));
      REQUIRE(at(*cursor) == key_of(i));
      cursor->seek(key_of(i) + "x");
      REQUIRE(at(*cursor) == key_of(i + 1));
    }
  }
  CHECK(figure(*db.store, "reads") == 1);
  // Probes further apart than the steps tried: each its own range, found right.
  {
    auto cursor = must(again->cursor(db.space, {}));
    for (int i = 1000; i < 5000; i += 500) {
      cursor->seek(key_of(i));
      REQUIRE(at(*cursor) == key_of(i));
    }
    cursor->seek(key_of(4999) + "x");
    CHECK_FALSE(cursor->valid());
    CHECK(cursor->status().has_value());
  }
  CHECK(figure(*db.store, "reads") == 1 + 8 + 1);  // one a probe, one past the end
  auto third = must(db.store->snapshot());
  CHECK(scan(*third, db.space) == scan(*again, db.space));
}

TEST_CASE("a write drops only the cached ranges that hold a key it writes") {
  Opened db(std::size_t{64} << 20);
  db.put_range(0, 5000, "v");
  auto before = must(db.store->snapshot());
  (void)scan(*before, db.space);
  const std::uint64_t admitted = figure(*db.store, "admitted");
  db.put_range(2500, 2501, "changed");
  CHECK(figure(*db.store, "invalidated") == 1);
  auto after = must(db.store->snapshot());
  auto rows = scan(*after, db.space);
  REQUIRE(rows.size() == 5000);
  CHECK(rows[2500].second == "changed");
  CHECK(rows[2499].second == "v");
  // One range read again, the others served from the cache.
  CHECK(figure(*db.store, "admitted") == admitted + 1);
  // The snapshot taken before the write still reads the old value, cached range or not.
  CHECK(scan(*before, db.space)[2500].second == "v");
  CHECK(must(before->get(db.space, key_of(2500))) == std::optional<std::string>("v"));
}

TEST_CASE("a snapshot older than a write never reads what was cached after it") {
  Opened db(std::size_t{64} << 20);
  db.put_range(0, 100, "old");
  auto old_snapshot = must(db.store->snapshot());
  // Cached by a newer snapshot after the key was rewritten.
  db.put_range(50, 51, "new");
  auto fresh = must(db.store->snapshot());
  REQUIRE(scan(*fresh, db.space)[50].second == "new");
  REQUIRE(figure(*db.store, "admitted") > 0);
  auto rows = scan(*old_snapshot, db.space);
  CHECK(rows[50].second == "old");
  CHECK(must(old_snapshot->get(db.space, key_of(50))) == std::optional<std::string>("old"));
  auto many = must(old_snapshot->get_many(db.space, std::vector<std::string_view>{key_of(50), key_of(51)}));
  CHECK(many[0] == std::optional<std::string>("old"));
  // And nothing it read was kept: a write came after it.
  const std::uint64_t admitted = figure(*db.store, "admitted");
  (void)scan(*old_snapshot, db.space);
  CHECK(figure(*db.store, "admitted") == admitted);
}

TEST_CASE("a range deletion drops every cached range it meets") {
  Opened db(std::size_t{64} << 20);
  db.put_range(0, 3000, "v");
  (void)scan(*must(db.store->snapshot()), db.space);
  WriteBatch batch;
  batch.delete_range(db.space, key_of(1000), key_of(2000));
  must(db.store->write(batch));
  CHECK(figure(*db.store, "invalidated") > 1);
  auto rows = scan(*must(db.store->snapshot()), db.space);
  REQUIRE(rows.size() == 2000);
  CHECK(rows[999].first == key_of(999));
  CHECK(rows[1000].first == key_of(2000));
}

TEST_CASE("the cache stays within its capacity") {
  const std::size_t capacity = std::size_t{512} << 10;  // a third of the data
  Opened db(capacity);
  db.put_range(0, 40000, std::string(20, 'x'));
  for (int round = 0; round < 3; ++round) {
    auto snapshot = must(db.store->snapshot());
    // Reads of 500 keys each (~25 KB, under an eighth of the capacity: each is kept whole).
    auto cursor = must(snapshot->cursor(db.space, {}));
    int seen = 0;
    for (int from = 0; from < 40000; from += 500) {
      cursor->seek(key_of(from));
      for (int i = 0; i < 500 && cursor->valid(); ++i, cursor->next()) ++seen;
    }
    CHECK(seen == 40000);
    CHECK(figure(*db.store, "usage") <= capacity);
  }
  CHECK(figure(*db.store, "evicted") > 0);
}

TEST_CASE("room is made by dropping the ranges read least recently") {
  // A range just read counts as used now: reading past the capacity drops what was read longest
  // ago (here the first range, read twice at the start), not what was read last.
  const std::size_t capacity = std::size_t{512} << 10;
  Opened db(capacity);
  db.put_range(0, 40000, std::string(20, 'x'));
  auto snapshot = must(db.store->snapshot());
  auto cursor = must(snapshot->cursor(db.space, {}));
  auto read_piece = [&](int from) {  // 500 keys, ~25 KB: kept whole
    cursor->seek(key_of(from));
    int seen = 0;
    for (int i = 0; i < 500 && cursor->valid(); ++i, cursor->next()) ++seen;
    CHECK(seen == 500);
  };
  read_piece(0);
  read_piece(0);
  for (int from = 500; from < 40000; from += 500) read_piece(from);
  REQUIRE(figure(*db.store, "evicted") > 0);
  const std::uint64_t reads = figure(*db.store, "reads");
  auto later = must(db.store->snapshot());
  auto again = must(later->cursor(db.space, {}));
  again->seek(key_of(39500));  // the last range read is still kept
  for (int i = 0; i < 500 && again->valid(); ++i) again->next();
  CHECK(figure(*db.store, "reads") == reads);
  again->seek(key_of(0));  // the first one is gone
  CHECK(at(*again) == key_of(0));
  CHECK(figure(*db.store, "reads") > reads);
}

TEST_CASE("one read longer than an eighth of the capacity keeps only its start") {
  // A scan past RangeCache::longest_stretch() reads RocksDB directly from there on: it neither
  // pushes out what other reads keep nor is recorded again on every run.
  const std::size_t capacity = std::size_t{512} << 10;
  Opened db(capacity);
  db.put_range(0, 40000, std::string(20, 'x'));
  for (int round = 0; round < 3; ++round) {
    auto snapshot = must(db.store->snapshot());
    CHECK(scan(*snapshot, db.space).size() == 40000);
    CHECK(figure(*db.store, "usage") <= capacity / 8 + (std::size_t{64} << 10));
  }
  CHECK(figure(*db.store, "evicted") == 0);
  // Every key is still read, in order, from a later seek into the kept start.
  auto snapshot = must(db.store->snapshot());
  auto cursor = must(snapshot->cursor(db.space, {}));
  cursor->seek(key_of(10));
  int i = 10;
  for (; cursor->valid(); cursor->next(), ++i) REQUIRE(at(*cursor) == key_of(i));
  CHECK(i == 40000);
}

TEST_CASE("range-cache 0 turns the cache off") {
  Opened db(0);
  db.put_range(0, 10, "v");
  CHECK(scan(*must(db.store->snapshot()), db.space).size() == 10);
  CHECK(must(db.store->property("quarry.range-cache.reads")) == std::nullopt);
}

// The writer rewrites every key of the space to the round's number, in one batch per round;
// readers on fresh snapshots must always see all keys equal (a segment cached from a state the snapshot does not see, or kept
// after a write to its range, shows as two rounds at once).
TEST_CASE("readers racing a writer see whole writes only") {
  Opened db(std::size_t{1} << 20);
  constexpr int kKeys = 2000;
  db.put_range(0, kKeys, "0");
  std::atomic<bool> done{false};
  std::atomic<int> mismatches{0}, reads{0};
  auto reader = [&](int seed) {
    unsigned x = static_cast<unsigned>(seed);
    while (!done.load()) {
      auto snapshot = must(db.store->snapshot());
      x = x * 1103515245 + 12345;
      if (x % 3 == 0) {
        auto rows = scan(*snapshot, db.space);
        if (rows.size() != kKeys) ++mismatches;
        for (const auto& row : rows)
          if (row.second != rows.front().second) ++mismatches;
      } else {
        // Sorted probes on one cursor, then point reads of the same keys.
        auto cursor = must(snapshot->cursor(db.space));
        std::string seen;
        for (int i = static_cast<int>(x % 97); i < kKeys; i += 1 + static_cast<int>(x % 61)) {
          cursor->seek(key_of(i));
          if (!cursor->valid() || cursor->key() != key_of(i)) ++mismatches;
          else if (seen.empty()) seen = std::string(cursor->value());
          else if (cursor->value() != seen) ++mismatches;
          auto got = must(snapshot->get(db.space, key_of(i)));
          if (!got || *got != seen) ++mismatches;
        }
      }
      ++reads;
    }
  };
  std::thread a(reader, 1), b(reader, 2);
  for (int round = 1; round <= 300; ++round) db.put_range(0, kKeys, std::to_string(round));
  done = true;
  a.join();
  b.join();
  MESSAGE(reads.load() << " reads raced 300 writes");
  CHECK(mismatches.load() == 0);
  CHECK(reads.load() > 0);
}
