#include "storage/memory_tree.hpp"

#include <algorithm>

namespace quarry::memtree {
namespace {

struct Entry {
  std::string_view key;
  std::string_view value;
};

// Splits n items into ceil(n / max) pieces of nearly equal size; calls emit(begin, end) for each.
template <class Emit>
void split_evenly(std::size_t n, std::size_t max, Emit emit) {
  if (n == 0) return;
  std::size_t pieces = (n + max - 1) / max;
  std::size_t begin = 0;
  for (std::size_t p = 0; p < pieces; ++p) {
    std::size_t end = n * (p + 1) / pieces;
    emit(begin, end);
    begin = end;
  }
}

void emit_leaves(std::span<const Entry> entries, std::vector<NodePtr>& out) {
  split_evenly(entries.size(), kLeafMax, [&](std::size_t begin, std::size_t end) {
    auto node = std::make_shared<Node>();
    std::size_t bytes = 0;
    for (std::size_t i = begin; i < end; ++i) bytes += entries[i].key.size() + entries[i].value.size();
    node->arena.reserve(bytes);
    node->slots.reserve(end - begin);
    node->heads.reserve(end - begin);
    for (std::size_t i = begin; i < end; ++i) {
      node->heads.push_back(key_head(entries[i].key));
      node->slots.push_back(Node::Slot{static_cast<std::uint32_t>(node->arena.size()),
                                       static_cast<std::uint32_t>(entries[i].key.size()),
                                       static_cast<std::uint32_t>(entries[i].value.size())});
      node->arena.append(entries[i].key);
      node->arena.append(entries[i].value);
    }
    node->count = end - begin;
    node->bytes = bytes;
    out.push_back(std::move(node));
  });
}

void emit_inner(std::span<const NodePtr> kids, std::vector<NodePtr>& out) {
  split_evenly(kids.size(), kFanout, [&](std::size_t begin, std::size_t end) {
    auto node = std::make_shared<Node>();
    node->children.assign(kids.begin() + begin, kids.begin() + end);
    // The separators are copied into the node's own arena, so that routing a key through it
    // reads one contiguous block instead of one child's memory per comparison.
    std::size_t bytes = 0;
    for (const NodePtr& kid : node->children) bytes += kid->first_key().size();
    node->arena.reserve(bytes);
    for (const NodePtr& kid : node->children) {
      node->arena.append(kid->first_key());
      node->count += kid->count;
      node->bytes += kid->bytes;
    }
    node->lows.reserve(end - begin);
    node->heads.reserve(end - begin);
    std::size_t offset = 0;
    for (const NodePtr& kid : node->children) {
      const std::size_t size = kid->first_key().size();
      node->lows.emplace_back(node->arena.data() + offset, size);
      node->heads.push_back(key_head(node->lows.back()));
      offset += size;
    }
    out.push_back(std::move(node));
  });
}

// Merges a leaf (null: an empty one) with the ops, dropping its keys inside ranges. Appends the
// resulting leaves to out, or the leaf itself when nothing changed.
void apply_leaf(const NodePtr& leaf, std::span<const PointOp> ops, std::span<const KeyRange> ranges,
                std::vector<NodePtr>& out) {
  std::size_t n = leaf ? leaf->slots.size() : 0;
  std::vector<Entry> merged;
  merged.reserve(n + ops.size());
  bool changed = false;
  std::size_t r = 0;
  auto in_ranges = [&](std::string_view key) {  // called with increasing keys
    while (r < ranges.size() && ranges[r].end <= key) ++r;
    return r < ranges.size() && ranges[r].begin <= key;
  };
  std::size_t i = 0, j = 0;
  while (i < n || j < ops.size()) {
    if (j == ops.size() || (i < n && leaf->key(i) < ops[j].key)) {
      std::string_view key = leaf->key(i);
      if (in_ranges(key)) {
        changed = true;
      } else {
        merged.push_back(Entry{key, leaf->value(i)});
      }
      ++i;
      continue;
    }
    bool present = i < n && leaf->key(i) == ops[j].key;
    if (present) ++i;
    if (ops[j].value) merged.push_back(Entry{ops[j].key, *ops[j].value});
    changed = changed || present || ops[j].value.has_value();
    ++j;
  }
  if (!changed) {
    if (leaf) out.push_back(leaf);
    return;
  }
  emit_leaves(merged, out);
}

void apply_node(const NodePtr& node, std::span<const PointOp> ops, std::span<const KeyRange> ranges,
                std::vector<NodePtr>& out);

void apply_inner(const NodePtr& node, std::span<const PointOp> ops,
                 std::span<const KeyRange> ranges, std::vector<NodePtr>& out) {
  const std::size_t n = node->children.size();
  std::vector<NodePtr> kids;
  kids.reserve(n + 1);
  auto op = ops.begin();
  for (std::size_t c = 0; c < n; ++c) {
    const bool last = c + 1 == n;
    const std::string_view lo = node->lows[c];
    const std::string_view hi = last ? std::string_view{} : node->lows[c + 1];
    // Ops below lows[1] go to child 0 even if below its first key.
    auto op_end = last ? ops.end() : std::partition_point(op, ops.end(), [&](const PointOp& o) {
      return o.key < hi;
    });
    std::span<const PointOp> kid_ops(op, op_end);
    op = op_end;
    auto range_begin = std::partition_point(ranges.begin(), ranges.end(),
                                            [&](const KeyRange& k) { return k.end <= lo; });
    auto range_end = last ? ranges.end()
                          : std::partition_point(range_begin, ranges.end(),
                                                 [&](const KeyRange& k) { return k.begin < hi; });
    std::span<const KeyRange> kid_ranges(range_begin, range_end);
    if (kid_ops.empty() && kid_ranges.empty()) {
      kids.push_back(node->children[c]);
      continue;
    }
    // A range covering the child's whole key span [lo, hi) drops it without visiting it.
    if (kid_ops.empty() && !last && kid_ranges.size() == 1 && kid_ranges[0].begin <= lo &&
        kid_ranges[0].end >= hi) {
      continue;
    }
    apply_node(node->children[c], kid_ops, kid_ranges, kids);
  }
  if (kids == node->children) {
    out.push_back(node);
    return;
  }
  emit_inner(kids, out);
}

void apply_node(const NodePtr& node, std::span<const PointOp> ops, std::span<const KeyRange> ranges,
                std::vector<NodePtr>& out) {
  if (node->leaf()) {
    apply_leaf(node, ops, ranges, out);
  } else {
    apply_inner(node, ops, ranges, out);
  }
}

}  // namespace

NodePtr apply(const NodePtr& root, std::span<const PointOp> ops,
              std::span<const KeyRange> ranges) {
  if (ops.empty() && (ranges.empty() || !root)) return root;
  std::vector<NodePtr> level;
  if (root) {
    apply_node(root, ops, ranges, level);
  } else {
    apply_leaf(nullptr, ops, {}, level);
  }
  while (level.size() > 1) {
    std::vector<NodePtr> up;
    emit_inner(level, up);
    level = std::move(up);
  }
  if (level.empty()) return nullptr;
  NodePtr top = std::move(level[0]);
  while (!top->leaf() && top->children.size() == 1) top = top->children[0];
  return top;
}

namespace {

// The first i in [0, n) with heads[i] >= h (n when there is none). Branch-free: the comparison
// picks the half by a conditional move, so the ~log2(n) steps cost no mispredictions (a binary
// search's branches go either way at random) and a handful of instructions each.
std::size_t head_lower_bound(const std::uint64_t* heads, std::size_t n, std::uint64_t h) noexcept {
  if (n == 0) return 0;
  const std::uint64_t* base = heads;
  while (n > 1) {
    const std::size_t half = n / 2;
    base = base[half] < h ? base + half : base;
    n -= half;
  }
  return static_cast<std::size_t>(base - heads) + (*base < h ? 1 : 0);
}

// The first of the n keys (in order; heads[i] their heads, key_at(i) their bytes) that is >= key
// (strict: > key). By heads alone unless some heads equal the target's; then by key bytes among
// those only.
template <class KeyAt>
std::size_t bound(const std::uint64_t* heads, std::size_t n, const SearchKey& key, bool strict, KeyAt key_at) {
  std::size_t lo = head_lower_bound(heads, n, key.head);
  if (lo == n || heads[lo] != key.head) return lo;
  std::size_t hi = key.head == ~std::uint64_t{0} ? n : lo + head_lower_bound(heads + lo, n - lo, key.head + 1);
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    const int c = key_at(mid).compare(key.key);
    if (strict ? c <= 0 : c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// Index of the child of an inner node that may hold key (0 when key is below every child): the
// last child whose first key is <= key.
std::size_t route(const Node& inner, const SearchKey& key) {
  const std::size_t above = bound(inner.heads.data(), inner.heads.size(), key, true,
                                  [&](std::size_t i) { return inner.lows[i]; });
  return above == 0 ? 0 : above - 1;
}

// First slot of a leaf whose key is >= key.
std::size_t leaf_bound(const Node& leaf, const SearchKey& key) {
  return bound(leaf.heads.data(), leaf.heads.size(), key, false, [&](std::size_t i) { return leaf.key(i); });
}

// Asks the CPU to load, all at once, what a search of `node` reads: its heads (and a leaf's slots,
// read for the key found): a binary search touches ~log2(64) of the heads' cache lines one after
// another, each a miss when the node is cold (a random probe of a tree larger than the cache), so
// without this a descent into a cold leaf waits for ~5 memory round trips where one suffices.
// Always inlined: as a function of its own GCC finds it free of side effects and drops the calls.
[[gnu::always_inline]] inline void prefetch_search_arrays(const Node& node) noexcept {
  const char* heads = reinterpret_cast<const char*>(node.heads.data());
  const std::size_t head_bytes = node.heads.size() * sizeof(std::uint64_t);
  for (std::size_t at = 0; at < head_bytes; at += 64) __builtin_prefetch(heads + at);
  if (node.leaf()) {
    const char* slots = reinterpret_cast<const char*>(node.slots.data());
    const std::size_t slot_bytes = node.slots.size() * sizeof(Node::Slot);
    for (std::size_t at = 0; at < slot_bytes; at += 64) __builtin_prefetch(slots + at);
  }
}

}  // namespace

std::size_t leaf_lower_bound(const Node& leaf, const SearchKey& key) noexcept {
  return leaf_bound(leaf, key);
}

std::optional<std::string_view> find(const Node* node, std::string_view key) {
  if (!node) return std::nullopt;
  const SearchKey target(key);
  while (!node->leaf()) {
    node = node->children[route(*node, target)].get();
    prefetch_search_arrays(*node);
  }
  std::size_t i = leaf_bound(*node, target);
  if (i < node->slots.size() && node->key(i) == key) return node->value(i);
  return std::nullopt;
}

Rank rank(const Node* node, std::optional<std::string_view> key) {
  Rank below;
  if (!node) return below;
  if (!key) return Rank{node->count, node->bytes};
  const SearchKey target(*key);
  while (!node->leaf()) {
    std::size_t c = route(*node, target);
    for (std::size_t i = 0; i < c; ++i) {
      below.keys += node->children[i]->count;
      below.bytes += node->children[i]->bytes;
    }
    node = node->children[c].get();
  }
  std::size_t end = leaf_bound(*node, target);
  below.keys += end;
  for (std::size_t i = 0; i < end; ++i) below.bytes += node->slots[i].key_size + node->slots[i].value_size;
  return below;
}

void Position::descend_edge(bool to_last) {
  const Node* node = path_.empty() ? root_.get() : path_.back().node->children[path_.back().index].get();
  while (!node->leaf()) {
    std::size_t i = to_last ? node->children.size() - 1 : 0;
    path_.push_back(Frame{node, i});
    node = node->children[i].get();
  }
  path_.push_back(Frame{node, to_last ? node->slots.size() - 1 : 0});
}

void Position::step_leaf(bool forward) {
  path_.pop_back();
  while (!path_.empty()) {
    Frame& top = path_.back();
    if (forward && top.index + 1 < top.node->children.size()) {
      ++top.index;
      descend_edge(false);
      return;
    }
    if (!forward && top.index > 0) {
      --top.index;
      descend_edge(true);
      return;
    }
    path_.pop_back();
  }
}

void Position::first() {
  path_.clear();
  if (root_) descend_edge(false);
}

void Position::last() {
  path_.clear();
  if (root_) descend_edge(true);
}

void Position::seek_ge(std::string_view key) {
  const SearchKey target(key);
  // A target within the current leaf's key span is found there, without a descent from the root:
  // the common case of a cursor re-seeking a little further on.
  if (!path_.empty()) {
    Frame& top = path_.back();
    const Node& leaf = *top.node;
    const std::size_t n = leaf.slots.size();
    auto cmp = [&](std::size_t i) { return compare_keys(leaf.heads[i], leaf.key(i), target); };
    if (cmp(0) <= 0 && cmp(n - 1) >= 0) {
      // Forward re-seeks usually land a slot or two on: look there before a binary search.
      std::size_t i = top.index;
      if (cmp(i) < 0) {
        for (std::size_t end = std::min(n, i + 4); ++i < end;) {
          if (cmp(i) >= 0) {
            top.index = i;
            return;
          }
        }
      }
      top.index = leaf_bound(leaf, target);
      return;
    }
  }
  // Otherwise descend, from the root or — for a target past the current key — from the lowest
  // ancestor whose subtree spans it: sorted probes a leaf or two apart route through one level
  // instead of all of them.
  const Node* node = root_.get();
  if (!path_.empty() && compare_keys(leaf().heads[path_.back().index], this->key(), target) < 0) {
    path_.pop_back();  // the leaf
    while (!path_.empty()) {
      const Frame& f = path_.back();
      const std::size_t next = f.index + 1;
      if (next < f.node->children.size() && compare_keys(f.node->heads[next], f.node->lows[next], target) > 0)
        break;
      path_.pop_back();
    }
    if (!path_.empty()) node = path_.back().node->children[path_.back().index].get();
  } else {
    path_.clear();
  }
  if (!node) return;
  while (!node->leaf()) {
    std::size_t c = route(*node, target);
    path_.push_back(Frame{node, c});
    node = node->children[c].get();
    prefetch_search_arrays(*node);
  }
  std::size_t i = leaf_bound(*node, target);
  path_.push_back(Frame{node, i});
  if (i == node->slots.size()) step_leaf(true);
}

void Position::seek_le(std::string_view key) {
  seek_ge(key);
  if (!valid()) {
    last();
  } else if (this->key() != key) {
    prev();
  }
}

void Position::seek_lt(std::string_view key) {
  seek_ge(key);
  if (!valid()) {
    last();
  } else {
    prev();
  }
}


}  // namespace quarry::memtree
