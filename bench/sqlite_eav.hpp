// SQLite as an EAV store, the relational baseline of bench/compare_bench.cpp.
//
// One table of current datoms, clustered on EAVT, with the other three Datomic indexes as covering
// secondary indexes (a WITHOUT ROWID table's indexes carry its primary key, so every index holds
// e, a and v):
//
//   datoms(e INTEGER, a INTEGER, v ANY, tx INTEGER, PRIMARY KEY (e, a, v)) WITHOUT ROWID
//   aevt(a, e, v)   avet(a, v, e)   vaet(v, a, e)
//   attrs(id INTEGER PRIMARY KEY, ident TEXT UNIQUE)      -- :name -> 1, ...
//
// `v` has no type affinity, so every value keeps its own SQLite type: longs and refs are INTEGER,
// doubles REAL, strings TEXT, keywords TEXT with their colon (":male"). Numeric comparisons are
// therefore numeric (`v > 50000` on :salary compares integers). Attributes are small integers, as in
// Datomic, resolved once when a statement is prepared (`@name` parameters, see Statement).
//
// Loading follows Datomic/DataScript map semantics for what the benchmark data holds: a map's
// :db/id is the entity, a card-many attribute's vector value is one datom per element (duplicates
// collapse), and re-asserting a card-one attribute replaces the old value.
//
// Errors abort the program (a benchmark, not a library): every SQLite failure prints the statement
// and SQLite's message and exits with status 1.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <quarry/value.hpp>

#include "bench/bench_edn.hpp"

namespace quarry::bench {

[[noreturn]] inline void sqlite_fail(sqlite3* db, std::string_view what) {
  std::fprintf(stderr, "sqlite: %.*s: %s\n", static_cast<int>(what.size()), what.data(), db ? sqlite3_errmsg(db) : "?");
  std::exit(1);
}

// Binds a Quarry value as SQLite stores it here (see the file comment); exits on other kinds.
inline void bind_value(sqlite3_stmt* s, int i, const Value& v) {
  if (v.is<std::int64_t>()) sqlite3_bind_int64(s, i, v.as<std::int64_t>());
  else if (v.is<double>()) sqlite3_bind_double(s, i, v.as<double>());
  else if (v.is<std::string>()) sqlite3_bind_text(s, i, v.as<std::string>().c_str(), -1, SQLITE_TRANSIENT);
  else if (v.is<Keyword>()) sqlite3_bind_text(s, i, (":" + v.as<Keyword>().qualified()).c_str(), -1, SQLITE_TRANSIENT);
  else if (v.is<bool>()) sqlite3_bind_int64(s, i, v.as<bool>() ? 1 : 0);
  else {
    std::fprintf(stderr, "sqlite: unsupported value %s\n", to_edn(v).c_str());
    std::exit(1);
  }
}

// A prepared statement, reused for every run: run() resets it, binds the arguments and steps
// through every row, reading every column (what a caller consuming the result must do).
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql, const std::map<std::string, std::int64_t>& attrs) : db_(db), sql_(sql) {
    if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK)
      sqlite_fail(db, sql);
    // @name, @last_name ... are attribute ids ('_' stands for '-'), bound once.
    for (int i = 1; i <= sqlite3_bind_parameter_count(stmt_); ++i) {
      const char* p = sqlite3_bind_parameter_name(stmt_, i);
      if (!p || p[0] != '@') continue;
      std::string ident = p + 1;
      for (char& c : ident)
        if (c == '_') c = '-';
      auto it = attrs.find(ident);
      // An attribute the data never used matches nothing: an id no datom has.
      sqlite3_bind_int64(stmt_, i, it == attrs.end() ? -1 : it->second);
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Runs the statement with :in1, :in2 ... bound to `args`; returns the number of rows.
  std::size_t run(const std::vector<Value>& args) {
    start(args);
    std::size_t rows = 0;
    const int columns = sqlite3_column_count(stmt_);
    std::int64_t sink = 0;
    int rc;
    while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW) {
      for (int c = 0; c < columns; ++c) {
        switch (sqlite3_column_type(stmt_, c)) {
          case SQLITE_INTEGER: sink += sqlite3_column_int64(stmt_, c); break;
          case SQLITE_FLOAT: sink += static_cast<std::int64_t>(sqlite3_column_double(stmt_, c)); break;
          default: sink += sqlite3_column_bytes(stmt_, c) + (sqlite3_column_text(stmt_, c) != nullptr); break;
        }
      }
      ++rows;
    }
    if (rc != SQLITE_DONE) sqlite_fail(db_, sql_);
    sink_ = sink;
    return rows;
  }

  // Runs the statement and returns its rows as Quarry values (a vector of vectors, rows in SQLite's
  // order): INTEGER -> long, REAL -> double, TEXT ":x" -> keyword, other TEXT -> string.
  Value rows(const std::vector<Value>& args) {
    start(args);
    Vector out;
    const int columns = sqlite3_column_count(stmt_);
    int rc;
    while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW) {
      Vector row;
      for (int c = 0; c < columns; ++c) {
        switch (sqlite3_column_type(stmt_, c)) {
          case SQLITE_INTEGER: row.items.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(stmt_, c))); break;
          case SQLITE_FLOAT: row.items.emplace_back(sqlite3_column_double(stmt_, c)); break;
          case SQLITE_NULL: row.items.emplace_back(); break;
          default: {
            std::string text(reinterpret_cast<const char*>(sqlite3_column_text(stmt_, c)), sqlite3_column_bytes(stmt_, c));
            row.items.push_back(text.starts_with(':') ? Value::keyword(text.substr(1)) : Value(std::move(text)));
          }
        }
      }
      out.items.emplace_back(std::move(row));
    }
    if (rc != SQLITE_DONE) sqlite_fail(db_, sql_);
    return Value(std::move(out));
  }

 private:
  void start(const std::vector<Value>& args) {
    sqlite3_reset(stmt_);
    for (std::size_t i = 0; i < args.size(); ++i) {
      const int index = sqlite3_bind_parameter_index(stmt_, (":in" + std::to_string(i + 1)).c_str());
      if (index > 0) bind_value(stmt_, index, args[i]);
    }
  }

  sqlite3* db_ = nullptr;
  std::string sql_;
  sqlite3_stmt* stmt_ = nullptr;
  std::int64_t sink_ = 0;  // keeps the column reads from being optimized away
};

