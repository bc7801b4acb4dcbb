#include "storage/layered_store.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "storage/write_batch.hpp"

namespace quarry {
namespace {

// How the layer records a key: a put (the marker, then the value) or a tombstone (the marker
// alone). Only in memory, never persisted.
constexpr char kPut = 'P';
constexpr char kTombstone = 'D';

bool is_tombstone(std::string_view layer_value) { return layer_value.size() == 1 && layer_value[0] == kTombstone; }

// The merge of a base cursor and a layer cursor over the same bounds: layer keys shadow base keys,
// tombstones hide them. `current_` is the cursor positioned on the key shown. Moving in the
// direction of the last move keeps the invariant "both cursors are at or beyond the current key";
// a change of direction re-seeks both around the current key first.
class LayeredCursor final : public Cursor {
 public:
  LayeredCursor(std::shared_ptr<const LayeredStore::Base> base, std::unique_ptr<Cursor> base_cursor,
                std::unique_ptr<Cursor> layer_cursor)
      : base_(std::move(base)), below_(std::move(base_cursor)), layer_(std::move(layer_cursor)) {}

  void seek_to_first() override {
    below_->seek_to_first();
    layer_->seek_to_first();
    settle_forward();
  }
  void seek_to_last() override {
    below_->seek_to_last();
    layer_->seek_to_last();
    settle_backward();
  }
  void seek(std::string_view key) override {
    std::string k(key);
    below_->seek(k);
    layer_->seek(k);
    settle_forward();
  }
  void seek_for_prev(std::string_view key) override {
    std::string k(key);
    below_->seek_for_prev(k);
    layer_->seek_for_prev(k);
    settle_backward();
  }
  void next() override {
    std::string k(key());
    if (!forward_) {
      below_->seek(k);
      layer_->seek(k);
    }
    if (below_->valid() && below_->key() == k) below_->next();
    if (layer_->valid() && layer_->key() == k) layer_->next();
    settle_forward();
  }
  void prev() override {
    std::string k(key());
    if (forward_) {
      below_->seek_for_prev(k);
      layer_->seek_for_prev(k);
    }
    if (below_->valid() && below_->key() == k) below_->prev();
    if (layer_->valid() && layer_->key() == k) layer_->prev();
    settle_backward();
  }

  Result<void> status() const override {
    if (auto s = below_->status(); !s) return s;
    return layer_->status();
  }

 private:
  bool failed() const { return !below_->status() || !layer_->status(); }

  // Publishes current_'s entry (a layer value without its marker) as the position.
  void show() {
    if (!current_) return leave();
    land(current_->key(), current_ == layer_.get() ? current_->value().substr(1) : current_->value());
  }

  void settle_forward() {
    forward_ = true;
    current_ = nullptr;
    leave();
    while (!failed()) {
      bool b = below_->valid(), l = layer_->valid();
      if (!b && !l) return;
      if (l && (!b || layer_->key() <= below_->key())) {
        if (!is_tombstone(layer_->value())) {
          current_ = layer_.get();
          return show();
        }
        if (b && below_->key() == layer_->key()) below_->next();
        layer_->next();
        continue;
      }
      current_ = below_.get();
      return show();
    }
  }

  void settle_backward() {
    forward_ = false;
    current_ = nullptr;
    leave();
    while (!failed()) {
      bool b = below_->valid(), l = layer_->valid();
      if (!b && !l) return;
      if (l && (!b || layer_->key() >= below_->key())) {
        if (!is_tombstone(layer_->value())) {
          current_ = layer_.get();
          return show();
        }
        if (b && below_->key() == layer_->key()) below_->prev();
        layer_->prev();
        continue;
      }
      current_ = below_.get();
      return show();
    }
  }

  std::shared_ptr<const LayeredStore::Base> base_;  // outlives below_ (member order)
  std::unique_ptr<Cursor> below_;
  std::unique_ptr<Cursor> layer_;
  Cursor* current_ = nullptr;
  bool forward_ = true;
};

class LayeredSnapshot final : public Snapshot {
 public:
  LayeredSnapshot(std::shared_ptr<const LayeredStore::Base> base, std::unique_ptr<Snapshot> layer)
      : base_(std::move(base)), layer_(std::move(layer)) {}

  Result<std::optional<std::string>> get(SpaceId space, std::string_view key) const override {
    auto mine = layer_->get(space, key);
    if (!mine) return std::unexpected(mine.error());
    if (*mine) {
      if (is_tombstone(**mine)) return std::optional<std::string>();
      return std::optional<std::string>((*mine)->substr(1));
    }
    return base_->snapshot->get(space, key);
  }

  Result<std::unique_ptr<Cursor>> cursor(SpaceId space, CursorBounds bounds, CursorOptions options) const override {
    auto below = base_->snapshot->cursor(space, bounds, options);
    if (!below) return std::unexpected(below.error());
    auto mine = layer_->cursor(space, std::move(bounds), options);
    if (!mine) return std::unexpected(mine.error());
    return std::unique_ptr<Cursor>(new LayeredCursor(base_, std::move(*below), std::move(*mine)));
  }

