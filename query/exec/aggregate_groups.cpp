// AggregateGroups (query/exec/aggregate_groups.hpp).
#include "query/exec/aggregate_groups.hpp"

#include <algorithm>

#include "query/exec/relation.hpp"

namespace quarry::query {

AggregateGroups::AggregateGroups(std::vector<std::string> kept, std::vector<Element> elements)
    : kept_(std::move(kept)), elements_(std::move(elements)) {
  key_slot_.assign(elements_.size(), 0);
  agg_slot_.assign(elements_.size(), 0);
  for (std::size_t k = 0; k < elements_.size(); ++k) {
    const Element& e = elements_[k];
    std::vector<std::size_t>& list = !e.aggregate ? key_elements_ : (e.aggregate->fold ? folded_ : bagged_);
    (e.aggregate ? agg_slot_ : key_slot_)[k] = list.size();
    list.push_back(k);
  }
}

bool AggregateGroups::open(std::span<const std::string> vars) {
  if (opened_ || vars.size() != kept_.size()) return false;
  for (const std::string& v : kept_)
    if (std::find(vars.begin(), vars.end(), v) == vars.end()) return false;
  columns_.clear();
  for (const Element& e : elements_)
    columns_.push_back(static_cast<std::size_t>(std::find(vars.begin(), vars.end(), e.var) - vars.begin()));
  opened_ = true;
  return true;
}

void AggregateGroups::add(std::span<const Value> head, std::span<const Value> tail) {
  ++rows_;
  auto cell = [&](std::size_t k) -> const Value& {
    const std::size_t c = columns_[k];
    return c < head.size() ? head[c] : tail[c - head.size()];
  };
  constexpr std::size_t kInlineKeys = 8;
  const Value* inline_key[kInlineKeys];
  std::vector<const Value*> long_key;
  std::span<const Value*> key;
  if (key_elements_.size() <= kInlineKeys) {
    key = std::span<const Value*>(inline_key, key_elements_.size());
  } else {
    long_key.resize(key_elements_.size());
    key = long_key;
  }
  for (std::size_t i = 0; i < key_elements_.size(); ++i) key[i] = &cell(key_elements_[i]);
  const std::size_t g = group_of(key);
  for (std::size_t i = 0; i < folded_.size(); ++i) folds_[g * folded_.size() + i].add(cell(folded_[i]));
  for (std::size_t i = 0; i < bagged_.size(); ++i) bags_[g * bagged_.size() + i].push_back(cell(bagged_[i]));
}

std::size_t AggregateGroups::group_of(std::span<const Value* const> key) {
  const std::size_t width = key.size();
  auto equals = [&](std::size_t g) {
    for (std::size_t i = 0; i < width; ++i)
      if (!same_value(keys_[g * width + i], *key[i])) return false;
    return true;
  };
  if (last_ != SIZE_MAX && equals(last_)) return last_;
  if (heads_.empty()) {
    // Few groups (a :sex, a status): compared one by one, no hash computed.
    for (std::size_t g = 0; g < groups_; ++g)
      if (g != last_ && equals(g)) return last_ = g;
    if (groups_ < kScannedGroups) return last_ = add_group(key, 0);
    // Past them, a hash table over the groups.
    for (std::size_t g = 0; g < groups_; ++g) hashes_.push_back(hash_values(group_key(g)));
    next_.assign(groups_, kNone);
    grow();
  }
  const std::size_t h = hash_values(key);
  for (std::uint32_t g = heads_[h & mask_]; g != kNone; g = next_[g])
    if (hashes_[g] == h && equals(g)) return last_ = g;
  return last_ = add_group(key, h);
}

std::size_t AggregateGroups::add_group(std::span<const Value* const> key, std::size_t hash) {
  const std::size_t g = groups_++;
  for (const Value* v : key) keys_.push_back(*v);
  for (std::size_t k : folded_) {
    folds_.push_back(*elements_[k].aggregate->fold);
    folds_.back().reset();
  }
  bags_.resize(bags_.size() + bagged_.size());
  if (heads_.empty()) return g;
  if (groups_ * 2 > heads_.size()) grow();
  hashes_.push_back(hash);
  std::uint32_t& head = heads_[hash & mask_];
  next_.push_back(head);
  head = static_cast<std::uint32_t>(g);
  return g;
}

std::span<const Value* const> AggregateGroups::group_key(std::size_t g) {
  key_scratch_.clear();
  for (std::size_t i = 0; i < key_elements_.size(); ++i) key_scratch_.push_back(&keys_[g * key_elements_.size() + i]);
  return key_scratch_;
}

Result<Value> AggregateGroups::aggregate(std::size_t g, std::size_t k) {
  const AggregateSpec& spec = *elements_[k].aggregate;
  if (spec.fold) return folds_[g * folded_.size() + agg_slot_[k]].result();
  return spec.call(bags_[g * bagged_.size() + agg_slot_[k]]);
}

void AggregateGroups::grow() {
  const std::size_t size = std::max<std::size_t>(4 * kScannedGroups, heads_.size() * 2);
  heads_.assign(size, kNone);
  mask_ = size - 1;
  for (std::size_t g = 0; g < hashes_.size(); ++g) {
    std::uint32_t& head = heads_[hashes_[g] & mask_];
    next_[g] = head;
    head = static_cast<std::uint32_t>(g);
  }
}

}  // namespace quarry::query
