// Binding parsed pull patterns to a schema (see query/pull/pull_plan.hpp).
#include "query/pull/pull_plan.hpp"

#include <algorithm>
#include <string>
#include <string_view>

#include "codec/edn_printer.hpp"

namespace quarry::query {
namespace {

std::unexpected<Error> schema_error(std::string_view expected, const PullAttrSpec& spec) {
  return fail(ErrorCode::PullSyntax, "Expected " + std::string(expected) + ", got: " + to_edn(spec.source));
}

class Planner {
 public:
  Planner(PullPlan& plan, const index::Schema& schema) : plan_(plan), schema_(schema) {}

  Result<const PullPlanPattern*> bind(const PullPattern& pattern) {
    PullPlanPattern* out = add_pattern();
    out->wildcard = pattern.wildcard;
    for (const PullAttrSpec& spec : pattern.attrs) {
      auto attr = bind_attr(spec, out);
      if (!attr) return std::unexpected(attr.error());
      if (attr->db_id) out->db_ids.push_back(std::move(*attr));
      else if (attr->reverse) out->reverse.push_back(std::move(*attr));
      else if (attr->attr) out->forward.push_back(std::move(*attr));
      else if (attr->default_value) out->absent.push_back(std::move(*attr));
    }
    if (pattern.wildcard && out->db_ids.empty()) out->db_ids.push_back(db_id_attr());
    std::stable_sort(out->forward.begin(), out->forward.end(),
                     [](const PullPlanAttr& a, const PullPlanAttr& b) { return a.attr->id < b.attr->id; });
    return out;
  }

  // Called once the root is bound: the wildcard defaults, if any pattern needs them, and the
  // key ranks.
  void finish() {
    add_wildcard_attrs();
    std::vector<PullPlanAttr*> all;
    for (auto& p : plan_.patterns)
      for (auto* attrs : {&p->db_ids, &p->forward, &p->absent, &p->reverse})
        for (PullPlanAttr& a : *attrs) all.push_back(&a);
    for (PullPlanAttr& a : plan_.wildcard_attrs) all.push_back(&a);
    std::ranges::sort(all, [](const PullPlanAttr* x, const PullPlanAttr* y) { return compare(x->key, y->key) < 0; });
    std::uint32_t rank = 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (i > 0 && all[i - 1]->key != all[i]->key) ++rank;
      all[i]->key_rank = rank;
    }
  }

 private:
  PullPlan& plan_;
  const index::Schema& schema_;
  PullPlanPattern* component_pattern_ = nullptr;

  void add_wildcard_attrs() {
    const bool any_wildcard = std::ranges::any_of(plan_.patterns, [](const auto& p) { return p->wildcard; });
    if (!any_wildcard) return;
    for (const index::AttrSchema& a : schema_.attrs()) {
      PullPlanAttr attr;
      attr.key = Value(a.ident);
      attr.attr = &a;
      attr.multival = a.many;
      attr.ref = a.is_ref();
      attr.limit = a.many ? kDefaultManyLimit : kNoLimit;
      if (a.is_ref() && a.component) {
        attr.pattern = wildcard_component();
        attr.auto_expanding = true;
      }
      plan_.wildcard_attrs.push_back(std::move(attr));
    }
  }

  PullPlanPattern* add_pattern() {
    plan_.patterns.push_back(std::make_unique<PullPlanPattern>());
    return plan_.patterns.back().get();
  }

  static PullPlanAttr db_id_attr() {
    PullPlanAttr a;
    a.key = Value::keyword("db/id");
    a.db_id = true;
    return a;
  }

  // [*]: how components are pulled when no pattern is given for them.
  const PullPlanPattern* wildcard_component() {
    if (!component_pattern_) {
      component_pattern_ = add_pattern();
      component_pattern_->wildcard = true;
      component_pattern_->db_ids.push_back(db_id_attr());
    }
    return component_pattern_;
  }

  Result<PullPlanAttr> bind_attr(const PullAttrSpec& spec, const PullPlanPattern* enclosing) {
    PullPlanAttr out;
    out.key = spec.key;
    out.default_value = spec.default_value;
    if (spec.db_id) {
      if (spec.has_limit) return schema_error("limit attribute having :db.cardinality/many", spec);
      if (spec.nested != PullAttrSpec::Nested::None) return schema_error("attribute having :db.type/ref", spec);
      out.db_id = true;
      return out;
    }
    const index::AttrSchema* attr = schema_.find(spec.attr);
    const bool component = attr && attr->is_ref() && attr->component;
    out.attr = attr;
    out.reverse = spec.reverse;
    if (spec.reverse) {
      if (!attr || !attr->is_ref()) return schema_error("reverse attribute having :db.type/ref", spec);
      out.ref = true;
      out.multival = !component;
    } else {
      out.ref = attr && attr->is_ref();
      out.multival = attr && attr->many;
    }
    if (spec.has_limit) {
      if (!out.multival) return schema_error("limit attribute having :db.cardinality/many", spec);
      out.limit = spec.limit ? static_cast<std::size_t>(*spec.limit) : kNoLimit;
    } else {
      out.limit = out.multival ? kDefaultManyLimit : kNoLimit;
    }
    switch (spec.nested) {
      case PullAttrSpec::Nested::None:
        if (component && !spec.reverse) {
          out.pattern = wildcard_component();
          out.auto_expanding = true;
        }
        break;
      case PullAttrSpec::Nested::Pattern: {
        if (!out.ref) return schema_error("attribute having :db.type/ref", spec);
        auto sub = bind(*spec.pattern);
        if (!sub) return std::unexpected(sub.error());
        out.pattern = *sub;
        out.auto_expanding = component && (*sub)->wildcard;
        break;
      }
      case PullAttrSpec::Nested::Recursion:
        if (!out.ref) return schema_error("attribute having :db.type/ref", spec);
        out.pattern = enclosing;
        out.recursion_limit = spec.recursion_limit;
        out.auto_expanding = true;
        break;
    }
    return out;
  }
};

}  // namespace

const PullPlanAttr* PullPlan::wildcard_attr(AttrId a) const noexcept {
  auto it = std::lower_bound(wildcard_attrs.begin(), wildcard_attrs.end(), a,
                             [](const PullPlanAttr& x, AttrId id) { return x.attr->id < id; });
  return it != wildcard_attrs.end() && it->attr->id == a ? &*it : nullptr;
}

Result<std::shared_ptr<const PullPlan>> plan_pull(const PullPattern& pattern,
                                                  const std::shared_ptr<const index::Schema>& schema) {
  std::lock_guard lock(pattern.plan_mutex);
  if (pattern.plan && pattern.plan->schema == schema) return pattern.plan;
  auto plan = std::make_shared<PullPlan>();
  plan->schema = schema;
  Planner planner(*plan, *schema);
  auto root = planner.bind(pattern);
  if (!root) return std::unexpected(root.error());
  plan->root = *root;
  planner.finish();
  pattern.plan = plan;
  return std::shared_ptr<const PullPlan>(std::move(plan));
}

}  // namespace quarry::query
