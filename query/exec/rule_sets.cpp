// parsed_rule_set (query/exec/rule_sets.hpp).
#include "query/exec/rule_sets.hpp"

#include <list>
#include <mutex>

#include "query/parse/clause_vars.hpp"
#include "query/parse/parser.hpp"

namespace quarry::query {
namespace {

Result<std::shared_ptr<const RuleSet>> build_rule_set(const Value& form) {
  auto parsed = parse_rules(form);
  if (!parsed) return std::unexpected(parsed.error());
  auto set = std::make_shared<RuleSet>();
  set->rules = std::move(*parsed);
  for (const Rule& r : set->rules) {
    set->by_name[r.name].push_back(&r);
    for (const std::string& v : pattern_positions(r.body).attribute) add_unique(set->attribute_vars, v);
    for (const Clause& c : r.body) {
      const auto* call = std::get_if<RuleCall>(&c.node);
      if (!call || call->name != r.name) continue;  // only a call of its own rule can be a tail call
      std::vector<Clause>& rest = set->body_without[call];
      for (const Clause& other : r.body)
        if (&other != &c) rest.push_back(other);
    }
  }
  return set;
}

// Parsed rule sets by their text; the least recently used go past kCapacity.
class RuleSetCache {
 public:
  Result<std::shared_ptr<const RuleSet>> get(const Value& form) {
    const std::size_t hash = hash_value(form);
    {
      std::lock_guard lock(mutex_);
      for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (it->hash != hash || it->form != form) continue;
        entries_.splice(entries_.begin(), entries_, it);
        return entries_.front().set;
      }
    }
    auto set = build_rule_set(form);
    if (!set) return set;
    std::lock_guard lock(mutex_);
    entries_.push_front(Entry{.hash = hash, .form = form, .set = *set});
    if (entries_.size() > kCapacity) entries_.pop_back();
    return set;
  }

 private:
  static constexpr std::size_t kCapacity = 64;
  struct Entry {
    std::size_t hash;
    Value form;
    std::shared_ptr<const RuleSet> set;
  };
  std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
};

}  // namespace

Result<std::shared_ptr<const RuleSet>> parsed_rule_set(const Value& form) {
  static RuleSetCache cache;
  return cache.get(form);
}

}  // namespace quarry::query
