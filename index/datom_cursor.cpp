// The view-aware scan behind every Db read.
//
// A datom key K (e·a·v in the order's layout) has at most one entry in the current space (asserted
// at tx c, still true) and any number in the history space (K · T+ -> T-, one per past interval
// [T+, T-) during which the datom was true; intervals of one K never overlap and sort by T+). The
// cursor walks both spaces in step, gathers every interval of one K, and turns them into datoms by
// the view's tx window (lo, hi]:
//   state views    the interval containing hi, if it began after lo          -> [e a v T+ true]
//   history views  each assertion T+ and retraction T- inside (lo, hi]       -> [e a v T+ true],
//                                                                               [e a v T- false]
// Intervals come in T+ order and the current one last, so a history view's events for one K come
// out in tx order. When the view needs no history (the window ends at the basis, no history flag),
// only the current space is read.
#include "index/datom_cursor.hpp"

#include <utility>

#include "codec/value_codec.hpp"
#include "index/db_core.hpp"
#include "index/key_layout.hpp"

namespace quarry::index {

struct DatomCursor::Impl {
  struct Interval {
    std::uint64_t asserted;
    std::uint64_t retracted;  // 0: still current
  };

  std::shared_ptr<const detail::DbCore> core;  // keeps the snapshot alive; destroyed last
  std::unique_ptr<Cursor> current;             // null for an empty cursor
  std::unique_ptr<Cursor> history;             // null when the view needs no history
  IndexOrder order = IndexOrder::Eavt;
  detail::ScanView view;
  std::vector<Datom> pending;  // datoms of the current key, in output order
  std::size_t pos = 0;
  std::optional<Error> error;
  std::string key;                  // the datom key being expanded (owned copy)
  std::vector<Interval> intervals;  // its intervals

  void fill();
  void fill_current_only();
  void expand();
  void fail_corrupt(std::string_view why) {
    error = Error{ErrorCode::StorageCorruption,
                  "undecodable " + std::string(keys::history_space(order)) + " entry: " + std::string(why)};
  }
};

namespace {
std::uint64_t fixed8(std::string_view bytes) {
  std::uint64_t n = 0;
  for (unsigned char c : bytes) n = (n << 8) | c;
  return n;
}
}  // namespace

void DatomCursor::Impl::fill_current_only() {
  while (pending.empty() && current->valid()) {
    auto d = keys::decode_current(order, current->key(), current->value(), &core->values);
    if (!d) {
      error = std::move(d.error());
      return;
    }
    if (d->tx.value > view.lo && d->tx.value <= view.hi) pending.push_back(std::move(*d));
    current->next();
  }
}

void DatomCursor::Impl::fill() {
  pending.clear();
  pos = 0;
  if (!current) return;
  while (pending.empty() && !error) {
    if (!history) {
      fill_current_only();
    } else {
      bool has_current = current->valid();
      bool has_history = history->valid();
      if (!has_current && !has_history) break;
      std::string_view hkey;
      if (has_history) {
        hkey = history->key();
        if (hkey.size() < 8) return fail_corrupt("short key");
        hkey.remove_suffix(8);
      }
      int cmp = !has_current ? 1 : !has_history ? -1 : current->key().compare(hkey);
      key.assign(cmp <= 0 ? current->key() : hkey);
      intervals.clear();
      while (history->valid()) {
        std::string_view k = history->key();
        if (k.size() < 8) return fail_corrupt("short key");
        if (k.substr(0, k.size() - 8) != key) break;
        if (history->value().size() != 8) return fail_corrupt("bad retracting tx");
        intervals.push_back({fixed8(k.substr(k.size() - 8)), fixed8(history->value())});
        history->next();
      }
      if (cmp <= 0) {
        std::string_view v = current->value();
        auto tx = codec::decode_uint(v);
        if (!tx || !v.empty()) {
          error = Error{ErrorCode::StorageCorruption,
                        "undecodable " + std::string(keys::current_space(order)) + " entry: bad tx value"};
          return;
        }
        intervals.push_back({*tx, 0});
        current->next();
      }
      expand();
    }
    if (pending.empty() && !current->valid() && (!history || !history->valid())) break;
  }
  if (error) return;
  if (auto s = current->status(); !s) error = s.error();
  else if (history) {
    if (auto h = history->status(); !h) error = h.error();
  }
}

void DatomCursor::Impl::expand() {
  std::optional<Datom> base;
  auto push = [&](std::uint64_t tx, bool added) {
    if (!base) {
      auto d = keys::decode_datom_key(order, key, &core->values);
      if (!d) {
        error = std::move(d.error());
        return;
      }
      base = std::move(*d);
    }
    Datom d = *base;
    d.tx = TxId{tx};
    d.added = added;
    pending.push_back(std::move(d));
  };
  const std::uint64_t lo = view.lo, hi = view.hi;
  for (const Interval& iv : intervals) {
    if (error) return;
    if (view.history) {
      if (iv.asserted > lo && iv.asserted <= hi) push(iv.asserted, true);
      if (iv.retracted != 0 && iv.retracted > lo && iv.retracted <= hi) push(iv.retracted, false);
    } else {
      bool live = iv.asserted <= hi && (iv.retracted == 0 || hi < iv.retracted);
      if (live && iv.asserted > lo) push(iv.asserted, true);
    }
  }
}

DatomCursor::DatomCursor(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
DatomCursor::DatomCursor(DatomCursor&&) noexcept = default;
DatomCursor& DatomCursor::operator=(DatomCursor&&) noexcept = default;
DatomCursor::~DatomCursor() = default;

bool DatomCursor::valid() const noexcept {
  return impl_ && !impl_->error && impl_->pos < impl_->pending.size();
}
const Datom& DatomCursor::datom() const noexcept { return impl_->pending[impl_->pos]; }
void DatomCursor::next() {
  if (++impl_->pos >= impl_->pending.size()) impl_->fill();
}
Result<void> DatomCursor::status() const {
  if (impl_ && impl_->error) return std::unexpected(*impl_->error);
  return {};
}

Result<std::vector<Datom>> collect(DatomCursor cursor, std::size_t limit) {
  std::vector<Datom> out;
  for (; cursor.valid() && out.size() < limit; cursor.next()) out.push_back(cursor.datom());
  if (auto s = cursor.status(); !s) return std::unexpected(s.error());
  return out;
}

Result<std::vector<Datom>> collect(Result<DatomCursor> cursor, std::size_t limit) {
  if (!cursor) return std::unexpected(cursor.error());
  return collect(std::move(*cursor), limit);
}

namespace detail {

Result<DatomCursor> open_scan(std::shared_ptr<const DbCore> core, IndexOrder order, CursorBounds bounds,
                              ScanView view, bool empty) {
  auto impl = std::make_unique<DatomCursor::Impl>();
  impl->core = core;
  impl->order = order;
  impl->view = view;
  if (!empty) {
    bool need_history = view.history || view.hi < core->counters.basis.value;
    auto idx = static_cast<std::size_t>(order);
    if (need_history) {
      auto h = core->snapshot->cursor(core->spaces.history[idx], bounds);
      if (!h) return std::unexpected(h.error());
      impl->history = std::move(*h);
      impl->history->seek_to_first();
    }
    auto c = core->snapshot->cursor(core->spaces.current[idx], std::move(bounds));
    if (!c) return std::unexpected(c.error());
    impl->current = std::move(*c);
    impl->current->seek_to_first();
  }
  impl->fill();
  return DatomCursor(std::move(impl));
}

}  // namespace detail
}  // namespace quarry::index
