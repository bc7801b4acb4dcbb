// Randomized model test of the storage protocol: random batches of puts, deletes and range deletes
// across spaces, snapshots taken at random points and read long after later writes, cursors in both
// directions with random bounds — every answer compared with a std::map-of-std::map reference.
// Runs against MemoryStore and RocksStore with a fixed, printed seed (QUARRY_SEED replaces it for
// the first case, to run more histories by hand).
#include <algorithm>
#include <map>
#include <random>

#include "support/storage_fixture.hpp"
#include "support/test_seed.hpp"

using namespace quarry;
using namespace quarry::testing;

namespace {

const std::uint64_t kSeed = seed_from_env(0x5eed'2024'0001);
constexpr int kSteps = 3000;
const std::vector<std::string> kSpaces{"s0", "s1", "s2"};

using Space = std::map<std::string, std::string>;
using Model = std::vector<Space>;

class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  std::size_t below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(engine_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(engine_); }
  // Short keys over an alphabet with the bytes that trip signed comparisons and C strings, so that
  // keys collide, share prefixes and straddle 0x7f/0x80.
  std::string key() {
    static const char kAlphabet[] = {'\0', '\x01', 'a', 'b', '\x7f', '\x80', '\xff'};
    std::string k(1 + below(5), '\0');
    for (char& c : k) c = kAlphabet[below(sizeof kAlphabet)];
    return k;
  }
  std::string value() { return std::string(below(12), static_cast<char>('A' + below(26))); }

 private:
  std::mt19937_64 engine_;
};

// The model's answer to a cursor: the entries inside the bounds, in order.
std::vector<std::pair<std::string, std::string>> in_bounds(const Space& space, const CursorBounds& b) {
  auto first = b.lower ? space.lower_bound(*b.lower) : space.begin();
  auto last = b.upper ? space.lower_bound(*b.upper) : space.end();
  if (b.lower && b.upper && *b.upper <= *b.lower) return {};
  return {first, last};
}

CursorBounds random_bounds(Random& rng) {
  CursorBounds b;
  if (rng.chance(0.5)) b.lower = rng.key();
  if (rng.chance(0.5)) b.upper = rng.key();
  return b;
}

// Compares everything one snapshot can be asked about one space against the model's copy.
void verify(const Snapshot& snap, SpaceId id, const Space& space, Random& rng) {
  for (int i = 0; i < 5; ++i) {
    std::string key = rng.chance(0.5) && !space.empty()
                          ? std::next(space.begin(), rng.below(space.size()))->first
                          : rng.key();
    auto found = must(snap.get(id, key));
    auto expected = space.find(key);
    REQUIRE(found.has_value() == (expected != space.end()));
    if (found) REQUIRE(*found == expected->second);
  }

  CursorBounds bounds = random_bounds(rng);
  auto expected = in_bounds(space, bounds);
  auto cursor = must(snap.cursor(id, bounds));
  cursor->seek_to_first();
  REQUIRE(drain(*cursor, true) == expected);
  cursor->seek_to_last();
  auto backward = drain(*cursor, false);
  std::reverse(backward.begin(), backward.end());
  REQUIRE(backward == expected);

  // Sorted forward re-seeks on the same cursor (the probes of a join), each followed by a step,
  // then one read of every probed key through get_many.
  std::vector<std::string> targets;
  for (int i = 0; i < 6; ++i) targets.push_back(rng.key());
  std::sort(targets.begin(), targets.end());
  for (const std::string& target : targets) {
    cursor->seek(target);
    auto at = std::lower_bound(expected.begin(), expected.end(), target,
                               [](const auto& e, const std::string& k) { return e.first < k; });
    for (int step = 0; step < 2; ++step, ++at) {
      REQUIRE(cursor->valid() == (at != expected.end()));
      must(cursor->status());
      if (at == expected.end()) break;
      REQUIRE(cursor->key() == at->first);
      REQUIRE(cursor->value() == at->second);
      cursor->next();
    }
  }
  std::vector<std::string_view> wanted(targets.begin(), targets.end());
  if (!space.empty()) wanted.push_back(space.begin()->first);
  auto many = must(snap.get_many(id, wanted));
  REQUIRE(many.size() == wanted.size());
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    auto it = space.find(std::string(wanted[i]));
    REQUIRE(many[i].has_value() == (it != space.end()));
    if (many[i]) REQUIRE(*many[i] == it->second);
  }

  // Random seeks followed by a few steps either way.
  for (int i = 0; i < 4; ++i) {
    std::string target = rng.key();
    bool forward = rng.chance(0.5);
    std::ptrdiff_t at;  // index into expected; -1 or size() when off either end
    if (forward) {
      cursor->seek(target);
      at = std::lower_bound(expected.begin(), expected.end(), target,
                            [](const auto& e, const std::string& k) { return e.first < k; }) -
           expected.begin();
    } else {
      cursor->seek_for_prev(target);
      at = (std::upper_bound(expected.begin(), expected.end(), target,
                             [](const std::string& k, const auto& e) { return k < e.first; }) -
            expected.begin()) - 1;
    }
    for (int step = 0; step < 6; ++step) {
      bool inside = at >= 0 && at < static_cast<std::ptrdiff_t>(expected.size());
      REQUIRE(cursor->valid() == inside);
      must(cursor->status());
      if (!inside) break;
      REQUIRE(cursor->key() == expected[at].first);
      REQUIRE(cursor->value() == expected[at].second);
      if (rng.chance(0.5)) {
        cursor->next();
        ++at;
      } else {
        cursor->prev();
        --at;
      }
    }
  }
}

