/* The C API (capi/include/quarry.h) from a C program (built as C11): open/close, transact, q, pull, entity, EDN
 * in and out, errors as values, ownership of returned strings. Compiled as C11. */
#include <quarry.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures = 0;

#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                     \
    }                                                                 \
  } while (0)

/* Checks that `text` equals `expected`, then frees it. */
static void check_text(char* text, const char* expected, int line) {
  if (!text || strcmp(text, expected) != 0) {
    fprintf(stderr, "%s:%d: got %s, expected %s\n", __FILE__, line, text ? text : "(null)", expected);
    ++failures;
  }
  quarry_free(text);
}
#define CHECK_TEXT(text, expected) check_text((text), (expected), __LINE__)

/* Runs a query on snap and returns its result text (NULL on failure, reported). */
static char* query(const quarry_snapshot* snap, const char* q, const char* inputs) {
  char* result = NULL;
  quarry_error* err = NULL;
  if (quarry_q(snap, q, inputs, &result, &err) != QUARRY_OK) {
    fprintf(stderr, "query failed: %s %s\n", quarry_error_name(err), quarry_error_message(err));
    quarry_error_free(err);
    return NULL;
  }
  return result;
}

static void test_memory_database(void) {
  quarry_db* db = NULL;
  quarry_error* err = NULL;
  CHECK(quarry_open(NULL, QUARRY_OPEN_MEMORY, &db, &err) == QUARRY_OK);
  CHECK(db != NULL);
  CHECK(err == NULL);

  char* report = NULL;
  CHECK(quarry_declare_schema(db, "{:person/name {:db/unique :db.unique/identity}"
                                  " :person/age {:db/valueType :db.type/long}"
                                  " :person/friend {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}}",
                              &report, &err) == QUARRY_OK);
  CHECK(report != NULL && strstr(report, ":tx 536870913") != NULL);
  quarry_free(report);

  report = NULL;
  CHECK(quarry_transact(db,
                        "[{:db/id \"ann\" :person/name \"Ann\" :person/age 41}"
                        " {:person/name \"Bob\" :person/age 27 :person/friend \"ann\"}]",
                        &report, &err) == QUARRY_OK);
  CHECK_TEXT(report, "{:datoms 6, :tempids {\"ann\" 1, :db/current-tx 536870914}, :tx 536870914}");
  /* A NULL report is allowed: the caller does not want it. */
  CHECK(quarry_transact(db, "[[:db/add [:person/name \"Ann\"] :person/age 42]]", NULL, &err) == QUARRY_OK);

  quarry_snapshot* now = quarry_snapshot_latest(db);
  CHECK(now != NULL);
  CHECK(quarry_snapshot_basis(now) == 536870915);

  CHECK_TEXT(query(now, "[:find ?n ?a :where [?e :person/name ?n] [?e :person/age ?a]]", NULL),
             "#{[\"Ann\" 42] [\"Bob\" 27]}");
  CHECK_TEXT(query(now, "[:find [?n ...] :in $ ?min :where [?e :person/age ?a] [(>= ?a ?min)] [?e :person/name ?n]]",
                   "[$ 30]"),
             "[\"Ann\"]");
  /* Database views inside the inputs, as in the quarry command. */
  CHECK_TEXT(query(now, "[:find ?a . :in $ :where [?e :person/name \"Ann\"] [?e :person/age ?a]]",
                   "[(as-of $ 536870914)]"),
             "41");
  CHECK_TEXT(query(now, "[:find (count ?a) . :in $ :where [_ :person/age ?a _ false]]", "[(history $)]"), "1");
  /* A leading quote is ignored, so queries paste from Clojure. */
  CHECK_TEXT(query(now, "'[:find ?e . :where [?e :person/name \"Bob\"]]", NULL), "2");

  char* pulled = NULL;
  CHECK(quarry_pull(now, "[:person/name {:person/friend [:person/name]}]", "[:person/name \"Bob\"]", &pulled, &err) ==
        QUARRY_OK);
  CHECK_TEXT(pulled, "{:person/friend [{:person/name \"Ann\"}], :person/name \"Bob\"}");

  char* entity = NULL;
  CHECK(quarry_entity(now, "1", &entity, &err) == QUARRY_OK);
  CHECK_TEXT(entity, "{:db/id 1, :person/age 42, :person/name \"Ann\"}");
  entity = NULL;
  CHECK(quarry_entity(now, "[:person/name \"Nobody\"]", &entity, &err) == QUARRY_OK);
  CHECK_TEXT(entity, "nil");

  /* Views as handles. */
  quarry_snapshot* then = quarry_snapshot_as_of(now, 536870914);
  entity = NULL;
  CHECK(quarry_entity(then, "1", &entity, &err) == QUARRY_OK);
  CHECK_TEXT(entity, "{:db/id 1, :person/age 41, :person/name \"Ann\"}");
  quarry_snapshot* since = quarry_snapshot_since(now, 536870914);
  CHECK_TEXT(query(since, "[:find [?a ...] :where [_ :person/age ?a]]", NULL), "[42]");
  quarry_snapshot_free(since);
  quarry_snapshot_free(then);

  /* A value is not disturbed by later transactions. */
  CHECK(quarry_transact(db, "[{:person/name \"Cy\"}]", NULL, &err) == QUARRY_OK);
  CHECK_TEXT(query(now, "[:find (count ?e) . :where [?e :person/name]]", NULL), "2");

  /* Errors are values: code, keyword name, message; nothing is changed. */
  char* untouched = (char*)"untouched";
  report = untouched;
  CHECK(quarry_transact(db, "[[:db/add 1 :person/age \"forty\"]]", &report, &err) == QUARRY_TX_TYPE);
  CHECK(report == untouched); /* out parameters are written only on success */
  CHECK(err != NULL);
  CHECK(quarry_error_code(err) == QUARRY_TX_TYPE);
  CHECK(strcmp(quarry_error_name(err), "tx/type") == 0);
  CHECK(strstr(quarry_error_message(err), ":person/age") != NULL);
  quarry_error_free(err);
  err = NULL;

  char* result = NULL;
  CHECK(quarry_q(now, "[:find ?e :where [?e :a", NULL, &result, &err) == QUARRY_EDN_SYNTAX);
  CHECK(result == NULL);
  CHECK(strstr(quarry_error_message(err), "line 1") != NULL);
  quarry_error_free(err);
  err = NULL;
  CHECK(quarry_q(now, "[:find ?e :in $ ?x :where [?e :person/age ?x]]", "[$]", &result, &err) == QUARRY_QUERY_INPUT);
  quarry_error_free(err);
  err = NULL;
  CHECK(quarry_q(now, "[:find ?e :where [?e :person/age]]", "{:not :a-vector}", &result, &err) ==
        QUARRY_INVALID_ARGUMENT);
  quarry_error_free(err);
  err = NULL;
  CHECK(quarry_pull(now, "[:person/name {:a}]", "1", &result, &err) != QUARRY_OK);
  quarry_error_free(err);
  err = NULL;
  /* err may be NULL: the code alone is returned. */
  CHECK(quarry_transact(db, "[[:db/add 1 :person/age \"forty\"]]", NULL, NULL) == QUARRY_TX_TYPE);
  /* NULL where a value is required is an error, not a crash. */
  CHECK(quarry_transact(NULL, "[]", NULL, &err) == QUARRY_INVALID_ARGUMENT);
  quarry_error_free(err);
  err = NULL;
  CHECK(quarry_q(now, NULL, NULL, &result, NULL) == QUARRY_INVALID_ARGUMENT);

  quarry_snapshot_free(now);
  quarry_close(db);
  quarry_close(NULL);
  quarry_snapshot_free(NULL);
  quarry_error_free(NULL);
  quarry_free(NULL);
}

