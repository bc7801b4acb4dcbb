#include "query/rules/rule_support.hpp"

#include <algorithm>

#include "query/exec/solve.hpp"

namespace quarry::query {

std::vector<std::string> head_vars(const Rule& rule) {
  std::vector<std::string> head;
  for (const Variable& v : rule.required_vars) head.push_back(v.name);
  for (const Variable& v : rule.free_vars) head.push_back(v.name);
  return head;
}

void collect_rule_calls(const Clause& clause, std::vector<const RuleCall*>& out, bool into_not) {
  if (const auto* rc = std::get_if<RuleCall>(&clause.node)) {
    out.push_back(rc);
  } else if (const auto* o = std::get_if<Or>(&clause.node)) {
    for (const Clause& b : o->branches) collect_rule_calls(b, out, into_not);
  } else if (const auto* a = std::get_if<And>(&clause.node)) {
    for (const Clause& x : a->clauses) collect_rule_calls(x, out, into_not);
  } else if (const auto* n = std::get_if<Not>(&clause.node); n && into_not) {
    for (const Clause& x : n->clauses) collect_rule_calls(x, out, into_not);
  }
}

Relation seed_relation(const std::vector<std::string>& head, const std::vector<bool>& bound, const RowSet& magic,
                       std::size_t lo, std::size_t hi) {
  std::vector<std::string> vars;
  std::vector<std::size_t> positions;  // magic column -> argument position
  for (std::size_t k = 0; k < head.size(); ++k)
    if (bound[k]) positions.push_back(k);
  std::vector<int> first(positions.size(), -1);  // magic column of an earlier equal head variable
  for (std::size_t j = 0; j < positions.size(); ++j) {
    const std::string& name = head[positions[j]];
    if (std::find(vars.begin(), vars.end(), name) == vars.end()) {
      vars.push_back(name);
      continue;
    }
    for (std::size_t q = 0; q < j; ++q)
      if (head[positions[q]] == name) {
        first[j] = static_cast<int>(q);
        break;
      }
  }
  Relation seed(vars);
  for (std::size_t r = lo; r < hi; ++r) {
    auto m = magic.row(r);
    bool ok = true;
    for (std::size_t j = 0; j < m.size(); ++j)
      if (first[j] >= 0 && !same_value(m[j], m[static_cast<std::size_t>(first[j])])) ok = false;
    if (!ok) continue;
    for (std::size_t j = 0; j < m.size(); ++j)
      if (first[j] < 0) seed.push(m[j]);
    seed.end_row();
  }
  return seed;
}

std::string call_text(const RuleCall& call) { return clause_text(Clause{call}); }

}  // namespace quarry::query