// RocksStores with the range cache (storage/range_cache.hpp) off, and small enough (16 KiB) that
// ranges are evicted all the time; RocksFactory has the default cache.
template <std::size_t CacheBytes>
struct RocksRangeCacheFactory : RocksFactory {
  static constexpr const char* kName = CacheBytes == 0 ? "rocksdb, range cache off" : "rocksdb, range cache 16 KiB";
  Result<std::unique_ptr<Store>> open(std::vector<std::string> spaces) {
    RocksOptions o = options();
    o.range_cache_bytes = CacheBytes;
    auto store = RocksStore::open(o, std::move(spaces));
    if (!store) return std::unexpected(store.error());
    return std::unique_ptr<Store>(std::move(*store));
  }
};
using RocksNoRangeCacheFactory = RocksRangeCacheFactory<0>;
using RocksTinyRangeCacheFactory = RocksRangeCacheFactory<std::size_t{16} << 10>;

struct HeldSnapshot {
  std::unique_ptr<Snapshot> snapshot;
  Model model;
  int taken_at;
};

}  // namespace

TEST_CASE_TEMPLATE("random batches, snapshots and cursors agree with a std::map model", F,
                   MemoryFactory, RocksFactory, RocksNoRangeCacheFactory, RocksTinyRangeCacheFactory) {
  MESSAGE("store " << std::string(F::kName) << ", seed " << kSeed << ", " << kSteps << " steps");
  Random rng(kSeed);
  F factory;
  auto store = must(factory.open(kSpaces));
  std::vector<SpaceId> ids;
  for (const auto& name : kSpaces) ids.push_back(must(store->space(name)));
  Model model(kSpaces.size());
  std::vector<HeldSnapshot> held;
  std::size_t ops = 0;

  for (int step = 0; step < kSteps; ++step) {
    CAPTURE(step);
    double roll = rng.below(1000) / 1000.0;
    if (roll < 0.50) {
      // A batch of 1..20 operations across spaces, occasionally a bulk load of a few hundred keys.
      WriteBatch batch;
      std::size_t n = rng.chance(0.05) ? 300 + rng.below(300) : 1 + rng.below(20);
      for (std::size_t i = 0; i < n; ++i) {
        std::size_t s = rng.below(ids.size());
        double kind = rng.below(100) / 100.0;
        if (kind < 0.72) {
          std::string k = rng.key(), v = rng.value();
          batch.put(ids[s], k, v);
          model[s][k] = v;
        } else if (kind < 0.99) {
          std::string k = rng.key();
          batch.del(ids[s], k);
          model[s].erase(k);
        } else {
          // Half narrow (a key and its extensions below 0x80), half arbitrary.
          std::string begin = rng.key();
          std::string end = rng.chance(0.5) ? begin + '\x80' : rng.key();
          batch.delete_range(ids[s], begin, end);
          if (begin < end) model[s].erase(model[s].lower_bound(begin), model[s].lower_bound(end));
        }
      }
      ops += n;
      must(store->write(batch));
    } else if (roll < 0.60) {
      held.push_back(HeldSnapshot{must(store->snapshot()), model, step});
      if (held.size() > 6) held.erase(held.begin() + static_cast<std::ptrdiff_t>(rng.below(held.size())));
    } else {
      // Read through a held snapshot (possibly many writes old) or a fresh one.
      std::size_t s = rng.below(ids.size());
      if (!held.empty() && rng.chance(0.6)) {
        const HeldSnapshot& h = held[rng.below(held.size())];
        CAPTURE(h.taken_at);
        verify(*h.snapshot, ids[s], h.model[s], rng);
      } else {
        auto snap = must(store->snapshot());
        verify(*snap, ids[s], model[s], rng);
      }
    }
  }
  // Finally every held snapshot, every space, in full.
  for (const HeldSnapshot& h : held) {
    for (std::size_t s = 0; s < ids.size(); ++s) {
      auto cursor = must(h.snapshot->cursor(ids[s]));
      cursor->seek_to_first();
      CHECK(drain(*cursor) == std::vector<std::pair<std::string, std::string>>(h.model[s].begin(),
                                                                                h.model[s].end()));
    }
  }
  std::size_t keys = 0;
  for (const Space& space : model) keys += space.size();
  MESSAGE("applied " << ops << " operations; " << keys << " keys at the end");
}