static void test_rocksdb_database(const char* dir) {
  quarry_db* db = NULL;
  quarry_error* err = NULL;
  CHECK(quarry_open(dir, QUARRY_OPEN_NO_SYNC, &db, &err) == QUARRY_OK);
  CHECK(quarry_transact(db, "[{:name \"persisted\"}]", NULL, &err) == QUARRY_OK);

  /* A second open of the same directory is refused while the first holds it. */
  quarry_db* second = NULL;
  CHECK(quarry_open(dir, 0, &second, &err) == QUARRY_STORAGE_LOCKED);
  CHECK(second == NULL);
  CHECK(strcmp(quarry_error_name(err), "storage/locked") == 0);
  quarry_error_free(err);
  err = NULL;
  quarry_close(db);

  /* Reopened: the data is there. Read-only refuses transactions. */
  CHECK(quarry_open(dir, QUARRY_OPEN_READ_ONLY, &db, &err) == QUARRY_OK);
  quarry_snapshot* snap = quarry_snapshot_latest(db);
  CHECK_TEXT(query(snap, "[:find ?n . :where [_ :name ?n]]", NULL), "\"persisted\"");
  quarry_snapshot_free(snap);
  CHECK(quarry_transact(db, "[{:name \"more\"}]", NULL, &err) == QUARRY_STORAGE_READ_ONLY);
  quarry_error_free(err);
  err = NULL;
  quarry_close(db);

  /* A missing database with NO_CREATE, and a directory that is not a Quarry database. */
  char missing[512];
  snprintf(missing, sizeof missing, "%s-missing", dir);
  CHECK(quarry_open(missing, QUARRY_OPEN_NO_CREATE, &db, &err) != QUARRY_OK);
  quarry_error_free(err);
  err = NULL;
  CHECK(quarry_open(NULL, 0, &db, &err) == QUARRY_INVALID_ARGUMENT);
  quarry_error_free(err);
  err = NULL;
}

