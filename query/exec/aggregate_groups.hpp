// AggregateGroups: the groups of an aggregate :find, built one row at a time (query/exec/find.cpp).
//
// The rows are the distinct tuples of the :find and :with variables; they are grouped by the
// non-aggregate :find elements, and each aggregate sees one value per row of its group, in row
// order: folded at once where the aggregate has an AggregateFold (count, sum, avg, min, max), else
// collected into the group's bag for one call at the end. Nothing keeps the rows themselves, so
// the where clauses' last step can send its rows here as it makes them (RowSink, Context::sink)
// instead of building the final relation: the rows then go straight from the index scan into the
// folds, with no relation of them to fill, group again and free (agg-by-sex on people20k, with a
// reuse of the last few keywords read: 49.6M instructions a run down to 39.5M).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "query/builtins/aggregates.hpp"
#include "query/exec/context.hpp"

namespace quarry::query {

// An aggregate ready to run: a built-in with its leading arguments (:in variables replaced by
// their values), or a custom one.
struct AggregateSpec {
  const Aggregate* builtin = nullptr;
  std::vector<Value> args;
  std::shared_ptr<const CustomAggregate> custom;
  std::optional<AggregateFold> fold;  // when the built-in folds its bag (count, sum, avg, min, max)

  Result<Value> call(std::vector<Value>& bag) const {
    if (builtin) return builtin->call(args, bag);
    return (*custom)(bag);
  }
};

class AggregateGroups final : public RowSink {
 public:
  // One per :find element, in order: the variable, and for an aggregate how it runs.
  struct Element {
    std::string var;
    std::optional<AggregateSpec> aggregate;
  };
  // `kept`: the variables of the rows (the :find and :with variables, each once).
  AggregateGroups(std::vector<std::string> kept, std::vector<Element> elements);

  // RowSink: true when `vars` are exactly the kept variables, in any order. The rows added from
  // then on have those columns, and must be distinct (the relation they would form a set).
  bool open(std::span<const std::string> vars) override;
  [[nodiscard]] bool opened() const noexcept override { return opened_; }
  void add(std::span<const Value> head, std::span<const Value> tail) override;
  [[nodiscard]] std::uint64_t rows() const noexcept override { return rows_; }

  // The groups, in the order their first rows came.
  [[nodiscard]] std::size_t size() const noexcept { return groups_; }
  // Group g's value of non-aggregate element k.
  [[nodiscard]] const Value& key(std::size_t g, std::size_t k) const noexcept {
    return keys_[g * key_elements_.size() + key_slot_[k]];
  }
  // Group g's value of aggregate element k: its fold's result, or the aggregate called with its
  // bag (which it may reorder; call once).
  [[nodiscard]] Result<Value> aggregate(std::size_t g, std::size_t k);

 private:
  static constexpr std::uint32_t kNone = 0xffffffffu;
  // Up to this many groups are found by comparing keys one group after another; past it, through
  // the hash table (built then).
  static constexpr std::size_t kScannedGroups = 4;
  // The group of the row whose key cells are `key` (made when new).
  std::size_t group_of(std::span<const Value* const> key);
  // A new group for `key`, its folds fresh and its bags empty; `hash` is the key's when the hash
  // table is built.
  std::size_t add_group(std::span<const Value* const> key, std::size_t hash);
  // Pointers to group g's key cells (in key_scratch_, valid until the next call).
  std::span<const Value* const> group_key(std::size_t g);
  // Rebuilds the hash table with twice the buckets (at least 4 x kScannedGroups) from hashes_.
  void grow();

  std::vector<std::string> kept_;
  std::vector<Element> elements_;
  std::vector<std::size_t> key_elements_;  // the non-aggregate elements
  std::vector<std::size_t> folded_;        // the aggregates with a fold
  std::vector<std::size_t> bagged_;        // the aggregates without one
  std::vector<std::size_t> key_slot_, agg_slot_;  // per element: its index among the above
  // Per element, its column in the rows added (set by open()).
  std::vector<std::size_t> columns_;
  bool opened_ = false;
  std::uint64_t rows_ = 0;

  std::size_t groups_ = 0;
  std::vector<Value> keys_;              // groups_ x key_elements_ cells
  std::vector<AggregateFold> folds_;     // groups_ x folded_
  std::vector<std::vector<Value>> bags_;  // groups_ x bagged_
  // A chained hash table over the groups, by the hash of their keys, once past kScannedGroups.
  std::vector<const Value*> key_scratch_;
  std::vector<std::size_t> hashes_;
  std::vector<std::uint32_t> next_;
  std::vector<std::uint32_t> heads_;
  std::size_t mask_ = 0;
  std::size_t last_ = SIZE_MAX;  // the group of the previous row (runs of one key are common)
};

}  // namespace quarry::query
