// Randomized model test of the storage protocol: random batches of puts, deletes and range deletes
// across spaces, snapshots taken at random points and read long after later writes, cursors in both
// directions with random bounds — every answer compared with a std::map-of-std::map reference.
// Runs against MemoryStore and RocksStore with a fixed, printed seed.
#include <algorithm>
#include <map>
#include <random>

#include "support/storage_fixture.hpp"

using namespace quarry;
using namespace quarry::testing;

namespace {

constexpr std::uint64_t kSeed = 0x5eed'2024'0001;
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

struct HeldSnapshot {
  std::unique_ptr<Snapshot> snapshot;
  Model model;
  int taken_at;
};

}  // namespace

TEST_CASE_TEMPLATE("random batches, snapshots and cursors agree with a std::map model", F,
                   MemoryFactory, RocksFactory) {
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