static void test_foreign_directory(const char* dir) {
  char file[512];
  snprintf(file, sizeof file, "%s/notes.txt", dir);
  FILE* f = fopen(file, "w");
  CHECK(f != NULL);
  if (!f) return;
  fputs("not a database\n", f);
  fclose(f);
  quarry_db* db = NULL;
  quarry_error* err = NULL;
  CHECK(quarry_open(dir, 0, &db, &err) == QUARRY_STORAGE_FOREIGN);
  CHECK(strcmp(quarry_error_name(err), "storage/foreign") == 0);
  quarry_error_free(err);
  remove(file);
}

static void test_code_names(void) {
  CHECK(strcmp(quarry_code_name(QUARRY_OK), "ok") == 0);
  CHECK(strcmp(quarry_code_name(QUARRY_TX_UNIQUE), "tx/unique") == 0);
  CHECK(strcmp(quarry_code_name(QUARRY_STORAGE_DAMAGED), "storage/damaged") == 0);
  CHECK(strcmp(quarry_code_name(QUARRY_PULL_SYNTAX), "pull/syntax") == 0);
  CHECK(strcmp(quarry_code_name(QUARRY_REPL_UNSUPPORTED), "repl/unsupported") == 0);
  CHECK(strcmp(quarry_code_name((quarry_code)9999), "unknown") == 0);
  CHECK(strcmp(quarry_version(), "0.1.0") == 0);
}

int main(void) {
  char dir[] = "/tmp/quarry-capi-XXXXXX";
  if (!mkdtemp(dir)) return 2;
  char db_dir[128];
  snprintf(db_dir, sizeof db_dir, "%s/db", dir);
  char foreign_dir[128];
  snprintf(foreign_dir, sizeof foreign_dir, "%s/foreign", dir);
  char command[8192];

  test_code_names();
  test_memory_database();
  test_rocksdb_database(db_dir);
  if (mkdir(foreign_dir, 0700) != 0) return 2;
  test_foreign_directory(foreign_dir);

  snprintf(command, sizeof command, "rm -rf '%s'", dir);
  if (system(command) != 0) fprintf(stderr, "could not remove %s\n", dir);
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  puts("capi_test: all checks passed");
  return 0;
}