 private:
  std::shared_ptr<const LayeredStore::Base> base_;
  std::unique_ptr<Snapshot> layer_;
};

}  // namespace

LayeredStore::LayeredStore(std::shared_ptr<const Base> base, std::unique_ptr<MemoryStore> layer)
    : Store(std::vector<std::string>(base->store->space_names().begin(), base->store->space_names().end())),
      base_(std::move(base)),
      layer_(std::move(layer)) {}

Result<std::unique_ptr<LayeredStore>> LayeredStore::open(std::shared_ptr<Store> base_store,
                                                         std::shared_ptr<const Snapshot> base_snapshot) {
  if (!base_store || !base_snapshot) return fail(ErrorCode::InvalidArgument, "LayeredStore needs a store and its snapshot");
  auto names = base_store->space_names();
  auto layer = MemoryStore::open(std::vector<std::string>(names.begin(), names.end()));
  if (!layer) return std::unexpected(layer.error());
  auto base = std::make_shared<const Base>(Base{std::move(base_store), std::move(base_snapshot)});
  return std::unique_ptr<LayeredStore>(new LayeredStore(std::move(base), std::move(*layer)));
}

Result<std::unique_ptr<Snapshot>> LayeredStore::snapshot() const {
  auto layer = layer_->snapshot();
  if (!layer) return std::unexpected(layer.error());
  return std::unique_ptr<Snapshot>(new LayeredSnapshot(base_, std::move(*layer)));
}

Result<void> LayeredStore::write(const WriteBatch& batch, WriteOptions options) {
  if (auto ok = check(batch); !ok) return ok;
  WriteBatch translated;
  std::string buffer;
  const std::string tombstone(1, kTombstone);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    WriteBatch::Op op = batch[i];
    switch (op.kind) {
      case WriteBatch::Kind::Put:
        buffer.assign(1, kPut);
        buffer.append(op.value);
        translated.put(op.space, op.key, buffer);
        break;
      case WriteBatch::Kind::Delete: translated.put(op.space, op.key, tombstone); break;
      case WriteBatch::Kind::DeleteRange: {
        if (op.value <= op.key) break;
        // Tombstones for every key the range covers as this layer sees it now (earlier
        // operations of this batch are not visible yet: they follow in `translated`, but a
        // range delete after a put of the same batch must remove that key too).
        auto now = snapshot();
        if (!now) return std::unexpected(now.error());
        auto c = (*now)->cursor(op.space, CursorBounds{std::string(op.key), std::string(op.value)});
        if (!c) return std::unexpected(c.error());
        for ((*c)->seek_to_first(); (*c)->valid(); (*c)->next()) translated.put(op.space, (*c)->key(), tombstone);
        if (auto s = (*c)->status(); !s) return s;
        for (std::size_t j = 0; j < i; ++j) {
          WriteBatch::Op earlier = batch[j];
          if (earlier.kind == WriteBatch::Kind::Put && earlier.space == op.space && earlier.key >= op.key &&
              earlier.key < op.value)
            translated.put(op.space, earlier.key, tombstone);
        }
        break;
      }
    }
  }
  return layer_->write(translated, options);
}

Result<RangeStats> LayeredStore::range_stats(SpaceId space, const CursorBounds& range) const {
  if (auto ok = check(space); !ok) return std::unexpected(ok.error());
  auto below = base_->store->range_stats(space, range);
  if (!below) return std::unexpected(below.error());
  // The layer's own entries, read raw: puts add a key, tombstones remove one.
  auto layer = layer_->snapshot();
  if (!layer) return std::unexpected(layer.error());
  auto c = (*layer)->cursor(space, range);
  if (!c) return std::unexpected(c.error());
  std::int64_t keys = static_cast<std::int64_t>(below->approximate_keys);
  std::int64_t bytes = static_cast<std::int64_t>(below->approximate_bytes);
  for ((*c)->seek_to_first(); (*c)->valid(); (*c)->next()) {
    std::int64_t size = static_cast<std::int64_t>((*c)->key().size() + (*c)->value().size() - 1);
    if (is_tombstone((*c)->value())) {
      --keys;
      bytes -= size;
    } else {
      ++keys;
      bytes += size;
    }
  }
  if (auto s = (*c)->status(); !s) return std::unexpected(s.error());
  return RangeStats{static_cast<std::uint64_t>(std::max<std::int64_t>(bytes, 0)),
                    static_cast<std::uint64_t>(std::max<std::int64_t>(keys, 0))};
}

Result<std::optional<std::string>> LayeredStore::property(std::string_view, std::optional<SpaceId> space) const {
  if (space)
    if (auto ok = check(*space); !ok) return std::unexpected(ok.error());
  return std::optional<std::string>();
}

}  // namespace quarry
