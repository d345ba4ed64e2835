/*
 * store_sqlite.c — the SQLite driver of the store (see driver.h).
 *
 * The hub file runs in WAL mode (imports write while the server reads), with
 * foreign keys on, synchronous=FULL (a run reported as applied survives a
 * power cut) and a busy timeout so concurrent writers queue instead of failing.
 */
#include "driver.h"

#include <relais/error.h>

#include <pthread.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

#include "util/util.h"

struct store_db {
    sqlite3 *db;
    char *path;
};

struct store_stmt {
    sqlite3_stmt *st;
    store_db *db;
};

static int db_error(store_db *db, const char *what)
{
    relais_error_set(_("base %s : %s : %s"), db->path, what, sqlite3_errmsg(db->db));
    return RELAIS_EDB;
}

static int sq_exec(store_db *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        relais_error_set(_("base %s : %s"), db->path, err ? err : sqlite3_errmsg(db->db));
        sqlite3_free(err);
        return RELAIS_EDB;
    }
    return 0;
}

/*
 * Before SQLite's first use: no memory statistics, which take a process-wide lock
 * on every allocation — contended when a planner and a writer thread each use
 * their connection (relais_plan_writer).
 */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

static void sqlite_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int sq_open(store_db **out, const char *location, bool create, bool *created)
{
    *out = NULL;
    *created = false;
    struct stat st;
    bool exists = stat(location, &st) == 0;
    if (!exists && !create) {
        relais_error_set(_("base %s introuvable : créez-la avec « relais init --year AAAA »"),
                         location);
        return RELAIS_ENOTFOUND;
    }
    if (exists && !S_ISREG(st.st_mode)) {
        relais_error_set(_("%s n'est pas un fichier"), location);
        return RELAIS_EINVALID;
    }
    store_db *db = util_calloc(1, sizeof *db);
    if (db == NULL) {
        return RELAIS_ENOMEM;
    }
    db->path = util_strdup(location);
    if (db->path == NULL) {
        util_free(db);
        return RELAIS_ENOMEM;
    }
    pthread_once(&sqlite_once, sqlite_configure);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = 0;
    if (sqlite3_open_v2(location, &db->db, flags, NULL) != SQLITE_OK) {
        rc = db_error(db, _("ouverture impossible"));
        goto done;
    }
    sqlite3_busy_timeout(db->db, 30000);
    sqlite3_extended_result_codes(db->db, 1);
    /*
     * A new hub gets 16 KiB pages (before anything is written: the size is then
     * fixed): a large import writes its pages twice (WAL, then the checkpoint),
     * and with 4 KiB pages the kernel calls cost a fifth of the import.
     */
    if (!exists) {
        rc = sq_exec(db, "PRAGMA page_size = 16384");
        if (rc < 0) {
            goto done;
        }
    }
    /* Reading the schema makes SQLite check the file header: refuse non-databases early. */
    rc = sq_exec(db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;"
                     " PRAGMA cache_size=-32000; PRAGMA temp_store=MEMORY;");
    if (rc < 0) {
        relais_error_set(_("%s n'est pas une base relais lisible (%s)"), location,
                         sqlite3_errmsg(db->db));
        goto done;
    }
    *created = !exists;
done:
    if (rc < 0) {
        sqlite3_close(db->db);
        util_free(db->path);
        util_free(db);
        return rc;
    }
    *out = db;
    return 0;
}

static void sq_close(store_db *db)
{
    if (db == NULL) {
        return;
    }
    if (!sqlite3_get_autocommit(db->db)) {
        sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_close(db->db);
    util_free(db->path);
    util_free(db);
}

static int sq_begin_write(store_db *db)
{
    return sq_exec(db, "BEGIN IMMEDIATE");
}

static int sq_begin_read(store_db *db)
{
    return sq_exec(db, "BEGIN DEFERRED");
}

static int sq_commit(store_db *db)
{
    return sq_exec(db, "COMMIT");
}

static int sq_rollback(store_db *db)
{
    if (sqlite3_get_autocommit(db->db)) {
        return 0;
    }
    return sq_exec(db, "ROLLBACK");
}

static int sq_defer_constraints(store_db *db)
{
    return sq_exec(db, "PRAGMA defer_foreign_keys = ON");
}

static int sq_set_cache(store_db *db, size_t bytes)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size = -%zu", bytes >> 10 ? bytes >> 10 : 1);
    return sq_exec(db, sql);
}

/* AUTOINCREMENT: the next id is above both the largest id ever given and the largest present. */
static int sq_next_entity_id(store_db *db, int64_t *next)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->db,
                           "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = "
                           "'entity'), 0), COALESCE((SELECT MAX(id) FROM entity), 0)) + 1",
                           -1, &st, NULL) != SQLITE_OK) {
        return db_error(db, "next entity id");
    }
    int rc = sqlite3_step(st);
    *next = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : db_error(db, "next entity id");
}

static int sq_schema_version(store_db *db, int *version)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) {
        return db_error(db, "user_version");
    }
    int rc = sqlite3_step(st);
    *version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : db_error(db, "user_version");
}

static int sq_set_schema_version(store_db *db, int version)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version);
    return sq_exec(db, sql);
}

