#include "import.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace quarry::repl {
namespace {

struct ValueHash {
  std::size_t operator()(const Value& v) const noexcept { return hash_value(v); }
};
using TempidSet = std::unordered_set<Value, ValueHash>;

// One transaction to run: items [begin, end) of the file's form number `form`.
struct Batch {
  std::size_t form;
  std::size_t begin;
  std::size_t end;
};

bool is_keyword(const Value& v, std::string_view ns, std::string_view name) {
  auto k = v.get_if<Keyword>();
  return k && k->ns == ns && k->name == name;
}

// Finds the tempids each operation of a large vector mentions, to know where it may be cut.
class TempidScanner {
 public:
  TempidScanner(const Db& db, const Vector& ops) : db_(db) {
    // Ref attributes declared inside the vector itself, {:db/ident :a :db/valueType :db.type/ref}.
    for (const Value& op : ops.items) {
      auto m = op.get_if<Map>();
      if (!m) continue;
      const Value *ident = nullptr, *type = nullptr;
      for (const auto& [k, v] : m->entries) {
        if (is_keyword(k, "db", "ident")) ident = &v;
        if (is_keyword(k, "db", "valueType")) type = &v;
      }
      if (ident && type && ident->is<Keyword>() && is_keyword(*type, "db.type", "ref"))
        refs_.emplace(ident->as<Keyword>().qualified(), true);
    }
  }

  // The tempids `op` mentions; names_tx is set when it names the transaction entity.
  void scan(const Value& op, TempidSet& out) {
    if (auto m = op.get_if<Map>()) return scan_map(*m, out);
    auto v = op.get_if<Vector>();
    if (!v || v->items.empty()) return;
    const auto& items = v->items;
    const Value& kind = items[0];
    if (is_keyword(kind, "db", "add") || is_keyword(kind, "db", "retract")) {
      if (items.size() > 1) entity(items[1], out);
      if (items.size() > 3 && refers(items[2])) entity(items[3], out);
    } else if (is_keyword(kind, "db", "retractEntity") || is_keyword(kind, "db.fn", "retractEntity")) {
      if (items.size() > 1) entity(items[1], out);
    } else if (is_keyword(kind, "db", "cas") || is_keyword(kind, "db.fn", "cas")) {
      if (items.size() > 1) entity(items[1], out);
      if (items.size() > 2 && refers(items[2]))
        for (std::size_t i = 3; i < items.size(); ++i) entity(items[i], out);
    } else {
      everything(op, out);  // an operation this scanner does not know: assume the worst
    }
  }

  bool names_tx = false;

 private:
  void scan_map(const Map& m, TempidSet& out) {
    for (const auto& [k, v] : m.entries) {
      if (is_keyword(k, "db", "id")) {
        entity(v, out);
      } else if (refers(k)) {
        entity(v, out);
      } else if (auto nested = v.get_if<Map>()) {
        scan_map(*nested, out);
      }
    }
  }

  // A value in an entity position: a tempid, an id, a lookup ref, a nested map, or a collection
  // of those (cardinality many).
  void entity(const Value& v, TempidSet& out) {
    if (auto s = v.get_if<std::string>()) {
      if (*s == "datomic.tx") {
        names_tx = true;
      } else {
        out.insert(v);
      }
    } else if (auto n = v.get_if<std::int64_t>()) {
      if (*n < 0) out.insert(v);
    } else if (is_keyword(v, "db", "current-tx")) {
      names_tx = true;
    } else if (auto m = v.get_if<Map>()) {
      scan_map(*m, out);
    } else if (auto vec = v.get_if<Vector>()) {
      if (!vec->items.empty() && vec->items[0].is<Keyword>()) return;  // a lookup ref
      for (const Value& item : vec->items) entity(item, out);
    } else if (auto set = v.get_if<Set>()) {
      for (const Value& item : set->items) entity(item, out);
    }
  }

  void everything(const Value& v, TempidSet& out) {
    if (v.is<std::string>() || v.is<std::int64_t>() || v.is<Keyword>()) return entity(v, out);
    const std::vector<Value>* items = nullptr;
    if (auto x = v.get_if<Vector>()) items = &x->items;
    if (auto x = v.get_if<List>()) items = &x->items;
    if (auto x = v.get_if<Set>()) items = &x->items;
    if (items)
      for (const Value& item : *items) everything(item, out);
    if (auto m = v.get_if<Map>())
      for (const auto& [k, x] : m->entries) everything(x, out);
  }

  // Whether values of attribute `a` are entities: a reverse attribute (:_friend) or a ref.
  bool refers(const Value& a) {
    auto k = a.get_if<Keyword>();
    if (!k) return true;
    if (k->name.starts_with('_')) return true;
    std::string name = k->qualified();
    if (auto it = refs_.find(name); it != refs_.end()) return it->second;
    bool ref = false;
    auto entity = db_.entity(a);
    if (entity && entity->is<Map>())
      for (const auto& [key, v] : entity->as<Map>().entries)
        if (is_keyword(key, "db", "valueType") && is_keyword(v, "db.type", "ref")) ref = true;
    refs_.emplace(std::move(name), ref);
    return ref;
  }