TEST_CASE("MemoryStore: large random batches into a large space agree with the model") {
  // Enough keys for a tree three levels deep (kLeafMax * kFanout = 4096 keys per two levels), with
  // batches that split, empty and drop leaves and inner nodes, and old versions read afterwards.
  constexpr std::uint64_t kBulkSeed = 0x5eed'2024'0002;
  MESSAGE("seed " << kBulkSeed);
  std::mt19937_64 engine(kBulkSeed);
  auto store = must(MemoryStore::open({"s"}));
  SpaceId s = must(store->space("s"));
  Space model;
  std::vector<std::pair<std::unique_ptr<Snapshot>, Space>> old;
  auto key = [&] { return "k" + std::to_string(engine() % 400000); };
  for (int round = 0; round < 30; ++round) {
    CAPTURE(round);
    WriteBatch batch;
    std::size_t n = 1 + engine() % 20000;
    for (std::size_t i = 0; i < n; ++i) {
      std::string k = key();
      if (engine() % 3 == 0) {
        batch.del(s, k);
        model.erase(k);
      } else {
        batch.put(s, k, k);
        model[k] = k;
      }
    }
    if (round % 7 == 6) {
      std::string a = key(), b = key();
      batch.delete_range(s, a, b);
      if (a < b) model.erase(model.lower_bound(a), model.lower_bound(b));
    }
    must(store->write(batch));
    if (round % 5 == 0) old.emplace_back(must(store->snapshot()), model);
    REQUIRE(must(store->range_stats(s)).approximate_keys == model.size());
  }
  for (auto& [snap, expected] : old) {
    auto cursor = must(snap->cursor(s));
    // Ascending re-seeks, near and far, through a tree several levels deep (the probes of a join).
    std::vector<std::string> targets;
    for (int i = 0; i < 3000; ++i) targets.push_back(key());
    std::sort(targets.begin(), targets.end());
    for (const std::string& target : targets) {
      cursor->seek(target);
      auto at = expected.lower_bound(target);
      REQUIRE(cursor->valid() == (at != expected.end()));
      if (at != expected.end()) REQUIRE(cursor->key() == at->first);
    }
    cursor->seek_to_last();
    auto backward = drain(*cursor, false);
    std::reverse(backward.begin(), backward.end());
    CHECK(backward == std::vector<std::pair<std::string, std::string>>(expected.begin(), expected.end()));
  }
}

