// The persistent ordered map behind MemoryStore: an immutable B+tree shared between versions.
//
// A tree is a root pointer; nodes are never modified after construction. Applying a batch builds new
// nodes only along the paths the batch touches and shares every other subtree with the previous
// version (path copying), so an old root stays a complete, unchanging snapshot for as long as
// someone holds it, with no locks on the read side. Cost of a batch of k keys into n keys:
// O(k log n) plus a copy of each touched leaf (at most kLeafMax entries) and each touched inner node
// (at most kFanout pointers); never O(n) unless the batch touches every leaf.
//
// Leaves keep keys and values in one arena string; inner nodes route by copies of the first key of
// each child, kept contiguous in their own arena, and keep subtree key and byte counts, so counting
// the keys in a range is O(height * fanout).
//
// KEY HEADS. Every node keeps, in one contiguous array beside its keys (a leaf's slots, an inner
// node's separators), each key's head: its first 8 bytes as a big-endian integer, zero-padded.
// Heads that differ order their keys as memcmp would, so a search is a branch-free binary search
// over the integers of that array (512 bytes for a full node: the 8 cache lines prefetched on the
// way down), and reads key bytes (and calls memcmp) only among keys whose heads tie the target's.
// Deletes drop emptied leaves and inner nodes; partly emptied ones are not merged with neighbours
// (every leaf stays non-empty and all leaves are at the same depth, which is what lookups need).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::memtree {

inline constexpr std::size_t kLeafMax = 64;  // entries per leaf
inline constexpr std::size_t kFanout = 64;   // children per inner node

struct Node;
using NodePtr = std::shared_ptr<const Node>;

// The head of a key (see KEY HEADS above).
[[nodiscard]] inline std::uint64_t key_head(std::string_view key) noexcept {
  std::uint64_t h = 0;
  if (key.size() >= 8) {
    std::memcpy(&h, key.data(), 8);
  } else {
    // A short key (the probes of an id prefix, e.g. A·E of seven bytes) is zero-padded in place:
    // one copy, where a byte loop took ~50 instructions per seek.
    char padded[8] = {};
    if (!key.empty()) std::memcpy(padded, key.data(), key.size());
    std::memcpy(&h, padded, 8);
  }
  return std::endian::native == std::endian::little ? std::byteswap(h) : h;
}

// A key to search for, with its head computed once per search.
struct SearchKey {
  explicit SearchKey(std::string_view k) noexcept : key(k), head(key_head(k)) {}
  std::string_view key;
  std::uint64_t head;
};

// memcmp order of (head_a, a) and the search key: <0, 0, >0.
[[nodiscard]] inline int compare_keys(std::uint64_t head_a, std::string_view a, const SearchKey& b) noexcept {
  if (head_a != b.head) return head_a < b.head ? -1 : 1;
  return a.compare(b.key);
}

struct Node {
  struct Slot {
    std::uint32_t offset;  // of the key in arena; the value follows it
    std::uint32_t key_size;
    std::uint32_t value_size;
  };

  // Leaf: slots sorted by key (children empty). Inner: children with their first keys (lows[i]
  // is the first key of children[i], viewing a copy in this node's arena; slots empty).
  std::string arena;
  std::vector<Slot> slots;
  std::vector<NodePtr> children;
  std::vector<std::string_view> lows;
  // key_head of each key: of key(i) in a leaf, of lows[i] in an inner node.
  std::vector<std::uint64_t> heads;
  std::uint64_t count = 0;  // keys in this subtree
  std::uint64_t bytes = 0;  // key and value bytes in this subtree

  [[nodiscard]] bool leaf() const noexcept { return children.empty(); }
  [[nodiscard]] std::string_view key(std::size_t i) const noexcept {
    return {arena.data() + slots[i].offset, slots[i].key_size};
  }
  [[nodiscard]] std::string_view value(std::size_t i) const noexcept {
    return {arena.data() + slots[i].offset + slots[i].key_size, slots[i].value_size};
  }
  [[nodiscard]] std::string_view first_key() const noexcept { return leaf() ? key(0) : lows[0]; }
};

// A put (value set) or delete (value absent) of one key.
struct PointOp {
  std::string_view key;
  std::optional<std::string_view> value;
};

// Keys begin <= k < end.
struct KeyRange {
  std::string_view begin;
  std::string_view end;
};

// The tree after deleting every key in `ranges`, then applying `ops`.
// REQUIRES: ops sorted by key with no key twice; ranges sorted, disjoint and non-empty.
// The result owns copies of all bytes it needs; ops and ranges may be freed afterwards.
// May throw std::bad_alloc (the caller converts it); `root` is unchanged either way.
[[nodiscard]] NodePtr apply(const NodePtr& root, std::span<const PointOp> ops,
                            std::span<const KeyRange> ranges);

// The first slot of a leaf whose key is >= key (slots.size() when none is). REQUIRES: leaf.leaf().
[[nodiscard]] std::size_t leaf_lower_bound(const Node& leaf, const SearchKey& key) noexcept;

// The value under key, or nullopt. The view lives as long as the tree.
[[nodiscard]] std::optional<std::string_view> find(const Node* root, std::string_view key);

// Number of keys, and their key+value bytes, strictly below key (all keys when key is absent).
struct Rank {
  std::uint64_t keys = 0;
  std::uint64_t bytes = 0;
};
[[nodiscard]] Rank rank(const Node* root, std::optional<std::string_view> key);

// A position in a tree. Holds its own reference to the root, so it stays usable after every other
// holder has let go. Not thread-safe; cheap moves.
class Position {
 public:
  explicit Position(NodePtr root) : root_(std::move(root)) {}

  void first();
  void last();
  // First key >= key. Searches only the current leaf when key lies within its key span; a key
  // further on descends from the lowest ancestor whose subtree spans it; else from the root.
  void seek_ge(std::string_view key);
  void seek_le(std::string_view key);  // last key <= key
  void seek_lt(std::string_view key);  // last key < key
  // REQUIRES: valid(). Inline for the common step within a leaf.
  void next() {
    Frame& top = path_.back();
    if (++top.index == top.node->slots.size()) step_leaf(true);
  }
  void prev() {
    Frame& top = path_.back();
    if (top.index == 0) {
      step_leaf(false);
    } else {
      --top.index;
    }
  }

  [[nodiscard]] bool valid() const noexcept { return !path_.empty(); }
  // REQUIRES: valid(). Views live as long as the tree.
  [[nodiscard]] std::string_view key() const noexcept { return leaf().key(path_.back().index); }
  [[nodiscard]] std::string_view value() const noexcept { return leaf().value(path_.back().index); }
  // REQUIRES: valid(). The leaf holding the position and the slot in it, e.g. to check a bound
  // once per leaf instead of once per key.
  [[nodiscard]] const Node& leaf() const noexcept { return *path_.back().node; }
  [[nodiscard]] std::size_t slot() const noexcept { return path_.back().index; }

 private:
  struct Frame {
    const Node* node;
    std::size_t index;
  };
  // Descends from path_.back() (or the root) always taking the first / last child.
  void descend_edge(bool to_last);
  // Moves to the start of the next leaf / end of the previous one; clears path_ at either end.
  void step_leaf(bool forward);

  NodePtr root_;
  std::vector<Frame> path_;  // root first; empty when not positioned on a key
};

}  // namespace quarry::memtree