  const Db& db_;
  std::unordered_map<std::string, bool> refs_;
};

// Cuts one large vector into batches of about `size` operations, never between two operations
// that share a tempid.
void split(const Db& db, const Vector& ops, std::size_t form, std::size_t size, std::vector<Batch>& out) {
  TempidScanner scanner(db, ops);
  std::vector<TempidSet> mentions(ops.items.size());
  std::unordered_map<Value, std::size_t, ValueHash> last;
  for (std::size_t i = 0; i < ops.items.size(); ++i) {
    scanner.scan(ops.items[i], mentions[i]);
    for (const Value& t : mentions[i]) last[t] = i;
  }
  if (scanner.names_tx || ops.items.size() <= size) {
    out.push_back({form, 0, ops.items.size()});
    return;
  }
  std::size_t begin = 0, reach = 0;
  for (std::size_t i = 0; i < ops.items.size(); ++i) {
    for (const Value& t : mentions[i]) reach = std::max(reach, last[t]);
    if (i + 1 - begin >= size && reach <= i) {
      out.push_back({form, begin, i + 1});
      begin = i + 1;
    }
  }
  if (begin < ops.items.size()) out.push_back({form, begin, ops.items.size()});
}

std::string where(const std::string& path, const TextPosition& at) {
  return path + " (line " + std::to_string(at.line) + ", column " + std::to_string(at.column) + ")";
}

}  // namespace

Value ImportSummary::to_value() const {
  Map m;
  [[maybe_unused]] bool ok =
      make_map({{Value::keyword("transactions"), Value(static_cast<std::int64_t>(transactions))},
                {Value::keyword("datoms"), Value(static_cast<std::int64_t>(datoms))},
                {Value::keyword("seconds"), Value(std::round(seconds * 1000) / 1000)}},
               m);
  return Value(std::move(m));
}

Result<ImportSummary> import_file(Database& database, const std::string& path, const ImportOptions& options) {
  auto start = std::chrono::steady_clock::now();
  // A regular file, or a pipe (.import <(command)); a directory or a device (/dev/zero, which
  // never ends) is an error before anything is read.
  std::error_code ec;
  auto type = std::filesystem::status(path, ec).type();
  if (!ec && type != std::filesystem::file_type::regular && type != std::filesystem::file_type::fifo) {
    return fail(ErrorCode::StorageIo, "cannot import " + path + ": " +
                                          (type == std::filesystem::file_type::directory
                                               ? "it is a directory"
                                               : "it is not a regular file") +
                                          "; name an EDN file of transactions");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::StorageIo, "cannot read " + path + ": no such file, or not readable");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail(ErrorCode::StorageIo, "cannot read " + path);

  EdnStreamReader reader;
  reader.feed(text.str());
  reader.finish();
  std::vector<EdnForm> forms;
  for (;;) {
    auto next = reader.next();
    if (!next) return fail(next.error().code, path + ": " + next.error().message);
    if (!*next) break;
    if (!(*next)->value.is<Vector>())
      return fail(ErrorCode::InvalidArgument,
                  "the form at " + where(path, (*next)->start) + " is not a transaction vector");
    forms.push_back(std::move(**next));
  }

  std::vector<Batch> batches;
  std::size_t total = 0;
  Db db = database.db();
  for (std::size_t f = 0; f < forms.size(); ++f) {
    const Vector& ops = forms[f].value.as<Vector>();
    total += ops.items.size();
    if (forms.size() == 1) {
      split(db, ops, f, std::max<std::size_t>(options.batch_size, 1), batches);
    } else {
      batches.push_back({f, 0, ops.items.size()});
    }
  }

  ImportSummary summary;
  std::size_t done = 0;
  for (const Batch& batch : batches) {
    if (options.cancel && options.cancel->load())
      return fail(ErrorCode::QueryCancelled, "import of " + path + " interrupted after " +
                                                 std::to_string(summary.transactions) + " transactions");
    const auto& items = forms[batch.form].value.as<Vector>().items;
    Result<TxReport> report = batch.begin == 0 && batch.end == items.size()
                                  ? database.transact(forms[batch.form].value)
                                  : database.transact(Value(Vector{std::vector<Value>(
                                        items.begin() + batch.begin, items.begin() + batch.end)}));
    if (!report)
      return fail(report.error().code, "transaction " + std::to_string(summary.transactions + 1) + " of " +
                                           where(path, forms[batch.form].start) + " failed (" +
                                           std::to_string(summary.transactions) +
                                           " committed before it): " + report.error().message);
    ++summary.transactions;
    summary.datoms += report->datoms.size();
    done += batch.end - batch.begin;
    if (options.progress) options.progress(done, total);
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace quarry::repl
