// MemoryStore: the in-memory implementation of the storage protocol (store.hpp), the default for
// tests and `quarry --mem`. Nothing is persisted.
//
// Each space is a persistent B+tree (memory_tree.hpp). The store's state is one immutable Version
// (a root per space); a snapshot is a reference to a Version, and a write builds the next Version
// from the previous one, sharing untouched subtrees, then publishes it under a short lock. So:
// - snapshots and cursors never block and are never blocked by a writer, and see exactly their
//   Version however many writes follow;
// - a batch of k keys into a space of n keys costs O(k log n) plus a copy of each touched leaf, not a
//   copy of the space;
// - memory of old versions is freed when the last snapshot or cursor that can see it goes.
//
// Thread safety: as store.hpp says; in addition, concurrent write() calls are serialized here.
// Cursors and snapshots of a MemoryStore may outlive the store (they own their Version), but the
// protocol does not promise that, so do not rely on it.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/memory_tree.hpp"
#include "storage/store.hpp"

namespace quarry {

class MemoryStore final : public Store {
 public:
  // A store with the given key spaces, all empty. InvalidArgument for empty, duplicate or reserved
  // ("default") names.
  [[nodiscard]] static Result<std::unique_ptr<MemoryStore>> open(std::vector<std::string> spaces);

  [[nodiscard]] Result<std::unique_ptr<Snapshot>> snapshot() const override;
  [[nodiscard]] Result<void> write(const WriteBatch& batch, WriteOptions options = {}) override;
  [[nodiscard]] Result<void> flush() override { return {}; }
  [[nodiscard]] Result<void> compact(SpaceId space) override { return check(space); }
  [[nodiscard]] Result<RangeStats> range_stats(SpaceId space,
                                               const CursorBounds& range = {}) const override;
  // Knows "quarry.memory.keys" and "quarry.memory.bytes" (of one space, or of all).
  [[nodiscard]] Result<std::optional<std::string>> property(
      std::string_view name, std::optional<SpaceId> space = std::nullopt) const override;

  // One immutable state of every space: roots[space.index].
  struct Version {
    std::vector<memtree::NodePtr> roots;
  };

 private:
  explicit MemoryStore(std::vector<std::string> spaces);
  [[nodiscard]] std::shared_ptr<const Version> current() const;

  mutable std::mutex current_mutex_;  // guards current_ (the pointer, not the Version)
  std::shared_ptr<const Version> current_;
  std::mutex write_mutex_;  // serializes write()
};

}  // namespace quarry