static int sq_has_column(store_db *db, const char *table, const char *column, bool *has)
{
    sqlite3_stmt *st;
    *has = false;
    if (sqlite3_prepare_v2(db->db, "SELECT 1 FROM pragma_table_info(?) WHERE name = ?", -1, &st,
                           NULL) != SQLITE_OK) {
        return db_error(db, "table_info");
    }
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
    *has = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return 0;
}

static int sq_is_empty(store_db *db, bool *empty)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) !=
        SQLITE_OK) {
        return db_error(db, "sqlite_master");
    }
    int rc = sqlite3_step(st);
    *empty = rc == SQLITE_ROW && sqlite3_column_int64(st, 0) == 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : db_error(db, "sqlite_master");
}

static int sq_prepare(store_stmt **out, store_db *db, const char *sql)
{
    *out = NULL;
    store_stmt *s = util_calloc(1, sizeof *s);
    if (s == NULL) {
        return RELAIS_ENOMEM;
    }
    if (sqlite3_prepare_v3(db->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL) !=
        SQLITE_OK) {
        int rc = db_error(db, sql);
        util_free(s);
        return rc;
    }
    s->db = db;
    *out = s;
    return 0;
}

static int sq_prepare_insert(store_stmt **out, store_db *db, const char *sql,
                             const char *key_column)
{
    (void)key_column; /* the rowid is the key of every such table */
    return sq_prepare(out, db, sql);
}

static int sq_step(store_stmt *s);

static int sq_step_insert(store_stmt *s, int64_t *key)
{
    int rc = sq_step(s);
    if (rc < 0) {
        return rc;
    }
    *key = sqlite3_last_insert_rowid(s->db->db);
    return 0;
}

static void sq_finalize(store_stmt *s)
{
    if (s) {
        sqlite3_finalize(s->st);
        util_free(s);
    }
}

static int bind_result(store_stmt *s, int rc)
{
    return rc == SQLITE_OK ? 0 : db_error(s->db, "bind");
}

static int sq_bind_text(store_stmt *s, int idx, const char *text, size_t len)
{
    if (text == NULL) {
        return bind_result(s, sqlite3_bind_null(s->st, idx));
    }
    /* The store steps and resets every statement before the bound text goes away. */
    return bind_result(s, sqlite3_bind_text(s->st, idx, text, (int)len, SQLITE_STATIC));
}

static int sq_bind_int64(store_stmt *s, int idx, int64_t value)
{
    return bind_result(s, sqlite3_bind_int64(s->st, idx, value));
}

static int sq_bind_null(store_stmt *s, int idx)
{
    return bind_result(s, sqlite3_bind_null(s->st, idx));
}

static int sq_bind_blob(store_stmt *s, int idx, const void *data, size_t len)
{
    if (len > (size_t)INT32_MAX) {
        relais_error_set("%s", _("valeur binaire trop grande pour la base"));
        return RELAIS_EINVALID;
    }
    return bind_result(s, sqlite3_bind_blob(s->st, idx, data, (int)len, SQLITE_TRANSIENT));
}

static int sq_step(store_stmt *s)
{
    int rc = sqlite3_step(s->st);
    if (rc == SQLITE_ROW) {
        return 1;
    }
    if (rc == SQLITE_DONE) {
        return 0;
    }
    int err = db_error(s->db, sqlite3_sql(s->st));
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        return RELAIS_ECONFLICT;
    }
    return err;
}

static void sq_reset(store_stmt *s)
{
    sqlite3_reset(s->st);
    sqlite3_clear_bindings(s->st);
}

static const char *sq_column_text(store_stmt *s, int col, size_t *len)
{
    const unsigned char *t = sqlite3_column_text(s->st, col);
    if (len) {
        *len = t ? (size_t)sqlite3_column_bytes(s->st, col) : 0;
    }
    return (const char *)t;
}

static int64_t sq_column_int64(store_stmt *s, int col)
{
    return sqlite3_column_int64(s->st, col);
}

static bool sq_column_is_null(store_stmt *s, int col)
{
    return sqlite3_column_type(s->st, col) == SQLITE_NULL;
}

static const void *sq_column_blob(store_stmt *s, int col, size_t *len)
{
    const void *b = sqlite3_column_blob(s->st, col);
    *len = b ? (size_t)sqlite3_column_bytes(s->st, col) : 0;
    return b;
}

const store_driver store_sqlite_driver = {
    .name = "sqlite",
    .schema_prefix = "src/lib/store/schema/sqlite/",
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .begin_write = sq_begin_write,
    .begin_read = sq_begin_read,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .schema_version = sq_schema_version,
    .set_schema_version = sq_set_schema_version,
    .defer_constraints = sq_defer_constraints,
    .set_cache = sq_set_cache,
    .next_entity_id = sq_next_entity_id,
    .is_empty = sq_is_empty,
    .has_column = sq_has_column,
    .prepare = sq_prepare,
    .prepare_insert = sq_prepare_insert,
    .step_insert = sq_step_insert,
    .finalize = sq_finalize,
    .bind_text = sq_bind_text,
    .bind_int64 = sq_bind_int64,
    .bind_null = sq_bind_null,
    .bind_blob = sq_bind_blob,
    .step = sq_step,
    .reset = sq_reset,
    .column_text = sq_column_text,
    .column_int64 = sq_column_int64,
    .column_is_null = sq_column_is_null,
    .column_blob = sq_column_blob,
};
