/*
 * driver.h — the small database driver interface under the store.
 *
 * store.c holds every query of relais, written once in the SQL that SQLite and
 * PostgreSQL share ('?' placeholders, INSERT … RETURNING, COALESCE). A backend
 * is only a driver: connect, prepare, bind, step, read columns, transactions,
 * schema version. store_sqlite.c is the first; a PostgreSQL driver (libpq,
 * translating '?' to $n) plus its migrations in schema/postgresql/ is all a
 * second backend needs — callers of relais_store_* do not change.
 *
 * Internal to the store module.
 */
#ifndef RELAIS_STORE_DRIVER_H
#define RELAIS_STORE_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct store_db store_db;
typedef struct store_stmt store_stmt;

typedef struct store_driver {
    const char *name;          /* "sqlite" */
    const char *schema_prefix; /* embedded path of its migrations: "src/lib/store/schema/sqlite/" */
    /* Connect; *created tells whether a new database was made. ENOTFOUND when missing. */
    int (*open)(store_db **out, const char *location, bool create, bool *created);
    void (*close)(store_db *db);
    /* Run one or more statements without results (migrations, pragmas). */
    int (*exec)(store_db *db, const char *sql);
    int (*begin_write)(store_db *db);
    int (*begin_read)(store_db *db);
    int (*commit)(store_db *db);
    int (*rollback)(store_db *db);
    int (*schema_version)(store_db *db, int *version);
    int (*set_schema_version)(store_db *db, int version);
    /* Foreign keys checked at commit for the current transaction. */
    int (*defer_constraints)(store_db *db);
    /* Memory this connection may keep for the database's pages. */
    int (*set_cache)(store_db *db, size_t bytes);
    /* Inside a write transaction: the id the next entity row would get. */
    int (*next_entity_id)(store_db *db, int64_t *next);
    /* Does the database hold no table at all? */
    int (*is_empty)(store_db *db, bool *empty);
    /* Does `table` have column `column`? */
    int (*has_column)(store_db *db, const char *table, const char *column, bool *has);

    int (*prepare)(store_stmt **out, store_db *db, const char *sql);
    /*
     * An INSERT whose generated key (`key_column`) step_insert returns; the SQL
     * has no RETURNING clause (SQLite reads the last rowid, PostgreSQL adds
     * RETURNING key_column).
     */
    int (*prepare_insert)(store_stmt **out, store_db *db, const char *sql, const char *key_column);
    /* Run an insert prepared by prepare_insert: 0 and *key, or < 0. */
    int (*step_insert)(store_stmt *st, int64_t *key);
    void (*finalize)(store_stmt *st);
    /* Bind parameter idx (1-based). A NULL text binds SQL NULL. */
    int (*bind_text)(store_stmt *st, int idx, const char *text, size_t len);
    int (*bind_int64)(store_stmt *st, int idx, int64_t value);
    int (*bind_null)(store_stmt *st, int idx);
    /* Bind bytes (may contain NULs) as a binary value. */
    int (*bind_blob)(store_stmt *st, int idx, const void *data, size_t len);
    /* 1: a row is available; 0: done; < 0: error (message set). */
    int (*step)(store_stmt *st);
    /* Make the statement reusable (clears bindings). */
    void (*reset)(store_stmt *st);
    /* Column 0-based; NULL for SQL NULL. Valid until the next step/reset. */
    const char *(*column_text)(store_stmt *st, int col, size_t *len);
    int64_t (*column_int64)(store_stmt *st, int col);
    bool (*column_is_null)(store_stmt *st, int col);
    /* Binary column; NULL for SQL NULL or an empty value. Valid until the next step/reset. */
    const void *(*column_blob)(store_stmt *st, int col, size_t *len);
} store_driver;

extern const store_driver store_sqlite_driver;

#endif
