#include "storage/range_cache.hpp"

#include <algorithm>
#include <mutex>

#include "storage/write_batch.hpp"

namespace quarry {

thread_local int ReadsNotCached::depth_ = 0;

void RangeSegment::add(std::string_view key, std::string_view value) {
  if (entries_.empty()) {  // most segments of probes hold an entry or two: one allocation each
    entries_.reserve(4);
    bytes_.reserve(4 * (key.size() + value.size()));
  }
  entries_.push_back(Entry{static_cast<std::uint32_t>(bytes_.size()), static_cast<std::uint32_t>(key.size()),
                           static_cast<std::uint32_t>(value.size())});
  bytes_.append(key);
  bytes_.append(value);
}

void RangeSegment::finish(std::optional<std::string> hi) {
  hi_ = std::move(hi);
  // A segment lives long: return growth slack worth a reallocation.
  if (bytes_.capacity() - bytes_.size() > std::max<std::size_t>(256, bytes_.size() / 4)) bytes_.shrink_to_fit();
  if (entries_.capacity() - entries_.size() > std::max<std::size_t>(16, entries_.size() / 4)) entries_.shrink_to_fit();
  // The object, its buffers, both bounds and the cache's map node (~64 bytes).
  charge_ = sizeof(RangeSegment) + 64 + bytes_.capacity() + entries_.capacity() * sizeof(Entry) + lo_.capacity() +
            (hi_ ? hi_->capacity() : 0);
}

std::size_t RangeSegment::lower_bound(std::string_view key, std::size_t from) const noexcept {
  std::size_t lo = from, hi = entries_.size();
  if (from > 0) {
    // A search from a position (a cursor's sorted probes) gallops first: the key is most often a
    // few entries on (q2's next probe ~8), found in a few comparisons, not ~10 over the segment.
    std::size_t at = from, step = 1;
    while (at < hi && this->key(at) < key) {
      lo = at + 1;
      at += step;
      step *= 2;
    }
    hi = std::min(hi, at + 1);
  }
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (this->key(mid) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

RangeCache::RangeCache(std::size_t capacity_bytes, std::size_t spaces) : capacity_(capacity_bytes), spaces_(spaces) {}

RangeCache::Ticket RangeCache::ticket() const {
  std::shared_lock lock(mutex_);
  return Ticket{epoch_, !writing_};
}

namespace {

// upper_bound and lower_bound, first checking the last segment: a cold query reads in ascending
// order, so most of its look-ups and admissions fall after every kept segment (one comparison,
// not a search; emplace_hint at the end is then constant time).
template <class Map>
auto first_after(Map& segments, std::string_view key) {
  if (segments.empty() || std::prev(segments.end())->first <= key) return segments.end();
  return segments.upper_bound(key);
}
template <class Map>
auto first_at_or_after(Map& segments, std::string_view key) {
  if (segments.empty() || std::prev(segments.end())->first < key) return segments.end();
  return segments.lower_bound(key);
}

// The segment of `segments` (a RangeCache's map of one space) covering key, or end().
template <class Map>
auto covering(Map& segments, std::string_view key) {
  auto it = first_after(segments, key);
  if (it == segments.begin()) return segments.end();
  --it;
  return it->second->covers(key) ? it : segments.end();
}

}  // namespace

std::shared_ptr<const RangeSegment> RangeCache::find(std::uint32_t space, std::string_view key,
                                                     const Ticket& ticket) const {
  std::shared_lock lock(mutex_);
  const Segments& segments = spaces_[space];
  if (segments.empty()) return nullptr;
  auto it = covering(segments, key);
  if (it == segments.end() || it->second->epoch() > ticket.epoch) return nullptr;
  return it->second;
}

RangeCache::Lookup RangeCache::lookup(std::uint32_t space, std::string_view key, const Ticket& ticket,
                                      bool to_record, std::size_t hand_over) const {
  Lookup out;
  std::shared_lock lock(mutex_);
  const Segments& segments = spaces_[space];
  auto after = first_after(segments, key);
  if (after != segments.begin()) {
    const auto& before = std::prev(after)->second;
    if (before->covers(key) && before->epoch() <= ticket.epoch) {
      out.segment = before;
      // Sorted probes move on to the segments after this one: hand them over too.
      const std::size_t n = std::min(out.following.size(), hand_over);
      for (std::size_t i = 0; i < n && after != segments.end(); ++i, ++after) {
        if (after->second->epoch() > ticket.epoch) break;
        out.following[i] = after->second;
      }
      return out;
    }
  }
  out.admits = ticket.may_admit && ticket.epoch == epoch_ && !writing_;
  if (to_record && out.admits && after != segments.end()) out.next_start.emplace(after->first);
  return out;
}

void RangeCache::admit(std::uint32_t space, std::shared_ptr<const RangeSegment> segment, const Ticket& ticket) {
  if (!ticket.may_admit || segment->charge() > capacity_ / 8) return;
  std::unique_lock lock(mutex_);
  if (writing_ || ticket.epoch != epoch_) return;
  Segments& segments = spaces_[space];
  // No overlap: the segment before must end by lo, the one after start at hi or later.
  auto after = first_at_or_after(segments, segment->lo());
  if (after != segments.end() && (!segment->hi() || after->first < *segment->hi())) return;
  if (after != segments.begin()) {
    const auto& before = *std::prev(after)->second;
    if (!before.hi() || *before.hi() > segment->lo()) return;
  }
  usage_ += segment->charge();
  ++admitted_;
  segment->touch(clock());  // just read: the most recently used, not the first to go
  const std::string_view lo = segment->lo();
  segments.emplace_hint(after, lo, std::move(segment));
  if (usage_ > capacity_) evict();
}

void RangeCache::drop(Segments& segments, Segments::iterator at) {
  usage_ -= at->second->charge();
  segments.erase(at);
}

void RangeCache::evict() {
  // Drop the least recently used segments (admitted or entered) down to 7/8 of the capacity: one
  // pass over all of them per eighth of the capacity admitted.
  struct Candidate {
    std::uint64_t used;
    std::uint32_t space;
    Segments::iterator at;
  };
  std::vector<Candidate> all;
  for (std::uint32_t s = 0; s < spaces_.size(); ++s)
    for (auto it = spaces_[s].begin(); it != spaces_[s].end(); ++it) all.push_back({it->second->used(), s, it});
  std::sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) { return a.used < b.used; });
  const std::size_t target = capacity_ - capacity_ / 8;
  for (const Candidate& c : all) {
    if (usage_ <= target) break;
    drop(spaces_[c.space], c.at);
    ++evicted_;
  }
}

void RangeCache::begin_write(const WriteBatch& batch) {
  std::unique_lock lock(mutex_);
  writing_ = true;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const WriteBatch::Op op = batch[i];
    if (op.space.index >= spaces_.size()) continue;
    Segments& segments = spaces_[op.space.index];
    if (segments.empty()) continue;
    if (op.kind != WriteBatch::Kind::DeleteRange) {
      auto it = covering(segments, op.key);
      if (it != segments.end()) {
        drop(segments, it);
        ++invalidated_;
      }
      continue;
    }
    // Every segment meeting [key, value): the one covering key, and those starting inside.
    auto it = covering(segments, op.key);
    if (it == segments.end()) it = segments.lower_bound(op.key);
    auto from = it;
    while (from != segments.end() && from->first < op.value) {
      auto next = std::next(from);
      drop(segments, from);
      ++invalidated_;
      from = next;
    }
  }
}

void RangeCache::begin_write(std::span<const std::uint32_t> spaces) {
  std::unique_lock lock(mutex_);
  writing_ = true;
  for (std::uint32_t s : spaces) {
    if (s >= spaces_.size()) continue;
    invalidated_ += spaces_[s].size();
    while (!spaces_[s].empty()) drop(spaces_[s], spaces_[s].begin());
  }
}

void RangeCache::end_write() {
  std::unique_lock lock(mutex_);
  writing_ = false;
  ++epoch_;
}

RangeCache::Stats RangeCache::stats() const {
  std::shared_lock lock(mutex_);
  return Stats{hits_.load(std::memory_order_relaxed), reads_.load(std::memory_order_relaxed), admitted_, evicted_,
               invalidated_, usage_, capacity_};
}

}  // namespace quarry
