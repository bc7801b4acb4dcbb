// PendingFilter: the bulk load's bloom filter of the keys its pending datoms hold (BulkLoad, index/
// bulk.hpp): (e a) of cardinality-one datoms, (e a v) of cardinality-many ones, as 64-bit hashes.
// "Maybe" makes the load write what is pending and prepare the transaction on the real database
// (correct, but every later transaction of the import is then prepared against stored data, and
// slower): so false positives must stay rare at the sizes imports reach.
//
// Blocked: each key sets 7 bits in each of two 512-bit blocks (a cache line each) chosen by
// independent hashes. One block per key (tried first) leaves the fuller blocks of a Poisson spread
// answering "maybe" far too often: at 64 MiB and 10M keys ~5 false positives expected over 3.3M
// look-ups (the 10M scale import met one and ran its last third ~1.5x slower); two blocks give
// ~0.01 there, and ~18 at 20M keys in 64 MiB — so the import sizes the filter to its file
// (BulkLoad::bloom_bytes_for).
//
// Memory: `bytes`, allocated (zeroed) by the first add. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace quarry::index {

class PendingFilter {
 public:
  explicit PendingFilter(std::size_t bytes) noexcept : blocks_(bytes < kBlockBytes ? 1 : bytes / kBlockBytes) {}

  [[nodiscard]] bool may_hold(std::uint64_t h) const noexcept {
    if (bits_.empty()) return false;
    return block_holds(first(h), bits_of(h, kFirstSeed)) && block_holds(second(h), bits_of(h, kSecondSeed));
  }
  void add(std::uint64_t h) {
    if (bits_.empty()) bits_.assign(blocks_ * kWordsPerBlock, 0);
    set_bits(first(h), bits_of(h, kFirstSeed));
    set_bits(second(h), bits_of(h, kSecondSeed));
  }

  // The filter's own mixing; BulkLoad hashes its keys with it too.
  static std::uint64_t mix(std::uint64_t h) noexcept {  // MurmurHash3's fmix64
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
  }

 private:
  static constexpr std::size_t kBlockBytes = 64;
  static constexpr std::size_t kWordsPerBlock = kBlockBytes / 8;
  static constexpr int kBitsPerBlock = 7;  // 9 bits of one 64-bit hash each
  static constexpr std::uint64_t kFirstSeed = 0x9e3779b97f4a7c15ULL;
  static constexpr std::uint64_t kSecondSeed = 0xc2b2ae3d27d4eb4fULL;

  [[nodiscard]] std::size_t first(std::uint64_t h) const noexcept { return h % blocks_ * kWordsPerBlock; }
  [[nodiscard]] std::size_t second(std::uint64_t h) const noexcept {
    return mix(h + 0x165667b19e3779f9ULL) % blocks_ * kWordsPerBlock;
  }
  static std::uint64_t bits_of(std::uint64_t h, std::uint64_t seed) noexcept { return mix(h ^ seed); }

  [[nodiscard]] bool block_holds(std::size_t at, std::uint64_t bits) const noexcept {
    for (int i = 0; i < kBitsPerBlock; ++i) {
      const std::uint64_t bit = bits >> (i * 9) & 511;
      if ((bits_[at + (bit >> 6)] >> (bit & 63) & 1) == 0) return false;
    }
    return true;
  }
  void set_bits(std::size_t at, std::uint64_t bits) noexcept {
    for (int i = 0; i < kBitsPerBlock; ++i) {
      const std::uint64_t bit = bits >> (i * 9) & 511;
      bits_[at + (bit >> 6)] |= std::uint64_t{1} << (bit & 63);
    }
  }

  std::size_t blocks_;
  std::vector<std::uint64_t> bits_;
};

}  // namespace quarry::index
