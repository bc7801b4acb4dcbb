#include "storage/block_cache_size.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <string>

namespace quarry {
namespace {

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;

// A cgroup limit file's number; "max" (no limit), a missing file or anything else: 0.
std::uint64_t limit_in(const char* path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text)) return 0;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return 0;
  return n;
}

}  // namespace

std::size_t automatic_block_cache_bytes(const TableFileSizes& sizes, std::uint64_t memory_bytes) noexcept {
  std::uint64_t high = kAutoBlockCacheCeilingBytes;
  if (memory_bytes > 0) high = std::min(high, memory_bytes / kAutoBlockCacheMemoryShare / kMiB * kMiB);
  high = std::max<std::uint64_t>(high, kAutoBlockCacheFloorBytes);
  // Saturating: absurd sizes from damaged properties end at the ceiling, not in an overflow.
  const std::uint64_t uncompressed = std::min(sizes.raw_bytes, high) + std::min(sizes.index_and_filter_bytes, high);
  const std::uint64_t want = (uncompressed + kMiB - 1) / kMiB * kMiB;
  return static_cast<std::size_t>(std::clamp<std::uint64_t>(want, kAutoBlockCacheFloorBytes, high));
}

std::uint64_t memory_available_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  std::uint64_t memory = pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) : 0;
  for (const char* path : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    const std::uint64_t limit = limit_in(path);
    // cgroup v1 writes "no limit" as a huge number, above any physical memory.
    if (limit > 0 && (memory == 0 || limit < memory)) memory = limit;
  }
  return memory;
}

}  // namespace quarry
