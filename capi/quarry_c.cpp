// The functions of quarry.h over the C++ API. Each one goes through capi::run (or catches
// everything itself), so no exception crosses into C.
#include <memory>
#include <string>

#include "capi/handles.hpp"

using quarry::capi::report;
using quarry::capi::run;

namespace {

quarry_code missing(const char* what, quarry_error** err) {
  return report(quarry::Error{quarry::ErrorCode::InvalidArgument, std::string(what) + " is NULL"}, err);
}

// A new snapshot handle, null when memory runs out.
quarry_snapshot* snapshot(quarry::Db (*make)(const quarry::Db&, std::int64_t), const quarry::Db& db,
                          std::int64_t t) noexcept {
  try {
    return new quarry_snapshot{make(db, t)};
  } catch (...) {
    return nullptr;
  }
}

}  // namespace

extern "C" {

const char* quarry_version(void) { return "0.1.0"; }

quarry_code quarry_open(const char* path, unsigned flags, quarry_db** out, quarry_error** err) {
  if (!out) return missing("out", err);
  bool memory = (flags & QUARRY_OPEN_MEMORY) != 0;
  if (!memory && !path) return missing("path", err);
  quarry_db* opened = nullptr;
  quarry_code code = run(nullptr, err, [&]() -> quarry::Result<std::string> {
    quarry::Options options;
    options.in_memory = memory;
    if (!memory) options.path = path;
    options.read_only = (flags & QUARRY_OPEN_READ_ONLY) != 0;
    options.strict_schema = (flags & QUARRY_OPEN_STRICT_SCHEMA) != 0;
    options.sync_writes = (flags & QUARRY_OPEN_NO_SYNC) == 0;
    options.create_if_missing = (flags & QUARRY_OPEN_NO_CREATE) == 0;
    auto database = quarry::Database::open(options);
    if (!database) return std::unexpected(database.error());
    opened = new quarry_db{std::move(*database)};
    return std::string();
  });
  if (code == QUARRY_OK) *out = opened;
  return code;
}

void quarry_close(quarry_db* db) {
  try {
    delete db;
  } catch (...) {
    // ~Database does not throw; nothing may reach C if it ever did.
  }
}

quarry_code quarry_transact(quarry_db* db, const char* tx_data, char** out, quarry_error** err) {
  if (!db) return missing("db", err);
  if (!tx_data) return missing("tx_data", err);
  return run(out, err, [&]() -> quarry::Result<std::string> {
    auto r = db->database.transact(std::string_view(tx_data));
    if (!r) return std::unexpected(r.error());
    return quarry::to_edn(r->summary());
  });
}

quarry_code quarry_declare_schema(quarry_db* db, const char* schema, char** out, quarry_error** err) {
  if (!db) return missing("db", err);
  if (!schema) return missing("schema", err);
  return run(out, err, [&]() -> quarry::Result<std::string> {
    auto r = db->database.declare_schema(std::string_view(schema));
    if (!r) return std::unexpected(r.error());
    return quarry::to_edn(r->summary());
  });
}

quarry_snapshot* quarry_snapshot_latest(quarry_db* db) {
  if (!db) return nullptr;
  try {
    return new quarry_snapshot{db->database.db()};
  } catch (...) {
    return nullptr;
  }
}

quarry_snapshot* quarry_snapshot_as_of(const quarry_snapshot* snap, int64_t t) {
  if (!snap) return nullptr;
  return snapshot([](const quarry::Db& d, std::int64_t x) { return d.as_of(quarry::TxId{static_cast<std::uint64_t>(x)}); },
                  snap->db, t);
}

quarry_snapshot* quarry_snapshot_since(const quarry_snapshot* snap, int64_t t) {
  if (!snap) return nullptr;
  return snapshot([](const quarry::Db& d, std::int64_t x) { return d.since(quarry::TxId{static_cast<std::uint64_t>(x)}); },
                  snap->db, t);
}

quarry_snapshot* quarry_snapshot_history(const quarry_snapshot* snap) {
  if (!snap) return nullptr;
  return snapshot([](const quarry::Db& d, std::int64_t) { return d.history(); }, snap->db, 0);
}

int64_t quarry_snapshot_basis(const quarry_snapshot* snap) {
  return snap ? static_cast<int64_t>(snap->db.basis().value) : 0;
}

void quarry_snapshot_free(quarry_snapshot* snap) { delete snap; }

quarry_code quarry_q(const quarry_snapshot* snap, const char* query, const char* inputs, char** out,
                     quarry_error** err) {
  if (!snap) return missing("snap", err);
  if (!query) return missing("query", err);
  return run(out, err, [&]() -> quarry::Result<std::string> {
    auto bound = quarry::capi::read_inputs(snap->db, inputs);
    if (!bound) return std::unexpected(bound.error());
    // A leading ' is ignored, as in the quarry command, so queries paste from Clojure.
    auto form = quarry::read_edn(query, quarry::EdnReadOptions{.skip_quote = true});
    if (!form) return std::unexpected(form.error());
    auto r = quarry::q(*form, std::span<const quarry::QueryInput>(*bound));
    if (!r) return std::unexpected(r.error());
    return quarry::to_edn(r->value);
  });
}

quarry_code quarry_pull(const quarry_snapshot* snap, const char* pattern, const char* eid, char** out,
                        quarry_error** err) {
  if (!snap) return missing("snap", err);
  if (!pattern) return missing("pattern", err);
  if (!eid) return missing("eid", err);
  return run(out, err, [&]() -> quarry::Result<std::string> {
    auto id = quarry::read_edn(eid);
    if (!id) return std::unexpected(id.error());
    auto r = snap->db.pull(std::string_view(pattern), *id);
    if (!r) return std::unexpected(r.error());
    return quarry::to_edn(*r);
  });
}

quarry_code quarry_entity(const quarry_snapshot* snap, const char* eid, char** out, quarry_error** err) {
  if (!snap) return missing("snap", err);
  if (!eid) return missing("eid", err);
  return run(out, err, [&]() -> quarry::Result<std::string> {
    auto id = quarry::read_edn(eid);
    if (!id) return std::unexpected(id.error());
    auto r = snap->db.entity(*id);
    if (!r) return std::unexpected(r.error());
    return quarry::to_edn(*r);
  });
}

}  // extern "C"