class SqliteEav {
 public:
  // Opens (creating) the database at `path` (":memory:" for an in-memory one) with the schema above.
  // `card_many` names the card-many attributes ("alias", "follows").
  SqliteEav(const std::string& path, std::set<std::string> card_many) : card_many_(std::move(card_many)) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) sqlite_fail(db_, "open " + path);
    // A cache large enough to hold every page (2M datoms take ~200 MB), so that timed queries
    // read memory, not the file; no journal or fsync: the data is reloaded every run.
    exec("PRAGMA cache_size = -1048576; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
         "PRAGMA temp_store = MEMORY;"
         "CREATE TABLE attrs(id INTEGER PRIMARY KEY, ident TEXT NOT NULL UNIQUE);"
         "CREATE TABLE datoms(e INTEGER NOT NULL, a INTEGER NOT NULL, v NOT NULL, tx INTEGER NOT NULL,"
         "                    PRIMARY KEY (e, a, v)) WITHOUT ROWID;"
         "CREATE INDEX aevt ON datoms(a, e, v);"
         "CREATE INDEX avet ON datoms(a, v, e);"
         "CREATE INDEX vaet ON datoms(v, a, e);");
  }
  // Opens the database a SqliteEav left at `path` (bench_scale_bench --keep), for its queries: the
  // same cache and pragmas, the attribute ids read back from its attrs table. Nothing is created.
  struct Existing {};
  SqliteEav(const std::string& path, std::set<std::string> card_many, Existing) : card_many_(std::move(card_many)) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) sqlite_fail(db_, "open " + path);
    exec("PRAGMA cache_size = -1048576; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
         "PRAGMA temp_store = MEMORY;");
    sqlite3_stmt* s = prepare("SELECT id, ident FROM attrs");
    while (sqlite3_step(s) == SQLITE_ROW) {
      std::string ident(reinterpret_cast<const char*>(sqlite3_column_text(s, 1)), sqlite3_column_bytes(s, 1));
      attrs_.emplace(ident.starts_with(':') ? ident.substr(1) : ident, sqlite3_column_int64(s, 0));
    }
    sqlite3_finalize(s);
  }
  ~SqliteEav() { sqlite3_close(db_); }
  SqliteEav(const SqliteEav&) = delete;
  SqliteEav& operator=(const SqliteEav&) = delete;

  // Transacts `tx_data` (a vector of entity maps with :db/id) in one SQLite transaction, with the
  // indexes in place. Returns the number of datoms inserted.
  std::size_t load(const std::vector<Value>& tx_data) {
    ++tx_;
    exec("BEGIN");
    sqlite3_stmt* insert = prepare("INSERT OR IGNORE INTO datoms(e, a, v, tx) VALUES (?1, ?2, ?3, ?4)");
    sqlite3_stmt* retract = prepare("DELETE FROM datoms WHERE e = ?1 AND a = ?2");
    std::size_t added = 0;
    const Value k_id = Value::keyword("db/id");
    for (const Value& m : tx_data) {
      const Value* id = lookup(m, "db/id");
      if (!id || !id->is<std::int64_t>()) {
        std::fprintf(stderr, "sqlite load: a map without a long :db/id: %s\n", to_edn(m).substr(0, 200).c_str());
        std::exit(1);
      }
      const std::int64_t e = id->as<std::int64_t>();
      for (const auto& [k, v] : m.as<Map>().entries) {
        if (k == k_id) continue;
        const std::string ident = k.as<Keyword>().qualified();
        const std::int64_t a = attr_id(ident);
        const bool many = card_many_.contains(ident);
        if (!many) {
          // Card-one: a second assertion replaces the first (only the trees re-assert, same value).
          const std::uint64_t key = (static_cast<std::uint64_t>(e) << 16) ^ static_cast<std::uint64_t>(a);
          if (!card_one_seen_.insert(key).second) {
            sqlite3_bind_int64(retract, 1, e);
            sqlite3_bind_int64(retract, 2, a);
            step_done(retract, "retract");
          }
        }
        auto add = [&](const Value& x) {
          sqlite3_bind_int64(insert, 1, e);
          sqlite3_bind_int64(insert, 2, a);
          bind_value(insert, 3, x);
          sqlite3_bind_int64(insert, 4, tx_);
          step_done(insert, "insert");
          added += static_cast<std::size_t>(sqlite3_changes(db_));
        };
        if (many && v.is<Vector>()) {
          for (const Value& x : v.as<Vector>().items) add(x);
        } else {
          add(v);
        }
      }
    }
    sqlite3_finalize(insert);
    sqlite3_finalize(retract);
    exec("COMMIT");
    return added;
  }

  // Gathers the statistics the query planner uses (sqlite_stat1).
  void analyze() { exec("ANALYZE"); }

  [[nodiscard]] sqlite3* handle() const { return db_; }
  [[nodiscard]] const std::map<std::string, std::int64_t>& attrs() const { return attrs_; }

 private:
  void exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      std::fprintf(stderr, "sqlite: %s: %s\n", sql, message ? message : "?");
      std::exit(1);
    }
  }
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) != SQLITE_OK) sqlite_fail(db_, sql);
    return s;
  }
  void step_done(sqlite3_stmt* s, const char* what) {
    if (sqlite3_step(s) != SQLITE_DONE) sqlite_fail(db_, what);
    sqlite3_reset(s);
  }
  std::int64_t attr_id(const std::string& ident) {
    auto it = attrs_.find(ident);
    if (it != attrs_.end()) return it->second;
    const std::int64_t id = static_cast<std::int64_t>(attrs_.size()) + 1;
    sqlite3_stmt* s = prepare("INSERT INTO attrs(id, ident) VALUES (?1, ?2)");
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, (":" + ident).c_str(), -1, SQLITE_TRANSIENT);
    step_done(s, "attrs");
    sqlite3_finalize(s);
    attrs_.emplace(ident, id);
    return id;
  }

  sqlite3* db_ = nullptr;
  std::set<std::string> card_many_;
  std::map<std::string, std::int64_t> attrs_;
  std::unordered_set<std::uint64_t> card_one_seen_;
  std::int64_t tx_ = 0;
};

}  // namespace quarry::bench
