#include "api/import_key_streams.hpp"

#include "index/datom.hpp"
#include "index/key_layout.hpp"

namespace quarry::import_detail {
namespace {

// Sorts [first, last) by insertion while that takes at most `budget` moves: entries a few places
// out of order (a map's attributes, a card-many attribute's values) cost a move or two each.
// False when the budget ran out (the range is then a permutation of what it was, not sorted).
bool insertion_sort(const char* arena, SortRecord* first, SortRecord* last, std::size_t budget) {
  auto less = [arena](const SortRecord& x, const SortRecord& y) {
    if (x.prefix != y.prefix) return x.prefix < y.prefix;
    return x.key(arena) < y.key(arena);
  };
  for (SortRecord* i = first + 1; i < last; ++i) {
    if (!less(*i, *(i - 1))) continue;
    const SortRecord r = *i;
    SortRecord* j = i;
    do {
      *j = *(j - 1);
      --j;
      if (budget-- == 0) {
        *j = r;
        return false;
      }
    } while (j > first && less(r, *(j - 1)));
    *j = r;
  }
  return true;
}

}  // namespace

KeyStreams::KeyStreams(Split split, std::function<std::string()> next_path, std::size_t batch_bytes)
    : split_(split), next_path_(std::move(next_path)), batch_bytes_(batch_bytes) {}

KeyStreams::~KeyStreams() = default;

std::uint64_t KeyStreams::stream_of(std::string_view key) const noexcept {
  // The first component: a compact id (a length byte, then that many bytes, big-endian).
  const std::size_t end = keys::compact_id_end(key, 0);
  if (end == 0) return ~std::uint64_t{0};  // never written by BulkLoad; a stream of its own
  const std::uint64_t id = keys::read_big_endian(key.data() + 1, end - 1);
  if (split_ == Split::ByAttribute) return id;
  return is_user_entity(id) ? 0 : is_tx_entity(id) ? 1 : 2;
}

void KeyStreams::hold(std::string_view key, std::string_view value) {
  const std::uint64_t id = stream_of(key);
  // Consecutive entries are often of one stream (EAVT); otherwise the batch holds a few.
  std::uint32_t slot = slots_.empty() ? 0 : slots_.back();
  if (slot >= batch_ids_.size() || batch_ids_[slot] != id) {
    slot = 0;
    while (slot < batch_ids_.size() && batch_ids_[slot] != id) ++slot;
    if (slot == batch_ids_.size()) batch_ids_.push_back(id);
  }
  slots_.push_back(slot);
  records_.push_back(SortRecord::of(key, arena_.size(), static_cast<std::uint32_t>(value.size())));
  arena_.append(key);
  arena_.append(value);
}

KeyStreams::Stream* KeyStreams::stream(std::uint64_t id) {
  for (Stream& s : open_)
    if (s.id == id) return &s;
  if (files_ >= kMaxFiles) return nullptr;
  ++files_;
  open_.push_back(Stream{id, std::make_unique<RunWriter>(next_path_(), kFileBufferBytes), {}, {}});
  return &open_.back();
}

Result<void> KeyStreams::close(Stream& s) {
  if (auto r = s.file->close(); !r) return r;
  if (s.file->entries() > 0) closed_.push_back(SortedFile{s.file->path(), std::move(s.first), std::move(s.last)});
  s.first.clear();
  s.last.clear();
  return {};
}

Result<bool> KeyStreams::restart(Stream& s) {
  if (files_ >= kMaxFiles) return false;
  if (auto r = close(s); !r) return std::unexpected(r.error());
  ++files_;
  s.file = std::make_unique<RunWriter>(next_path_(), kFileBufferBytes);
  return true;
}

Result<void> KeyStreams::flush(const Fallback& fallback) {
  const char* arena = arena_.data();
  const std::size_t n = records_.size();
  // Group the records by stream (stable), each group then put in key order.
  std::vector<std::size_t> begin(batch_ids_.size() + 1, 0);
  for (std::uint32_t slot : slots_) ++begin[slot + 1];
  for (std::size_t b = 1; b < begin.size(); ++b) begin[b] += begin[b - 1];
  by_stream_.resize(n);
  {
    std::vector<std::size_t> at(begin.begin(), begin.end() - 1);
    for (std::size_t i = 0; i < n; ++i) by_stream_[at[slots_[i]]++] = records_[i];
  }
  for (std::size_t slot = 0; slot < batch_ids_.size(); ++slot) {
    SortRecord* first = by_stream_.data() + begin[slot];
    SortRecord* last = by_stream_.data() + begin[slot + 1];
    if (first == last) continue;
    const std::size_t size = static_cast<std::size_t>(last - first);
    if (!insertion_sort(arena, first, last, 4 * size + 64)) sort_records(arena, first, last);
    Stream* s = fell_back_ ? nullptr : stream(batch_ids_[slot]);
    if (s && !s->last.empty() && first->key(arena) <= s->last) {
      auto restarted = restart(*s);
      if (!restarted) return std::unexpected(restarted.error());
      if (!*restarted) s = nullptr;
    }
    if (!s) {
      fell_back_ = true;
      for (const SortRecord* r = first; r != last; ++r)
        if (auto done = fallback(r->key(arena), r->value(arena)); !done) return done;
      continue;
    }
    if (!s->file->ok()) return s->file->close();  // its error
    if (s->first.empty()) s->first.assign(first->key(arena));
    for (const SortRecord* r = first; r != last; ++r) s->file->put(r->key(arena), r->value(arena));
    s->last.assign((last - 1)->key(arena));
    if (!s->file->ok()) return s->file->close();
  }
  arena_.clear();
  records_.clear();
  slots_.clear();
  batch_ids_.clear();
  return {};
}

Result<std::vector<SortedFile>> KeyStreams::finish() {
  for (Stream& s : open_)
    if (auto r = close(s); !r) return std::unexpected(r.error());
  open_.clear();
  files_ = 0;
  fell_back_ = false;
  std::vector<SortedFile> out = std::move(closed_);
  closed_.clear();
  return out;
}

}  // namespace quarry::import_detail