TEST_CASE("MemoryStore: keys whose first 8 bytes tie (key heads) are found by seeks and gets as in the model") {
  // The tree searches by each key's first 8 bytes as an integer (its head) and compares key bytes
  // only among equal heads: here most keys share one of three 8-byte starts (0xFF x 8, the largest
  // head, among them), many are exactly those 8 bytes or shorter (zero-padded heads that tie with
  // longer keys), so leaves and inner nodes hold long runs of equal heads, also across node edges.
  constexpr std::uint64_t kTieSeed = 0x5eed'2024'0004;
  MESSAGE("seed " << kTieSeed);
  std::mt19937_64 engine(kTieSeed);
  const std::string starts[] = {std::string(8, '\xff'), std::string("person-1"), std::string(7, '\0')};
  auto key = [&] {
    std::string k = starts[engine() % 3];
    static const char kTail[] = {'\0', '\x01', 'a', '\x7f', '\x80', '\xff'};
    for (std::size_t n = engine() % 4; n > 0; --n) k.push_back(kTail[engine() % sizeof kTail]);
    if (engine() % 8 == 0) k.resize(engine() % 9);
    return k;
  };
  auto store = must(MemoryStore::open({"s"}));
  SpaceId s = must(store->space("s"));
  Space model;
  for (int round = 0; round < 4; ++round) {
    WriteBatch batch;
    for (int i = 0; i < 6000; ++i) {
      std::string k = key();
      if (engine() % 4 == 0) {
        batch.del(s, k);
        model.erase(k);
      } else {
        batch.put(s, k, k + "v");
        model[k] = k + "v";
      }
    }
    must(store->write(batch));
  }
  auto snap = must(store->snapshot());
  auto cursor = must(snap->cursor(s));
  cursor->seek_to_first();
  REQUIRE(drain(*cursor, true) == std::vector<std::pair<std::string, std::string>>(model.begin(), model.end()));
  for (int i = 0; i < 4000; ++i) {
    const std::string target = key();
    CAPTURE(i);
    auto found = must(snap->get(s, target));
    auto it = model.find(target);
    REQUIRE(found.has_value() == (it != model.end()));
    if (i % 2 == 0) {
      cursor->seek(target);
      auto at = model.lower_bound(target);
      REQUIRE(cursor->valid() == (at != model.end()));
      if (at != model.end()) REQUIRE(cursor->key() == at->first);
    } else {
      cursor->seek_for_prev(target);
      auto at = model.upper_bound(target);
      REQUIRE(cursor->valid() == (at != model.begin()));
      if (at != model.begin()) REQUIRE(cursor->key() == std::prev(at)->first);
    }
  }
}

namespace {

// Keys shaped like the index's (an entity, then an attribute, then a value), so that a cursor meets
// near targets (the next attribute of the same entity, a few entries on) and far ones (another
// entity) the way the probes of a join do.
std::string entity_key(std::uint32_t e, std::uint8_t attr, std::string_view rest) {
  std::string k;
  k.push_back(static_cast<char>(e >> 8));
  k.push_back(static_cast<char>(e & 0xff));
  k.push_back(static_cast<char>(attr));
  k.append(rest);
  return k;
}

}  // namespace

