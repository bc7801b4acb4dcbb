// The bulk load's bloom filter (index/pending_filter.hpp): no false negatives, and false positives
// rare at the size a 10M-datom import reaches — each one makes the import write what is pending
// and prepare the rest of the file against stored data.
#include <doctest/doctest.h>

#include <cstdint>

#include "index/bulk.hpp"
#include "index/pending_filter.hpp"

using quarry::index::BulkLoad;
using quarry::index::PendingFilter;

namespace {
// Keys as BulkLoad makes them: well-mixed 64-bit hashes of (a, e[, v]).
std::uint64_t key(std::uint64_t i) { return PendingFilter::mix(i * 0x9e3779b97f4a7c15ULL + 17); }
}  // namespace

TEST_CASE("an empty filter holds nothing; an added key is always held") {
  PendingFilter filter(std::size_t{1} << 20);
  CHECK_FALSE(filter.may_hold(key(1)));
  for (std::uint64_t i = 0; i < 20000; ++i) filter.add(key(i));
  int missing = 0;
  for (std::uint64_t i = 0; i < 20000; ++i) missing += filter.may_hold(key(i)) ? 0 : 1;
  CHECK(missing == 0);
}

TEST_CASE("false positives stay rare at 10M keys in 64 MiB") {
  // The 10M scale import: ~6.7M card-one keys, then ~3.3M card-many look-ups of keys it does not
  // hold (each added after its look-up). One block per key expected ~5 false positives here.
  PendingFilter filter(std::size_t{64} << 20);
  constexpr std::uint64_t kHeld = 6'700'000, kAsked = 3'300'000;
  for (std::uint64_t i = 0; i < kHeld; ++i) filter.add(key(i));
  int false_positives = 0;
  for (std::uint64_t i = kHeld; i < kHeld + kAsked; ++i) {
    false_positives += filter.may_hold(key(i)) ? 1 : 0;
    filter.add(key(i));
  }
  CHECK(false_positives == 0);
}

TEST_CASE("the bulk load's filter is sized to the load: small loads touch little, large ones get room") {
  CHECK(BulkLoad::bloom_bytes_for(0) == BulkLoad::kBloomBytes);  // size not known
  CHECK(BulkLoad::bloom_bytes_for(10'000) == BulkLoad::kMinBloomBytes);
  // The 10M scale import's EDN (185 MB, estimated at 12 bytes a datom): about 54 bits a datom.
  const std::size_t ten_m = BulkLoad::bloom_bytes_for(185'000'000 / 12);
  CHECK(ten_m > BulkLoad::kBloomBytes);
  CHECK(ten_m < BulkLoad::kMaxBloomBytes);
  CHECK(BulkLoad::bloom_bytes_for(std::uint64_t{1} << 40) == BulkLoad::kMaxBloomBytes);
  CHECK(BulkLoad::bloom_bytes_for(UINT64_MAX) == BulkLoad::kMaxBloomBytes);
}
