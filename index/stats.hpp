// Internal to index/: exact per-attribute statistics, maintained incrementally by each commit.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/db_core.hpp"

namespace quarry::index::detail {

// The statistics changes of one transaction. Collect every datom with add(), then apply() to the
// basis to get the new figures.
class StatsDelta {
 public:
  // `encoded_value` is the value codec's bytes of d.v.
  void add(AttrId a, std::string_view encoded_value, EntityId e, bool added);

  // The basis' statistics with this transaction applied; `changed` receives every attribute whose
  // figures changed. Reads the basis AVET: a touched value counts as distinct before the
  // transaction if any entity held it, and after it if it is asserted or some holder is not
  // retracted (at most retractions + 1 entries are read per touched value).
  // REQUIRES: every retraction added is a current datom of the basis, and no assertion is.
  [[nodiscard]] Result<StatsMap> apply(const DbCore& basis, std::vector<AttrId>& changed) const;

 private:
  struct Group {
    std::int64_t asserted = 0;
    std::vector<EntityId> retracted;
  };
  std::map<std::pair<AttrId, std::string>, Group> groups_;
};

// Meta records of one attribute's figures (keys::stats_key).
[[nodiscard]] std::string encode_stats(const AttrStats& s);
[[nodiscard]] Result<AttrStats> decode_stats(std::string_view bytes);

}  // namespace quarry::index::detail
