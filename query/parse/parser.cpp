// Entry points: the query's sections (vector or map form) and rule sets. The sections
// themselves are parsed in parse_find.cpp, parse_bindings.cpp and parse_clauses.cpp.
#include "query/parse/parser.hpp"

#include <array>
#include <map>

#include "query/parse/clause_vars.hpp"
#include "query/parse/parse_support.hpp"

namespace quarry::query {

namespace {
using detail::syntax_error;

// (quote x) -> x, as Clojure's reader writes 'x.
const Value& unquote(const Value& form) {
  if (const auto* list = form.get_if<List>())
    if (list->items.size() == 2 && detail::is_symbol(list->items[0], "quote"))
      return list->items[1];
  return form;
}

constexpr std::array<std::string_view, 9> kSections = {"find", "keys", "strs",  "syms",  "with",
                                                       "in",   "where", "limit", "offset"};
constexpr std::string_view kSectionNames =
    ", expected one of :find :keys :strs :syms :with :in :where :limit :offset";

bool known_section(const Keyword& k) {
  if (!k.ns.empty()) return false;
  for (auto s : kSections)
    if (k.name == s) return true;
  return false;
}

// Section name -> its items, in the order written.
using Sections = std::map<std::string, std::vector<Value>, std::less<>>;

Result<Sections> vector_sections(const std::vector<Value>& items, const Value& form) {
  Sections out;
  std::vector<Value>* current = nullptr;
  for (const Value& item : items) {
    if (const auto* k = item.get_if<Keyword>()) {
      if (!known_section(*k))
        return syntax_error("Unknown query section " + detail::edn_text(item) +
                                std::string(kSectionNames),
                            form);
      current = &out[k->name];  // a repeated section continues the earlier one (as DataScript)
      continue;
    }
    if (current == nullptr)
      return syntax_error("Query should start with :find", form);
    current->push_back(item);
  }
  // [:find ... :keys [a b]] is accepted as well as [:find ... :keys a b].
  for (auto name : {"keys", "strs", "syms"}) {
    auto it = out.find(name);
    if (it != out.end() && it->second.size() == 1 && it->second[0].is<Vector>()) {
      std::vector<Value> names = it->second[0].as<Vector>().items;
      it->second = std::move(names);
    }
  }
  return out;
}

Result<Sections> map_sections(const Map& map, const Value& form) {
  Sections out;
  for (const auto& [key, value] : map.entries) {
    const auto* k = key.get_if<Keyword>();
    if (k == nullptr || !known_section(*k))
      return syntax_error("Unknown query section " + detail::edn_text(key) +
                              std::string(kSectionNames),
                          form);
    if (k->name == "limit" || k->name == "offset") {  // a number, not a vector
      out[k->name] = {value};
      continue;
    }
    const auto* items = detail::sequence_items(value);
    if (items == nullptr)
      return syntax_error("Query section " + detail::edn_text(key) +
                              " should be a vector in the map form",
                          form);
    out[k->name] = *items;
  }
  return out;
}

Result<std::string> return_name(const Value& v, const Value& form) {
  if (const auto* s = v.get_if<Symbol>()) return s->qualified();
  if (const auto* k = v.get_if<Keyword>()) return k->qualified();
  if (const auto* s = v.get_if<std::string>()) return *s;
  return syntax_error("Cannot parse :keys/:strs/:syms, expected symbols", form);
}

Result<void> parse_return_maps(const Sections& sections, Query& q, const Value& form) {
  constexpr std::array<std::pair<std::string_view, ReturnMapKind>, 3> kinds = {
      {{"keys", ReturnMapKind::Keys}, {"strs", ReturnMapKind::Strs}, {"syms", ReturnMapKind::Syms}}};
  for (const auto& [name, kind] : kinds) {
    auto it = sections.find(name);
    if (it == sections.end()) continue;
    if (q.return_kind != ReturnMapKind::None)
      return syntax_error("Only one of :keys, :strs and :syms may be given", form);
    if (it->second.empty())
      return syntax_error(":" + std::string(name) + " needs at least one name", form);
    if (q.find.shape == FindShape::Scalar || q.find.shape == FindShape::Collection)
      return syntax_error(":" + std::string(name) + " does not work with " +
                              (q.find.shape == FindShape::Scalar ? "single-scalar" : "collection") +
                              " :find",
                          form);
    q.return_kind = kind;
    for (const Value& v : it->second) {
      auto n = return_name(v, form);
      if (!n) return std::unexpected(n.error());
      q.return_names.push_back(std::move(*n));
    }
  }
  return {};
}

// :limit N / :offset N: one non-negative integer.
Result<std::optional<std::int64_t>> parse_row_count(const Sections& sections, std::string_view name,
                                                   const Value& form) {
  auto it = sections.find(name);
  if (it == sections.end()) return std::nullopt;
  const auto* n = it->second.size() == 1 ? it->second[0].get_if<std::int64_t>() : nullptr;
  if (n == nullptr || *n < 0) {
    std::string got = it->second.size() == 1 ? detail::edn_text(it->second[0]) : "nothing";
    if (it->second.size() > 1) got = std::to_string(it->second.size()) + " values";
    return syntax_error(":" + std::string(name) + " should be a non-negative integer, not " + got,
                        form);
  }
  return *n;
}

// Parses the sections without checking meaning.
Result<Query> parse_query_shape(const Value& form) {
  Result<Sections> sections = std::unexpected(Error{ErrorCode::QuerySyntax, ""});
  if (const auto* v = form.get_if<Vector>()) {
    sections = vector_sections(v->items, form);
  } else if (const auto* m = form.get_if<Map>()) {
    sections = map_sections(*m, form);
  } else if (const auto* l = form.get_if<List>()) {
    sections = vector_sections(l->items, form);
  } else {
    return syntax_error("Query should be a vector or a map", form);
  }
  if (!sections) return std::unexpected(sections.error());

  Query q;
  auto find = sections->find("find");
  if (find == sections->end()) return syntax_error("Query should have a :find section", form);
  auto spec = detail::parse_find(find->second);
  if (!spec) return std::unexpected(spec.error());
  q.find = std::move(*spec);

  if (auto r = parse_return_maps(*sections, q, form); !r) return std::unexpected(r.error());

  if (auto with = sections->find("with"); with != sections->end()) {
    if (with->second.empty()) return syntax_error("Cannot parse :with, expected [?variable+]", form);
    for (const Value& v : with->second) {
      auto var = detail::parse_variable(v, ":with");
      if (!var) return std::unexpected(var.error());
      q.with.push_back(std::move(*var));
    }
  }

  if (auto in = sections->find("in"); in != sections->end()) {
    auto bindings = detail::parse_in(in->second);
    if (!bindings) return std::unexpected(bindings.error());
    q.in = std::move(*bindings);
  } else {
    q.in.emplace_back(SrcVar{"$"});
  }

  if (auto where = sections->find("where"); where != sections->end()) {
    auto clauses = detail::parse_clauses(where->second);
    if (!clauses) return std::unexpected(clauses.error());
    q.where = std::move(*clauses);
  }
  auto limit = parse_row_count(*sections, "limit", form);
  if (!limit) return std::unexpected(limit.error());
  q.limit = *limit;
  auto offset = parse_row_count(*sections, "offset", form);
  if (!offset) return std::unexpected(offset.error());
  q.offset = *offset;
  return q;
}

constexpr std::string_view kRuleShape =
    "Cannot parse rule, expected [(rule-name ?variable+) clause+]";

Result<Rule> parse_rule(const Value& form) {
  const auto* items = detail::sequence_items(form);
  if (items == nullptr || items->empty()) return syntax_error(kRuleShape, form);
  const auto* head = detail::sequence_items((*items)[0]);
  if (head == nullptr || head->empty())
    return syntax_error("Cannot parse rule head, expected (rule-name ?variable+)", form);
  if (!detail::is_plain_symbol((*head)[0]))
    return syntax_error("Cannot parse rule name, expected a plain symbol", form);
  Rule rule;
  rule.name = *detail::symbol_text((*head)[0]);
  auto vars = detail::parse_rule_vars(form, std::span(*head).subspan(1), "rule head");
  if (!vars) return std::unexpected(vars.error());
  rule.required_vars = std::move(vars->required);
  rule.free_vars = std::move(vars->free);
  if (items->size() < 2) return syntax_error("Rule branch should have clauses", form);
  auto body = detail::parse_clauses(std::span(*items).subspan(1));
  if (!body) return std::unexpected(body.error());
  rule.body = std::move(*body);
  return rule;
}

std::string rule_vars_text(const Rule& r) {
  std::string out = "(";
  bool first = true;
  auto add = [&](const std::string& s) {
    if (!first) out += ' ';
    out += s;
    first = false;
  };
  if (!r.required_vars.empty()) {
    std::vector<std::string> req;
    for (const auto& v : r.required_vars) req.push_back(v.name);
    add(detail::var_vector_text(req));
  }
  for (const auto& v : r.free_vars) add(v.name);
  return out + ")";
}
}  // namespace

Result<Query> parse_query(const Value& form) {
  auto q = parse_query_shape(unquote(form));
  if (!q) return std::unexpected(q.error());
  if (auto ok = check_query(*q); !ok) return std::unexpected(ok.error());
  q->where_positions = std::make_shared<const PatternPositions>(pattern_positions(q->where));
  q->where_forms.reserve(q->where.size());
  for (const Clause& c : q->where) q->where_forms.push_back(to_edn(c));
  for (const FindElement& e : q->find.elements) {
    const Variable& var = std::visit([](const auto& x) -> const Variable& { return x.var; }, e);
    add_unique(q->kept_vars, var.name);
    // A variable prints as its name (a symbol): no value built and printed for it.
    q->columns.push_back(std::holds_alternative<FindVar>(e) ? var.name : detail::edn_text(to_edn(e)));
  }
  for (const Variable& w : q->with) add_unique(q->kept_vars, w.name);
  return q;
}

Result<std::vector<Rule>> parse_rules(const Value& form_in) {
  const Value& form = unquote(form_in);
  const auto* items = detail::sequence_items(form);
  if (items == nullptr)
    return syntax_error("Cannot parse rules, expected [[(rule-name ?variable+) clause+]+]", form);
  std::vector<Rule> rules;
  rules.reserve(items->size());
  for (const Value& item : *items) {
    auto rule = parse_rule(item);
    if (!rule) return std::unexpected(rule.error());
    for (const Rule& other : rules) {
      if (other.name != rule->name) continue;
      if (other.required_vars.size() != rule->required_vars.size() ||
          other.free_vars.size() != rule->free_vars.size())
        return detail::invalid_error("Arity mismatch for rule '" + rule->name +
                                     "': " + rule_vars_text(other) + " vs. " +
                                     rule_vars_text(*rule));
      break;
    }
    if (auto ok = detail::check_rule_body(*rule); !ok) return std::unexpected(ok.error());
    rules.push_back(std::move(*rule));
  }
  return rules;
}

}  // namespace quarry::query
