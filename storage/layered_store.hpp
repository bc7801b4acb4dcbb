// LayeredStore: a private, in-memory continuation of one snapshot of another store.
//
// It starts out equal to `base` (a snapshot of some store) and takes writes of its own, which are
// kept in memory (a MemoryStore holding each written key as a put or a tombstone) and never reach
// the base store. Reads merge the two: a key written here shadows the base's, a deleted key hides
// it. This is what a speculative transaction (Datomic's `with`) needs: the database after a
// transaction that is never written, readable through every index like any other database value.
// Layers stack: a LayeredStore may be built on a snapshot of another LayeredStore.
//
// Cost: reads of untouched keys go to the base snapshot plus one in-memory lookup; cursors merge
// two cursors. Writes cost what MemoryStore's do; a DeleteRange visits every base key in its range.
//
// Ownership: the layered store, and every snapshot and cursor taken from it, share ownership of
// the base store and its snapshot, so they stay alive (and in the right order) as long as any of
// them does. Thread safety: as store.hpp says.
#pragma once

#include <memory>

#include "storage/memory_store.hpp"
#include "storage/store.hpp"

namespace quarry {

class LayeredStore final : public Store {
 public:
  // REQUIRES: base_snapshot was taken from base_store. Errors as MemoryStore::open.
  [[nodiscard]] static Result<std::unique_ptr<LayeredStore>> open(std::shared_ptr<Store> base_store,
                                                                  std::shared_ptr<const Snapshot> base_snapshot);

  [[nodiscard]] Result<std::unique_ptr<Snapshot>> snapshot() const override;
  [[nodiscard]] Result<void> write(const WriteBatch& batch, WriteOptions options = {}) override;
  [[nodiscard]] Result<void> flush() override { return {}; }
  [[nodiscard]] Result<void> compact(SpaceId space) override { return check(space); }
  // An estimate, as cheap as the base store's (the query planner asks for it): the base store's
  // figures for its current state, plus one key per put and minus one per tombstone of this layer
  // in the range (a put over an existing key, or a tombstone over a missing one, miscounts by one).
  // Costs the base's estimate plus a walk over the layer's own entries in the range.
  [[nodiscard]] Result<RangeStats> range_stats(SpaceId space, const CursorBounds& range = {}) const override;
  // Knows none: nullopt for every name.
  [[nodiscard]] Result<std::optional<std::string>> property(
      std::string_view name, std::optional<SpaceId> space = std::nullopt) const override;

  // The base store and snapshot; destroyed snapshot first (member order).
  struct Base {
    std::shared_ptr<Store> store;
    std::shared_ptr<const Snapshot> snapshot;
  };

 private:
  LayeredStore(std::shared_ptr<const Base> base, std::unique_ptr<MemoryStore> layer);
  std::shared_ptr<const Base> base_;
  std::unique_ptr<MemoryStore> layer_;
};

}  // namespace quarry
