#include "storage/memory_store.hpp"

#include <algorithm>
#include <exception>

#include "storage/write_batch.hpp"

namespace quarry {
namespace {

using memtree::KeyRange;
using memtree::PointOp;

// A cursor over one space of one Version, clamped to its bounds. A move can only cross the bound
// on its own side (next() the upper, prev() the lower; seeks are clamped first). Bounds are checked
// once per leaf, not once per key: on entering a leaf the cursor finds which of its slots lie
// inside the bounds (one comparison with the leaf's last / first key when the whole leaf does),
// and a step within the leaf compares slot numbers only.
class MemoryCursor final : public Cursor {
 public:
  MemoryCursor(memtree::NodePtr root, CursorBounds bounds)
      : pos_(std::move(root)), bounds_(std::move(bounds)) {}

  void seek_to_first() override {
    if (bounds_.lower) {
      pos_.seek_ge(*bounds_.lower);
    } else {
      pos_.first();
    }
    check_upper();
  }
  void seek_to_last() override {
    if (bounds_.upper) {
      pos_.seek_lt(*bounds_.upper);
    } else {
      pos_.last();
    }
    check_lower();
  }
  void seek(std::string_view key) override {
    if (bounds_.lower && key < *bounds_.lower) key = *bounds_.lower;
    pos_.seek_ge(key);
    check_upper();
  }
  void seek_for_prev(std::string_view key) override {
    if (bounds_.upper && key >= *bounds_.upper) {
      pos_.seek_lt(*bounds_.upper);
    } else {
      pos_.seek_le(key);
    }
    check_lower();
  }
  void next() override {
    pos_.next();
    // The common step, inline: still in the leaf last checked and below its bound slot (the
    // general check_upper costs a call and its register saves on every key of a scan).
    if (pos_.valid() && &pos_.leaf() == upper_leaf_ && pos_.slot() < upper_end_) return land(pos_.key(), pos_.value());
    check_upper();
  }
  void prev() override {
    pos_.prev();
    check_lower();
  }
  Result<void> status() const override { return {}; }

 private:
  [[gnu::noinline]] void check_upper() {
    if (!pos_.valid()) return leave();
    const memtree::Node& leaf = pos_.leaf();
    if (&leaf != upper_leaf_) {
      upper_leaf_ = &leaf;
      const std::size_t n = leaf.slots.size();
      upper_end_ = !bounds_.upper || leaf.key(n - 1) < *bounds_.upper
                       ? n
                       : memtree::leaf_lower_bound(leaf, memtree::SearchKey(*bounds_.upper));
    }
    if (pos_.slot() >= upper_end_) return leave();
    land(pos_.key(), pos_.value());
  }
  void check_lower() {
    if (!pos_.valid()) return leave();
    const memtree::Node& leaf = pos_.leaf();
    if (&leaf != lower_leaf_) {
      lower_leaf_ = &leaf;
      lower_begin_ = !bounds_.lower || leaf.key(0) >= *bounds_.lower
                         ? 0
                         : memtree::leaf_lower_bound(leaf, memtree::SearchKey(*bounds_.lower));
    }
    if (pos_.slot() < lower_begin_) return leave();
    land(pos_.key(), pos_.value());
  }

  memtree::Position pos_;  // holds the root, so the leaves below stay alive
  CursorBounds bounds_;
  // The last leaf whose slots were checked against each bound: slots [0, upper_end_) of
  // *upper_leaf_ are below the upper bound, slots [lower_begin_, n) of *lower_leaf_ at or above
  // the lower one.
  const memtree::Node* upper_leaf_ = nullptr;
  std::size_t upper_end_ = 0;
  const memtree::Node* lower_leaf_ = nullptr;
  std::size_t lower_begin_ = 0;
};

class MemorySnapshot final : public Snapshot {
 public:
  explicit MemorySnapshot(std::shared_ptr<const MemoryStore::Version> version)
      : version_(std::move(version)) {}

  Result<std::optional<std::string>> get(SpaceId space, std::string_view key) const override {
    if (space.index >= version_->roots.size()) return unknown_space(space, version_->roots.size());
    auto found = memtree::find(version_->roots[space.index].get(), key);
    if (!found) return std::nullopt;
    return std::string(*found);
  }

  Result<std::unique_ptr<Cursor>> cursor(SpaceId space, CursorBounds bounds, CursorOptions) const override {
    if (space.index >= version_->roots.size()) return unknown_space(space, version_->roots.size());
    return std::make_unique<MemoryCursor>(version_->roots[space.index], std::move(bounds));
  }

 private:
  std::shared_ptr<const MemoryStore::Version> version_;
};

// The operations of a batch on one space, reduced to what memtree::apply takes: the range deletes
// (sorted, merged) and the last point operation on each key, minus points a later range deleted.
struct SpaceChanges {
  struct Point {
    PointOp op;
    std::size_t seq;
  };
  struct Range {
    KeyRange range;
    std::size_t seq;
  };
  std::vector<Point> points;
  std::vector<Range> ranges;

