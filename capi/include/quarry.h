/* Quarry's C API: an embedded Datalog database, with EDN text in and out.
 *
 *   #include <quarry.h>          link: -lquarry_c (CMake: Quarry::quarry_c; pkg-config: quarry-c)
 *
 *   quarry_db* db = NULL;
 *   quarry_error* err = NULL;
 *   if (quarry_open("people-db", 0, &db, &err) != QUARRY_OK) {
 *     fprintf(stderr, "%s: %s\n", quarry_error_name(err), quarry_error_message(err));
 *     quarry_error_free(err);
 *     return 1;
 *   }
 *   char* report = NULL;
 *   quarry_transact(db, "[{:person/name \"Ann\" :person/age 41}]", &report, &err);  (check it)
 *   quarry_free(report);
 *   quarry_snapshot* now = quarry_snapshot_latest(db);
 *   char* names = NULL;
 *   quarry_q(now, "[:find [?n ...] :where [_ :person/name ?n]]", NULL, &names, &err);  (check it)
 *   puts(names);                                           prints ["Ann"]
 *   quarry_free(names);
 *   quarry_snapshot_free(now);
 *   quarry_close(db);
 *
 * Semantics are those of the C++ API (<quarry/quarry.hpp>): every text argument is EDN, every
 * result is EDN text as the `quarry` command prints it (one line; sets and maps sorted).
 *
 * Errors. A function that can fail returns a quarry_code: QUARRY_OK (0) on success, else the
 * error's code. When it fails and `err` is not NULL, *err receives an error the caller owns and
 * frees with quarry_error_free(); on success *err is left alone. Out parameters are written only
 * on success. Nothing in this API throws, aborts or exits: C++ exceptions never cross it (an
 * allocation failure is QUARRY_OUT_OF_MEMORY).
 *
 * Ownership. Every char* a function hands back through an out parameter is allocated by Quarry,
 * NUL-terminated, owned by the caller, and freed with quarry_free() (never with free()). Handles
 * (quarry_db, quarry_snapshot, quarry_error) are freed by their own function. const char* results
 * (quarry_error_name, quarry_error_message, quarry_code_name, quarry_version) are borrowed: those
 * of an error live until quarry_error_free, the others forever.
 *
 * Threads. A quarry_db may be used from any number of threads at once (transactions are
 * serialized); a snapshot is immutable and may be read from any number of threads. An error is
 * used by one thread at a time.
 *
 * Lifetimes. A snapshot stays readable after quarry_close of its database: a RocksDB directory is
 * released when the database and every snapshot taken from it are freed.
 */
#ifndef QUARRY_H
#define QUARRY_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define QUARRY_EXPORT __attribute__((visibility("default")))
#else
#define QUARRY_EXPORT
#endif

/* Error codes. The numbers are part of the ABI and never change; new codes get new numbers. Each
 * code also has a keyword name (quarry_code_name), the one the `quarry` command prints in
 * #error {:code :tx/unique ...}; doc/architecture.md lists what they mean. */
