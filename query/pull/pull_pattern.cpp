// Parsing pull patterns (syntax only). The grammar is in query/pull/pull_pattern.hpp; messages follow
// DataScript's ("Expected ..., got: <the offending part as EDN>").
#include "query/pull/pull_pattern.hpp"

#include <span>
#include <string>
#include <string_view>

#include "codec/edn_printer.hpp"
#include "query/pull/pull.hpp"

namespace quarry::query {
namespace {

std::unexpected<Error> syntax(std::string_view expected, const Value& got) {
  return fail(ErrorCode::PullSyntax, "Expected " + std::string(expected) + ", got: " + to_edn(got));
}

std::span<const Value> sequence_items(const Value& v) {
  if (const auto* vec = v.get_if<Vector>()) return vec->items;
  if (const auto* list = v.get_if<List>()) return list->items;
  return {};
}

bool is_sequence(const Value& v) { return v.is<Vector>() || v.is<List>(); }

bool is_plain_keyword(const Value& v, std::string_view name) {
  const auto* k = v.get_if<Keyword>();
  return k && k->ns.empty() && k->name == name;
}

// A bare symbol or string spelt `text` (DataScript accepts both for *, ..., limit, default).
bool is_word(const Value& v, std::string_view text) {
  if (const auto* s = v.get_if<Symbol>()) return s->ns.empty() && s->name == text;
  if (const auto* s = v.get_if<std::string>()) return *s == text;
  return false;
}

bool is_wildcard(const Value& v) { return is_word(v, "*") || is_plain_keyword(v, "*"); }

// attr-name: a keyword; :db/id; :ns/_name for a reverse attribute.
Result<PullAttrSpec> parse_attr_name(const Value& v) {
  const auto* k = v.get_if<Keyword>();
  if (!k) {
    if (v.is<std::string>()) return syntax("an attribute keyword (Quarry has no string attributes)", v);
    return syntax("attr-name | attr-expr | map-spec | *", v);
  }
  PullAttrSpec spec;
  spec.key = v;
  spec.source = v;
  if (k->ns == "db" && k->name == "id") {
    spec.db_id = true;
  } else if (k->name.size() > 1 && k->name.front() == '_') {
    spec.reverse = true;
    spec.attr = Keyword{k->ns, k->name.substr(1)};
  } else {
    spec.attr = *k;
  }
  return spec;
}

Result<std::optional<std::int64_t>> parse_limit_value(const Value& v) {
  if (v.is_nil()) return std::optional<std::int64_t>{};
  if (const auto* n = v.get_if<std::int64_t>(); n && *n > 0) return std::optional<std::int64_t>{*n};
  return syntax("(positive-number | nil)", v);
}

// attr-expr: [attr-name option value ...] or the legacy (limit attr n) / (default attr v).
Result<PullAttrSpec> parse_attr_expr(const Value& expr) {
  auto items = sequence_items(expr);
  if (items.empty()) return syntax("[attr-name attr-option+] | (limit attr-name n) | (default attr-name v)", expr);
  if (is_word(items[0], "limit") || is_word(items[0], "default")) {
    const bool limit = is_word(items[0], "limit");
    if (items.size() != 3)
      return syntax(limit ? "(limit attr-name (positive-number | nil))" : "(default attr-name any-value)", expr);
    auto spec = parse_attr_name(items[1]);
    if (!spec) return spec;
    if (limit) {
      auto n = parse_limit_value(items[2]);
      if (!n) return std::unexpected(n.error());
      spec->has_limit = true;
      spec->limit = *n;
    } else if (!items[2].is_nil()) {
      spec->default_value = items[2];
    }
    spec->source = expr;
    return spec;
  }
  if (!items[0].is<Keyword>()) return syntax("[attr-name attr-option+] | (limit attr-name n) | (default attr-name v)", expr);
  auto spec = parse_attr_name(items[0]);
  if (!spec) return spec;
  if (items.size() % 2 != 1) return syntax("an even number of options", expr);
  for (std::size_t i = 1; i < items.size(); i += 2) {
    const Value& option = items[i];
    const Value& value = items[i + 1];
    if (is_plain_keyword(option, "as")) {
      spec->key = value;
    } else if (is_plain_keyword(option, "limit")) {
      auto n = parse_limit_value(value);
      if (!n) return std::unexpected(n.error());
      spec->has_limit = true;
      spec->limit = *n;
    } else if (is_plain_keyword(option, "default")) {
      if (value.is_nil()) spec->default_value.reset();
      else spec->default_value = value;
    } else if (is_plain_keyword(option, "xform")) {
      return syntax("one of :as, :limit, :default (:xform takes a function: DataScript only)", expr);
    } else {
      return syntax("one of :as, :limit, :default", expr);
    }
  }
  spec->source = expr;
  return spec;
}

Result<std::shared_ptr<PullPattern>> parse_pattern(const Value& pattern);

// One map-spec entry: {attr-or-expr pattern-or-recursion}.
Result<PullAttrSpec> parse_map_entry(const Value& k, const Value& v) {
  Map entry_map;
  entry_map.entries.emplace_back(k, v);
  const Value entry(std::move(entry_map));
  Result<PullAttrSpec> spec = k.is<Keyword>() ? parse_attr_name(k)
                              : is_sequence(k) ? parse_attr_expr(k)
                                               : syntax("attr-name | attr-expr", k);
  if (!spec) return spec;
  if (is_word(v, "...")) {
    spec->nested = PullAttrSpec::Nested::Recursion;
  } else if (const auto* n = v.get_if<std::int64_t>()) {
    if (*n <= 0) return syntax("(positive-number | ...)", entry);
    spec->nested = PullAttrSpec::Nested::Recursion;
    spec->recursion_limit = *n;
  } else if (is_sequence(v)) {
    auto sub = parse_pattern(v);
    if (!sub) return std::unexpected(sub.error());
    spec->nested = PullAttrSpec::Nested::Pattern;
    spec->pattern = std::move(*sub);
  } else if (v.is_number()) {
    return syntax("(positive-number | ...)", entry);
  } else {
    return syntax("pattern to be a vector or list", v);
  }
  spec->source = entry;
  return spec;
}

void add_spec(PullPattern& pattern, PullAttrSpec spec) {
  for (auto& existing : pattern.attrs)
    if (existing.key == spec.key) {
      existing = std::move(spec);
      return;
    }
  pattern.attrs.push_back(std::move(spec));
}

Result<std::shared_ptr<PullPattern>> parse_pattern(const Value& pattern) {
  if (!is_sequence(pattern)) return syntax("pattern to be a vector or list", pattern);
  auto out = std::make_shared<PullPattern>();
  out->source = pattern;
  for (const Value& item : sequence_items(pattern)) {
    if (is_wildcard(item)) {
      out->wildcard = true;
    } else if (const auto* m = item.get_if<Map>()) {
      for (const auto& [k, v] : m->entries) {
        auto spec = parse_map_entry(k, v);
        if (!spec) return std::unexpected(spec.error());
        add_spec(*out, std::move(*spec));
      }
    } else {
      auto spec = is_sequence(item) ? parse_attr_expr(item) : parse_attr_name(item);
      if (!spec) return std::unexpected(spec.error());
      add_spec(*out, std::move(*spec));
    }
  }
  return out;
}

}  // namespace

Result<std::shared_ptr<const PullPattern>> parse_pull_pattern(const Value& pattern) {
  auto parsed = parse_pattern(pattern);
  if (!parsed) return std::unexpected(parsed.error());
  return std::shared_ptr<const PullPattern>(std::move(*parsed));
}

}  // namespace quarry::query