  std::vector<PointOp> final_ops() const {
    std::vector<Point> sorted = points;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Point& a, const Point& b) { return a.op.key < b.op.key; });
    std::vector<PointOp> out;
    out.reserve(sorted.size());
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (i + 1 < sorted.size() && sorted[i + 1].op.key == sorted[i].op.key) continue;
      const Point& p = sorted[i];
      bool erased_later = std::any_of(ranges.begin(), ranges.end(), [&](const Range& r) {
        return r.seq > p.seq && r.range.begin <= p.op.key && p.op.key < r.range.end;
      });
      // A point followed by a range delete over it is just a delete (the range does it).
      if (!erased_later) out.push_back(p.op);
    }
    return out;
  }

  std::vector<KeyRange> final_ranges() const {
    std::vector<KeyRange> sorted;
    for (const Range& r : ranges) {
      if (r.range.begin < r.range.end) sorted.push_back(r.range);
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const KeyRange& a, const KeyRange& b) { return a.begin < b.begin; });
    std::vector<KeyRange> merged;
    for (const KeyRange& r : sorted) {
      if (!merged.empty() && r.begin <= merged.back().end) {
        merged.back().end = std::max(merged.back().end, r.end);
      } else {
        merged.push_back(r);
      }
    }
    return merged;
  }
};

}  // namespace

MemoryStore::MemoryStore(std::vector<std::string> spaces)
    : Store(std::move(spaces)),
      current_(std::make_shared<Version>(Version{std::vector<memtree::NodePtr>(space_names().size())})) {}

Result<std::unique_ptr<MemoryStore>> MemoryStore::open(std::vector<std::string> spaces) {
  if (auto ok = validate_names(spaces); !ok) return std::unexpected(ok.error());
  return std::unique_ptr<MemoryStore>(new MemoryStore(std::move(spaces)));
}

std::shared_ptr<const MemoryStore::Version> MemoryStore::current() const {
  std::lock_guard lock(current_mutex_);
  return current_;
}

Result<std::unique_ptr<Snapshot>> MemoryStore::snapshot() const {
  return std::make_unique<MemorySnapshot>(current());
}

Result<void> MemoryStore::write(const WriteBatch& batch, WriteOptions) {
  if (auto ok = check(batch); !ok) return ok;
  if (batch.empty()) return {};
  std::lock_guard writer(write_mutex_);
  try {
    std::vector<SpaceChanges> changes(space_names().size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      WriteBatch::Op op = batch[i];
      SpaceChanges& space = changes[op.space.index];
      switch (op.kind) {
        case WriteBatch::Kind::Put:
          space.points.push_back({PointOp{op.key, op.value}, i});
          break;
        case WriteBatch::Kind::Delete:
          space.points.push_back({PointOp{op.key, std::nullopt}, i});
          break;
        case WriteBatch::Kind::DeleteRange:
          space.ranges.push_back({KeyRange{op.key, op.value}, i});
          break;
      }
    }
    auto next = std::make_shared<Version>(*current());
    for (std::size_t s = 0; s < changes.size(); ++s) {
      if (changes[s].points.empty() && changes[s].ranges.empty()) continue;
      std::vector<PointOp> ops = changes[s].final_ops();
      std::vector<KeyRange> ranges = changes[s].final_ranges();
      next->roots[s] = memtree::apply(next->roots[s], ops, ranges);
    }
    std::shared_ptr<const Version> published = std::move(next);
    {
      std::lock_guard lock(current_mutex_);
      current_.swap(published);
    }
    // The previous version (now in `published`) is released here, outside the lock.
  } catch (const std::exception& e) {
    return fail(ErrorCode::StorageIo, std::string("memory store write failed: ") + e.what());
  }
  return {};
}

Result<RangeStats> MemoryStore::range_stats(SpaceId space, const CursorBounds& range) const {
  if (auto ok = check(space); !ok) return std::unexpected(ok.error());
  auto version = current();
  const memtree::Node* root = version->roots[space.index].get();
  memtree::Rank below_upper = memtree::rank(root, range.upper);
  memtree::Rank below_lower =
      range.lower ? memtree::rank(root, *range.lower) : memtree::Rank{};
  if (below_upper.keys <= below_lower.keys) return RangeStats{};
  return RangeStats{below_upper.bytes - below_lower.bytes, below_upper.keys - below_lower.keys};
}

Result<std::optional<std::string>> MemoryStore::property(std::string_view name,
                                                         std::optional<SpaceId> space) const {
  if (space) {
    if (auto ok = check(*space); !ok) return std::unexpected(ok.error());
  }
  bool keys = name == "quarry.memory.keys";
  if (!keys && name != "quarry.memory.bytes") return std::nullopt;
  auto version = current();
  std::uint64_t total = 0;
  for (std::size_t s = 0; s < version->roots.size(); ++s) {
    if (space && space->index != s) continue;
    if (const memtree::Node* root = version->roots[s].get()) total += keys ? root->count : root->bytes;
  }
  return std::to_string(total);
}

}  // namespace quarry
