// Large buffers of the query engine, kept per thread for the next query.
//
// A query over a large relation allocates blocks of megabytes — a scan's cells, a hash index's
// slots, the sort keys of its result — and frees them all when it ends. Handed back to glibc,
// such blocks cost the next query twice (bench/README, round 31): blocks over glibc's mmap
// threshold (at most 32 MiB) go back to the kernel and the heap's top is trimmed, so the same
// pages are faulted in again on every run; and every malloc of 1 KiB or more, or free of 64 KiB
// or more, first merges every small chunk waiting in glibc's fastbins (malloc_consolidate) — after
// a large result was freed, hundreds of thousands of them.
//
// PooledAllocator takes blocks of at least kPooledBlockMin bytes from the calling thread's pool
// and gives them back to it; smaller ones go to operator new as std::allocator's do. The pool
// keeps at most kPooledBytesMax bytes (and kPooledBlocksMax blocks) per thread, the most recently
// given back first; a block that does not fit goes back to the system at once. So an embedded
// application holds at most that much per thread that ran a query, between queries; the blocks
// are freed when the thread exits, or at once by release_pooled_buffers(). doc/query.md
// ("Memory kept between queries") states the same for users.
//
// Thread safety: each thread has its own pool; nothing is shared. A block may be freed by another
// thread than the one that allocated it (a relation moved across threads): it joins that thread's
// pool. Allocation failure throws std::bad_alloc, as std::allocator does.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace quarry::query {

// Blocks below this go to operator new directly: glibc serves them from its heap without faults.
inline constexpr std::size_t kPooledBlockMin = std::size_t{256} << 10;
// What a thread's pool keeps at most between queries: the blocks of a query over a few hundred
// thousand rows (qpred1 on 2M datoms: 200,372 rows of two cells, 80 bytes a row, and the sort's
// keys, 52 bytes a row). Larger relations (qpred1's 666,611 rows on 10M datoms, agg-by-sex's two
// scans of 1.33M rows) pass it and go back to the system as before.
inline constexpr std::size_t kPooledBytesMax = std::size_t{64} << 20;
inline constexpr std::size_t kPooledBlocksMax = 16;

// A block of at least `bytes` bytes (REQUIRES: bytes >= kPooledBlockMin), aligned for any
// type, from the pool or new.
[[nodiscard]] void* take_pooled_block(std::size_t bytes);
// Gives back a block take_pooled_block returned: kept for reuse if the pool has room.
void give_pooled_block(void* block) noexcept;
// Frees the blocks the calling thread's pool keeps.
void release_pooled_buffers() noexcept;
// The bytes and blocks the calling thread's pool keeps now (for tests and benchmarks).
[[nodiscard]] std::size_t pooled_bytes() noexcept;
[[nodiscard]] std::size_t pooled_blocks() noexcept;

// std::allocator, except that elements made without arguments are default-initialized (below),
// and that blocks of kPooledBlockMin bytes or more come from and go back to
// the thread's pool. Stateless: every instance can free what another allocated.
template <class T>
struct PooledAllocator {
  using value_type = T;
  PooledAllocator() noexcept = default;
  template <class U>
  PooledAllocator(const PooledAllocator<U>&) noexcept {}

  [[nodiscard]] T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    if (n * sizeof(T) < kPooledBlockMin) return std::allocator<T>{}.allocate(n);
    return static_cast<T*>(take_pooled_block(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < kPooledBlockMin) std::allocator<T>{}.deallocate(p, n);
    else give_pooled_block(p);
  }
  // An element made without arguments is default-initialized: an array of integers sized to be
  // overwritten (the sort's keys) is not zeroed first. A class type gets its default constructor,
  // as with std::allocator.
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    std::construct_at(p, std::forward<Args>(args)...);
  }
  template <class U>
  friend bool operator==(const PooledAllocator&, const PooledAllocator<U>&) noexcept {
    return true;
  }
};

// A vector whose large buffers are pooled.
template <class T>
using PooledVector = std::vector<T, PooledAllocator<T>>;

}  // namespace quarry::query
