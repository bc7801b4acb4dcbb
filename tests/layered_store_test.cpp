// LayeredStore against a model: random writes to a base store, a snapshot, then random writes
// (puts, deletes, range deletes) to a layer over it; every read of the layer must equal the same
// reads of a std::map holding base-then-layer, and the base must not change. (The protocol's
// conformance suite also runs on LayeredStore: storage_conformance_test.cpp.)
#include <doctest/doctest.h>

#include <map>
#include <random>

#include "support/storage_fixture.hpp"

using namespace quarry;
using namespace quarry::testing;

namespace {

using Model = std::map<std::string, std::string>;

std::string random_key(std::mt19937& rng) {
  static const char* alphabet = "abc\x00\xff";
  std::string k;
  int n = static_cast<int>(rng() % 4);
  for (int i = 0; i < n; ++i) k.push_back(alphabet[rng() % 5]);
  return k;
}

void random_batch(std::mt19937& rng, SpaceId space, Model& model, WriteBatch& batch) {
  int ops = 1 + static_cast<int>(rng() % 6);
  for (int i = 0; i < ops; ++i) {
    std::string k = random_key(rng);
    switch (rng() % 5) {
      case 0:
      case 1:
      case 2: {
        std::string v = "v" + std::to_string(rng() % 1000);
        batch.put(space, k, v);
        model[k] = v;
        break;
      }
      case 3:
        batch.del(space, k);
        model.erase(k);
        break;
      default: {
        std::string end = random_key(rng);
        batch.delete_range(space, k, end);
        if (k < end) model.erase(model.lower_bound(k), model.lower_bound(end));
      }
    }
  }
}

Model forward(const Snapshot& snap, SpaceId space, const CursorBounds& bounds) {
  Model out;
  auto c = must(snap.cursor(space, bounds));
  for (c->seek_to_first(); c->valid(); c->next()) out.emplace(c->key(), c->value());
  must(c->status());
  return out;
}

Model backward(const Snapshot& snap, SpaceId space, const CursorBounds& bounds) {
  Model out;
  auto c = must(snap.cursor(space, bounds));
  for (c->seek_to_last(); c->valid(); c->prev()) out.emplace(c->key(), c->value());
  must(c->status());
  return out;
}

Model in_bounds(const Model& m, const CursorBounds& b) {
  Model out;
  for (const auto& [k, v] : m)
    if ((!b.lower || k >= *b.lower) && (!b.upper || k < *b.upper)) out.emplace(k, v);
  return out;
}

}  // namespace

TEST_CASE("a layered store reads as its base with its own writes applied, in both directions") {
  const unsigned seed = 20261204;
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int round = 0; round < 200; ++round) {
    auto base_store = must(MemoryStore::open({"s"}));
    SpaceId s{0};
    Model base_model;
    for (int i = 0; i < 3; ++i) {
      WriteBatch b;
      random_batch(rng, s, base_model, b);
      must(base_store->write(b));
    }
    std::shared_ptr<Store> base = std::move(base_store);
    std::shared_ptr<const Snapshot> base_snap = must(base->snapshot());
    auto layered = must(LayeredStore::open(base, base_snap));
    Model model = base_model;
    for (int i = 0; i < 3; ++i) {
      WriteBatch b;
      random_batch(rng, s, model, b);
      must(layered->write(b));
    }
    auto snap = must(layered->snapshot());
    CursorBounds bounds;
    if (rng() % 2) bounds.lower = random_key(rng);
    if (rng() % 2) bounds.upper = random_key(rng);
    Model expected = in_bounds(model, bounds);
    CHECK(forward(*snap, s, bounds) == expected);
    CHECK(backward(*snap, s, bounds) == expected);
    CHECK(forward(*base_snap, s, {}) == base_model);  // the base is untouched
    for (int probe = 0; probe < 8; ++probe) {
      std::string k = random_key(rng);
      auto got = must(snap->get(s, k));
      auto it = model.find(k);
      CHECK(got == (it == model.end() ? std::nullopt : std::optional<std::string>(it->second)));
      // seek / seek_for_prev, then a step in the other direction (the cursor re-seeks).
      auto c = must(snap->cursor(s, bounds));
      c->seek(k);
      auto ge = expected.lower_bound(k);
      REQUIRE(c->valid() == (ge != expected.end()));
      if (c->valid()) {
        CHECK(c->key() == ge->first);
        c->prev();
        CHECK(c->valid() == (ge != expected.begin()));
        if (c->valid()) CHECK(c->key() == std::prev(ge)->first);
      }
      c->seek_for_prev(k);
      auto le = expected.upper_bound(k);
      bool any = le != expected.begin();
      REQUIRE(c->valid() == any);
      if (any) {
        --le;
        CHECK(c->key() == le->first);
        c->next();
        auto after = std::next(le);
        CHECK(c->valid() == (after != expected.end()));
        if (c->valid()) CHECK(c->key() == after->first);
      }
    }
  }
}
