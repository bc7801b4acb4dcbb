#include "export.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

namespace quarry::repl {
namespace {

// Ids at or above this are system entities (attributes, other idents), allocated by the
// database; below it (and above tx0) transaction entities. doc/architecture.md, "Data model".
constexpr std::uint64_t kSystemBase = std::uint64_t{1} << 40;

bool is_system(EntityId e) { return e.value >= kSystemBase; }
Value long_of(EntityId e) { return Value(static_cast<std::int64_t>(e.value)); }

Value op(const char* name, Value e, Value a, Value v) {
  return Vector{{Value::keyword(name), std::move(e), std::move(a), std::move(v)}};
}

// Writes transaction vectors, one operation per line, and counts them.
class TxWriter {
 public:
  explicit TxWriter(std::FILE* file) : file_(file) {}

  void transaction(const std::vector<Value>& ops) {
    if (ops.empty()) return;
    std::string text = "[";
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if (i > 0) text += "\n ";
      append_edn(text, ops[i]);
    }
    text += "]\n";
    std::fwrite(text.data(), 1, text.size(), file_);
    ++transactions_;
    operations_ += ops.size();
  }
  void comment(const std::string& text) { std::fprintf(file_, ";; %s\n", text.c_str()); }

  std::size_t transactions_ = 0;
  std::size_t operations_ = 0;

 private:
  std::FILE* file_;
};

// Idents of system entities, as of the start of the transaction being written.
using Idents = std::unordered_map<std::uint64_t, Keyword>;

Result<Idents> current_idents(const Db& db, std::vector<std::uint64_t>* builtins) {
  Value attr = Value::keyword("db/ident");
  auto datoms = db.datoms(IndexOrder::Aevt, std::span<const Value>(&attr, 1));
  if (!datoms) return std::unexpected(datoms.error());
  Idents out;
  for (const Datom& d : *datoms) {
    out.emplace(d.e.value, d.v.as<Keyword>());
    if (builtins && d.tx.value == kTx0) builtins->push_back(d.e.value);
  }
  return out;
}

bool is_ident_attribute(const Db& db, AttrId a) {
  auto attr = db.ident(a);
  return attr && attr->ns == "db" && attr->name == "ident";
}

Error unnamed_attribute(const Datom& d, std::uint64_t tx) {
  return Error{ErrorCode::InvalidArgument,
               "cannot export the datom [" + std::to_string(d.e.value) + " " + std::to_string(d.a.value) +
                   " " + to_edn(d.v) + "] of transaction " + std::to_string(tx) + ": its attribute " +
                   std::to_string(d.a.value) + " has no :db/ident there, so tx-data cannot name it"};
}

Result<void> write_current(const Db& db, const std::vector<Datom>& all, const Idents& idents,
                           const std::vector<std::uint64_t>& builtins, TxWriter& out) {
  auto is_builtin = [&](EntityId e) {
    return std::find(builtins.begin(), builtins.end(), e.value) != builtins.end();
  };
  auto value_of = [&](const Value& v) -> Value {
    auto ref = v.get_if<EntityId>();
    if (!ref) return v;
    if (is_system(*ref))
      if (auto it = idents.find(ref->value); it != idents.end()) return Value(it->second);
    return long_of(*ref);
  };

  // Schema: one map per ident entity, its first value of each attribute that is not a ref.
  std::vector<Value> schema, late, data;
  std::map<std::uint64_t, std::vector<std::pair<Value, Value>>> maps;
  for (const Datom& d : all) {
    if (!is_system(d.e) || is_builtin(d.e)) continue;
    auto ident = idents.find(d.e.value);
    if (ident == idents.end()) continue;  // an ident-less system entity cannot be named
    auto attr = db.ident(d.a);
    if (!attr) continue;
    auto& entries = maps[d.e.value];
    Value key(*attr);
    bool seen = std::any_of(entries.begin(), entries.end(), [&](const auto& kv) { return kv.first == key; });
    if (d.v.is<EntityId>() || seen) {
      late.push_back(op("db/add", Value(ident->second), key, value_of(d.v)));
    } else {
      entries.emplace_back(std::move(key), d.v);
    }
  }
  for (auto& [e, entries] : maps) {
    Map m;
    if (make_map(std::move(entries), m)) schema.push_back(Value(std::move(m)));
  }
  out.transaction(schema);

  for (const Datom& d : all) {
    if (d.e.value >= kTx0) continue;
    auto attr = db.ident(d.a);
    if (!attr) return std::unexpected(unnamed_attribute(d, d.tx.value));
    data.push_back(op("db/add", long_of(d.e), Value(*attr), value_of(d.v)));
    if (data.size() == kExportBatch) {
      out.transaction(data);
      data.clear();
    }
  }
  out.transaction(data);
  out.transaction(late);
  return {};
}

// Attributes and ident entities are named by the ident they had when each transaction ran, not by
// today's: after a rename ([:db/add :old :db/ident :new]) the transactions before it say :old, and
// an attribute whose ident was later retracted keeps its name in the transactions that used it.
Result<void> write_history(const Db& db, const std::vector<Datom>& all, TxWriter& out) {
  // Every datom of every transaction after the bootstrap, grouped by the tx that asserted or
  // retracted it; within a tx, retractions first (as the tx log orders them).
  std::map<std::uint64_t, std::vector<const Datom*>> by_tx;
  for (const Datom& d : all) by_tx[d.tx.value].push_back(&d);

  Idents idents;  // as of the start of the transaction being written
  for (const Datom* d : by_tx[kTx0])
    if (d->added && is_ident_attribute(db, d->a)) idents.emplace(d->e.value, d->v.as<Keyword>());

  for (auto& [tx, datoms] : by_tx) {
    if (tx <= kTx0) continue;
    std::stable_partition(datoms.begin(), datoms.end(), [](const Datom* d) { return !d->added; });
    // Idents this transaction gives: an attribute created here is named by its new ident.
    Idents given;
    for (const Datom* d : datoms)
      if (d->added && is_ident_attribute(db, d->a)) given.insert_or_assign(d->e.value, d->v.as<Keyword>());
    // System entities this transaction names for the first time go by a tempid.
    std::unordered_map<std::uint64_t, Value> fresh;
    auto entity = [&](EntityId e) -> Value {
      if (e.value == tx) return Value("datomic.tx");
      if (!is_system(e)) return long_of(e);
      if (auto it = idents.find(e.value); it != idents.end()) return Value(it->second);
      auto [it, _] = fresh.emplace(e.value, Value("quarry.export/" + std::to_string(e.value)));
      return it->second;
    };
    auto attribute = [&](AttrId a) -> std::optional<Value> {
      if (auto it = idents.find(a.value); it != idents.end()) return Value(it->second);
      if (auto it = given.find(a.value); it != given.end()) return Value(it->second);
      return std::nullopt;
    };
    std::vector<Value> ops;
    ops.reserve(datoms.size());
    for (const Datom* d : datoms) {
      // A rename retracts the old ident and asserts the new one; the assertion alone replays it
      // (:db/ident is cardinality one), and the explicit retraction would unname the entity
      // that the assertion names by its old ident.
      if (!d->added && is_ident_attribute(db, d->a) && given.contains(d->e.value)) continue;
      auto attr = attribute(d->a);
      if (!attr) return std::unexpected(unnamed_attribute(*d, tx));
      Value v = d->v;
      if (auto ref = v.get_if<EntityId>()) v = entity(*ref);
      ops.push_back(op(d->added ? "db/add" : "db/retract", entity(d->e), std::move(*attr), std::move(v)));
    }
    out.transaction(ops);
    for (const Datom* d : datoms) {
      if (!is_ident_attribute(db, d->a)) continue;
      if (d->added) {
        idents.insert_or_assign(d->e.value, d->v.as<Keyword>());
      } else if (auto it = idents.find(d->e.value); it != idents.end() && Value(it->second) == d->v &&
                                                       !given.contains(d->e.value)) {
        idents.erase(it);
      }
    }
  }
  return {};
}

}  // namespace