TEST_CASE_TEMPLATE("one cursor's long random walk of re-seeks and steps both ways agrees with a std::map model",
                   F, MemoryFactory, RocksFactory, LayeredFactory) {
  // The data is written in three rounds (RocksStore: the first compacted, the second flushed to
  // level 0, the third left in the memtable, with deletes and overwrites of earlier rounds' keys),
  // so a RocksDB cursor merges table files and a memtable with tombstones; MemoryStore's tree is
  // several levels deep. Then one cursor per bounds does 4,000 moves: forward seeks to near
  // targets (a later attribute of the current entity: RocksStore steps with Next) and far ones,
  // backward seeks, seek_for_prev, seek_to_first/last, and runs of next/prev, each position
  // compared with the model.
  constexpr std::uint64_t kWalkSeed = 0x5eed'2024'0003;
  MESSAGE("store " << std::string(F::kName) << ", seed " << kWalkSeed);
  std::mt19937_64 engine(kWalkSeed);
  F factory;
  auto store = must(factory.open({"s"}));
  SpaceId s = must(store->space("s"));
  Space model;
  constexpr std::uint32_t kEntities = 3000;
  auto random_rest = [&] { return std::string(engine() % 3, static_cast<char>('a' + engine() % 3)); };
  for (int round = 0; round < 3; ++round) {
    WriteBatch batch;
    for (int i = 0; i < 6000; ++i) {
      std::string k = entity_key(static_cast<std::uint32_t>(engine() % kEntities), static_cast<std::uint8_t>(engine() % 8),
                                 random_rest());
      if (round > 0 && engine() % 4 == 0) {
        batch.del(s, k);
        model.erase(k);
      } else {
        std::string v = std::to_string(round) + ":" + std::to_string(i);
        batch.put(s, k, v);
        model[k] = v;
      }
    }
    must(store->write(batch));
    if (round < 2) must(store->flush());
    if (round == 0) must(store->compact(s));
  }
  REQUIRE(model.size() > 5000);

  auto snap = must(store->snapshot());
  const std::vector<CursorBounds> all_bounds{
      {}, {entity_key(700, 3, ""), entity_key(2100, 5, "b")}, {std::nullopt, entity_key(1500, 0, "")}};
  for (const CursorBounds& bounds : all_bounds) {
    auto expected = in_bounds(model, bounds);
    REQUIRE(!expected.empty());
    auto cursor = must(snap->cursor(s, bounds));
    std::ptrdiff_t at = -1;  // index into expected; -1 or size() when off either end
    const auto size = static_cast<std::ptrdiff_t>(expected.size());
    auto lower = [&](const std::string& k) {
      return std::lower_bound(expected.begin(), expected.end(), k,
                              [](const auto& e, const std::string& t) { return e.first < t; }) -
             expected.begin();
    };
    auto upper = [&](const std::string& k) {
      return std::upper_bound(expected.begin(), expected.end(), k,
                              [](const std::string& t, const auto& e) { return t < e.first; }) -
             expected.begin();
    };
    for (int move = 0; move < 4000; ++move) {
      CAPTURE(move);
      const bool inside = at >= 0 && at < size;
      const std::uint64_t roll = engine() % 100;
      if (inside && roll < 30) {
        // Near: a later attribute of the current entity, or the next entity's first.
        const std::string_view here = expected[at].first;
        const std::uint32_t e = (static_cast<unsigned char>(here[0]) << 8) | static_cast<unsigned char>(here[1]);
        const auto attr = static_cast<std::uint8_t>(here[2]);
        std::string target = attr < 7 ? entity_key(e, static_cast<std::uint8_t>(attr + 1 + engine() % (7 - attr)), "")
                                      : entity_key(e + 1, 0, "");
        cursor->seek(target);
        at = lower(target);
      } else if (roll < 50) {
        std::string target = entity_key(static_cast<std::uint32_t>(engine() % (kEntities + 2)),
                                        static_cast<std::uint8_t>(engine() % 9), random_rest());
        cursor->seek(target);
        at = lower(target);
      } else if (roll < 62) {
        std::string target = entity_key(static_cast<std::uint32_t>(engine() % (kEntities + 2)),
                                        static_cast<std::uint8_t>(engine() % 9), random_rest());
        cursor->seek_for_prev(target);
        at = upper(target) - 1;
      } else if (roll < 64) {
        cursor->seek_to_first();
        at = 0;
      } else if (roll < 66) {
        cursor->seek_to_last();
        at = size - 1;
      } else if (inside) {
        const bool forward = roll < 83;
        for (std::uint64_t n = 1 + engine() % 6; n > 0 && at >= 0 && at < size; --n) {
          if (forward) {
            cursor->next();
            ++at;
          } else {
            cursor->prev();
            --at;
          }
          if (at >= 0 && at < size) REQUIRE(cursor->key() == expected[at].first);
        }
      }
      REQUIRE(cursor->valid() == (at >= 0 && at < size));
      must(cursor->status());
      if (cursor->valid()) {
        REQUIRE(cursor->key() == expected[at].first);
        REQUIRE(cursor->value() == expected[at].second);
      }
    }
  }
}