typedef enum quarry_code {
  QUARRY_OK = 0,
  /* EDN text */
  QUARRY_EDN_SYNTAX = 100,      /* edn/syntax: malformed input; the message names line and column */
  QUARRY_EDN_DEPTH = 101,       /* edn/depth */
  QUARRY_EDN_UNSUPPORTED = 102, /* edn/unsupported */
  /* binary encoding */
  QUARRY_CODEC_INVALID = 200,    /* codec/invalid */
  QUARRY_CODEC_UNSTORABLE = 201, /* codec/unstorable: a value kind that cannot be stored */
  /* storage */
  QUARRY_STORAGE_IO = 300,            /* storage/io */
  QUARRY_STORAGE_CORRUPTION = 301,    /* storage/corruption */
  QUARRY_STORAGE_LOCKED = 302,        /* storage/locked: another process holds the directory */
  QUARRY_STORAGE_VERSION = 303,       /* storage/version */
  QUARRY_STORAGE_UNKNOWN_SPACE = 304, /* storage/unknown-space */
  QUARRY_STORAGE_INVALID = 305,       /* storage/invalid */
  QUARRY_STORAGE_READ_ONLY = 306,     /* storage/read-only */
  QUARRY_STORAGE_FOREIGN = 307,       /* storage/foreign: the directory is not a Quarry database */
  QUARRY_STORAGE_DAMAGED = 308,       /* storage/damaged */
  /* general */
  QUARRY_INVALID_ARGUMENT = 400, /* quarry/invalid-argument (also: a NULL where a value is required) */
  QUARRY_INTERNAL = 401,         /* quarry/internal: a bug in Quarry */
  QUARRY_OUT_OF_MEMORY = 402,    /* quarry/out-of-memory: the operation changed nothing */
  /* transactions */
  QUARRY_TX_SYNTAX = 500,
  QUARRY_TX_TYPE = 501,
  QUARRY_TX_UNIQUE = 502,
  QUARRY_TX_UPSERT = 503,
  QUARRY_TX_CAS = 504,
  QUARRY_TX_UNKNOWN_ATTRIBUTE = 505,
  QUARRY_TX_LOOKUP_REF = 506,
  QUARRY_TX_SCHEMA = 507,
  QUARRY_TX_ENTITY_ID = 508,
  QUARRY_TX_TEMPID = 509,
  QUARRY_TX_CONFLICT = 510,
  QUARRY_TX_INSTANT = 511,
  QUARRY_TX_FUNCTION = 512,
  QUARRY_TX_TUPLE = 513,
  QUARRY_TX_ATTR_PRED = 514,
  QUARRY_TX_ENTITY_ATTRS = 515,
  QUARRY_TX_ENTITY_PRED = 516,
  /* queries and pull */
  QUARRY_QUERY_SYNTAX = 600,
  QUARRY_QUERY_INVALID = 601,
  QUARRY_QUERY_INPUT = 602,
  QUARRY_QUERY_FUNCTION = 603,
  QUARRY_QUERY_CANCELLED = 604,
  QUARRY_QUERY_TIMEOUT = 605,
  QUARRY_QUERY_LIMIT = 606,
  QUARRY_PULL_SYNTAX = 607,
  /* the quarry command's own codes (repl/unknown-form, repl/unsupported) */
  QUARRY_REPL_UNKNOWN_FORM = 700,
  QUARRY_REPL_UNSUPPORTED = 701
} quarry_code;

/* Opaque handles. */
typedef struct quarry_db quarry_db;             /* an open database: the connection and its writer */
typedef struct quarry_snapshot quarry_snapshot; /* an immutable database value (or a view of one) */
typedef struct quarry_error quarry_error;       /* a failure: code, name, message */

/* Flags for quarry_open (0: a RocksDB database, created if missing, writes synced to disk). */
enum {
  QUARRY_OPEN_MEMORY = 1u << 0,        /* in memory; path is ignored and may be NULL */
  QUARRY_OPEN_READ_ONLY = 1u << 1,     /* no transactions (storage/read-only); the database must exist */
  QUARRY_OPEN_STRICT_SCHEMA = 1u << 2, /* undeclared attributes are errors (tx/unknown-attribute) */
  QUARRY_OPEN_NO_SYNC = 1u << 3,       /* do not fsync each transaction (survives a process crash,
                                          not a power failure) */
  QUARRY_OPEN_NO_CREATE = 1u << 4      /* a missing database is an error (storage/io) */
};

/* "0.1.0"; borrowed, static. */
QUARRY_EXPORT const char* quarry_version(void);

/* The keyword name of a code without its colon ("tx/unique"); "ok" for QUARRY_OK, "unknown" for
 * a number that is no code. Borrowed, static. */
QUARRY_EXPORT const char* quarry_code_name(quarry_code code);

/* ---- errors ---- */
QUARRY_EXPORT quarry_code quarry_error_code(const quarry_error* err);
/* The code's keyword name, as quarry_code_name. Borrowed from err. */
QUARRY_EXPORT const char* quarry_error_name(const quarry_error* err);
/* What went wrong, naming the offending datom, attribute, or line and column. Borrowed from err. */
QUARRY_EXPORT const char* quarry_error_message(const quarry_error* err);
/* Frees err; NULL is allowed. */
QUARRY_EXPORT void quarry_error_free(quarry_error* err);

/* Frees a string this API returned; NULL is allowed. */
QUARRY_EXPORT void quarry_free(char* text);

/* ---- databases ---- */

