#include "query/exec/buffer_pool.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace quarry::query {
namespace {

// Each block starts with its capacity, so that a block given back knows its size (a vector
// frees with the size it asked for, which may be less than the pooled block it got).
constexpr std::size_t kHeader = alignof(std::max_align_t);
static_assert(kHeader >= sizeof(std::size_t));

std::size_t& capacity_of(void* block) noexcept {
  return *reinterpret_cast<std::size_t*>(static_cast<std::byte*>(block) - kHeader);
}

void free_block(void* block) noexcept { ::operator delete(static_cast<std::byte*>(block) - kHeader); }

// The blocks a thread keeps, oldest given back first.
class Pool {
 public:
  Pool() = default;
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool() {
    release();
    closed_ = true;
  }

  // The kept block that fits `bytes` most tightly, taken out of the pool, or nullptr.
  void* take(std::size_t bytes) noexcept {
    std::size_t best = count_;
    for (std::size_t i = 0; i < count_; ++i) {
      const std::size_t cap = capacity_of(blocks_[i]);
      if (cap >= bytes && (best == count_ || cap < capacity_of(blocks_[best]))) best = i;
    }
    if (best == count_) return nullptr;
    void* block = blocks_[best];
    bytes_ -= capacity_of(block);
    std::copy(blocks_.begin() + static_cast<std::ptrdiff_t>(best) + 1,
              blocks_.begin() + static_cast<std::ptrdiff_t>(count_), blocks_.begin() + static_cast<std::ptrdiff_t>(best));
    --count_;
    return block;
  }

  // Keeps `block`, dropping the oldest kept blocks while the pool would be over its bounds; a
  // block larger than the bound itself is freed.
  void give(void* block) noexcept {
    const std::size_t cap = capacity_of(block);
    if (cap > kPooledBytesMax || closed_) {  // closed: a block freed while the thread exits
      free_block(block);
      return;
    }
    std::size_t drop = 0;
    std::size_t bytes = bytes_;
    while (drop < count_ && (bytes + cap > kPooledBytesMax || count_ - drop == kPooledBlocksMax))
      bytes -= capacity_of(blocks_[drop++]);
    for (std::size_t i = 0; i < drop; ++i) free_block(blocks_[i]);
    std::copy(blocks_.begin() + static_cast<std::ptrdiff_t>(drop), blocks_.begin() + static_cast<std::ptrdiff_t>(count_),
              blocks_.begin());
    count_ -= drop;
    blocks_[count_++] = block;
    bytes_ = bytes + cap;
  }

  void release() noexcept {
    for (std::size_t i = 0; i < count_; ++i) free_block(blocks_[i]);
    count_ = 0;
    bytes_ = 0;
  }

  [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }
  [[nodiscard]] std::size_t count() const noexcept { return count_; }

 private:
  std::array<void*, kPooledBlocksMax> blocks_{};
  std::size_t count_ = 0;
  std::size_t bytes_ = 0;
  bool closed_ = false;
};

Pool& thread_pool() noexcept {
  thread_local Pool pool;
  return pool;
}

}  // namespace

void* take_pooled_block(std::size_t bytes) {
  if (void* block = thread_pool().take(bytes)) return block;
  if (bytes > static_cast<std::size_t>(-1) - kHeader) throw std::bad_alloc();
  auto* raw = static_cast<std::byte*>(::operator new(bytes + kHeader));
  void* block = raw + kHeader;
  capacity_of(block) = bytes;
  return block;
}

void give_pooled_block(void* block) noexcept { thread_pool().give(block); }

void release_pooled_buffers() noexcept { thread_pool().release(); }

std::size_t pooled_bytes() noexcept { return thread_pool().bytes(); }

std::size_t pooled_blocks() noexcept { return thread_pool().count(); }

}  // namespace quarry::query