Result<Value> export_database(const Db& db, const std::string& path, ExportScope scope) {
  Db source = scope == ExportScope::History ? db.history() : db;
  auto all = source.datoms(IndexOrder::Eavt);
  if (!all) return std::unexpected(all.error());
  std::vector<std::uint64_t> builtins;
  auto idents = current_idents(db, &builtins);
  if (!idents) return std::unexpected(idents.error());

  // Written to a temporary file beside `path`, synced, then renamed over it: a failed export (a
  // full disk, a crash) leaves the previous file at `path` whole.
  std::string temp = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(temp.data());
  if (fd < 0) return fail(ErrorCode::StorageIo, "cannot write " + path + ": " + std::strerror(errno));
  std::FILE* file = ::fdopen(fd, "w");
  if (!file) {
    int saved = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    return fail(ErrorCode::StorageIo, "cannot write " + path + ": " + std::strerror(saved));
  }
  TxWriter out(file);
  out.comment("quarry export of basis tx " + std::to_string(db.basis().value) +
              (scope == ExportScope::History ? ", full history: one transaction per original one"
                                             : ", current state: schema, then data"));
  out.comment("load it into an empty database with: .import " + path);
  Result<void> written = scope == ExportScope::History ? write_history(db, *all, out)
                                                       : write_current(db, *all, *idents, builtins, out);
  if (!written) {
    std::fclose(file);
    ::unlink(temp.c_str());
    return std::unexpected(written.error());
  }
  bool failed = std::fflush(file) != 0 || std::ferror(file) != 0;
  int saved_errno = errno;
  if (!failed && ::fsync(::fileno(file)) != 0) {
    failed = true;
    saved_errno = errno;
  }
  if (std::fclose(file) != 0 && !failed) {
    failed = true;
    saved_errno = errno;
  }
  if (!failed) {
    // mkstemp made the file 0600; an export is an ordinary file (0666 less the umask).
    mode_t mask = ::umask(0);
    ::umask(mask);
    (void)::chmod(temp.c_str(), 0666 & ~mask);
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
      failed = true;
      saved_errno = errno;
    }
  }
  if (failed) {
    ::unlink(temp.c_str());
    return fail(ErrorCode::StorageIo, "cannot write " + path + ": " + std::strerror(saved_errno) +
                                          " (any previous " + path + " is unchanged)");
  }

  Map summary;
  if (!make_map({{Value::keyword("file"), Value(path)},
                 {Value::keyword("transactions"), Value(static_cast<std::int64_t>(out.transactions_))},
                 {Value::keyword("operations"), Value(static_cast<std::int64_t>(out.operations_))}},
                summary))
    return fail(ErrorCode::Internal, "export summary keys collide");
  return Value(std::move(summary));
}

}  // namespace quarry::repl