/* Opens (creating unless QUARRY_OPEN_NO_CREATE) the RocksDB database in directory `path`, or an
 * in-memory one with QUARRY_OPEN_MEMORY. A database is created only in a missing or empty
 * directory; anything else that is not a Quarry database is refused and left as it was. On
 * success *out is a database the caller closes with quarry_close. Errors: storage/locked,
 * storage/foreign, storage/damaged, storage/version, storage/io, quarry/invalid-argument. */
QUARRY_EXPORT quarry_code quarry_open(const char* path, unsigned flags, quarry_db** out, quarry_error** err);

/* Closes db (NULL is allowed). Snapshots taken from it stay valid until freed. */
QUARRY_EXPORT void quarry_close(quarry_db* db);

/* Runs one transaction, all or nothing: tx_data is EDN tx-data ("[[:db/add ...] {...}]"). On
 * success *report (if report is not NULL) is {:tx T, :tempids {...}, :datoms N} as EDN, owned by
 * the caller (quarry_free). Errors: edn/syntax, tx/..., storage/read-only, storage/io. */
QUARRY_EXPORT quarry_code quarry_transact(quarry_db* db, const char* tx_data, char** report, quarry_error** err);

/* Declares attributes from a DataScript-style schema map ("{:name {:db/unique :db.unique/identity}}"),
 * the same as transacting attribute entities. *report as for quarry_transact. */
QUARRY_EXPORT quarry_code quarry_declare_schema(quarry_db* db, const char* schema, char** report, quarry_error** err);

/* ---- database values ---- */

/* The latest committed value of db; the caller frees it with quarry_snapshot_free. NULL only when
 * memory runs out. */
QUARRY_EXPORT quarry_snapshot* quarry_snapshot_latest(quarry_db* db);

/* Views of a snapshot, each a new snapshot the caller frees: what was true after transaction t;
 * what was asserted after t; every assertion and retraction. NULL only when memory runs out. */
QUARRY_EXPORT quarry_snapshot* quarry_snapshot_as_of(const quarry_snapshot* snap, int64_t t);
QUARRY_EXPORT quarry_snapshot* quarry_snapshot_since(const quarry_snapshot* snap, int64_t t);
QUARRY_EXPORT quarry_snapshot* quarry_snapshot_history(const quarry_snapshot* snap);

/* The last transaction the snapshot contains. */
QUARRY_EXPORT int64_t quarry_snapshot_basis(const quarry_snapshot* snap);

/* Frees snap; NULL is allowed. */
QUARRY_EXPORT void quarry_snapshot_free(quarry_snapshot* snap);

/* Runs a Datalog query (EDN text; a leading ' is ignored) on snap. `inputs` is NULL (the query's one input is snap) or an
 * EDN vector of the inputs in :in order, in which the symbol $ stands for snap and the lists
 * (as-of $ T), (since $ T) and (history $) for its views (T a tx id), as in the `quarry`
 * command: "[$ 30]", "[(as-of $ 536870914) [[(rule ?a) ...]]]". On success *result is the
 * query's result as EDN, owned by the caller (quarry_free). Errors: edn/syntax, query/...,
 * quarry/invalid-argument (inputs not a vector). */
QUARRY_EXPORT quarry_code quarry_q(const quarry_snapshot* snap, const char* query, const char* inputs,
                                   char** result, quarry_error** err);

/* Pull: the attributes `pattern` (EDN, e.g. "[:name {:friend [:name]}]") names of the entity
 * `eid` (EDN: an id "1", a lookup ref "[:name \"Ann\"]" or an ident ":db/ident"), as an EDN map;
 * "nil" when nothing matches. *result as for quarry_q. Errors: edn/syntax, pull/syntax,
 * tx/lookup-ref. */
QUARRY_EXPORT quarry_code quarry_pull(const quarry_snapshot* snap, const char* pattern, const char* eid,
                                      char** result, quarry_error** err);

/* Every attribute of the entity `eid` (as for quarry_pull) as an EDN map with :db/id; "nil" when
 * a lookup ref or ident finds nothing. *result as for quarry_q. */
QUARRY_EXPORT quarry_code quarry_entity(const quarry_snapshot* snap, const char* eid, char** result,
                                        quarry_error** err);

#ifdef __cplusplus
}
#endif

#endif /* QUARRY_H */
