/*
 * store_internal.h — what the files of the store module share beyond the
 * driver: column lists, row readers and a statement cache, so that
 * store_sync.c (organisations, keys, feed cursors, pulls, thresholds, run
 * plans) keeps its SQL next to the rest without growing store.c.
 *
 * Internal to the store module; its face is include/relais/store.h.
 */
#ifndef RELAIS_STORE_INTERNAL_H
#define RELAIS_STORE_INTERNAL_H

#include <relais/store.h>

#include "driver.h"
#include "util/util.h"

/* Columns read by store_read_establishment, in order. */
#define STORE_ETAB_COLUMNS                                                                       \
    "id, uai, name, type, sector, COALESCE(organisation_id, 0), sync_enabled, billing_enabled, "  \
    "last_sync_at"
/* Columns read by store_read_run (table alias r), in order. */
#define STORE_RUN_COLUMNS                                                                        \
    "r.id, r.command, r.status, r.started_at, r.finished_at, r.sources, r.summary, r.reason, "  \
    "r.approved_at, COALESCE(r.reverts, 0), COALESCE(r.reverted_by, 0)"

/* Upper bound of distinct statements kept by store_cached. */
#define STORE_CACHED_MAX 96

const store_driver *store_drv(const relais_store *s);
store_db *store_handle(relais_store *s);
/**
 * The prepared statement for `sql`, prepared on first use and kept until the
 * store closes. `sql` must be a string literal: it is the cache key (pointer).
 */
int store_cached(store_stmt **out, relais_store *s, const char *sql);
/**
 * The same for an INSERT whose generated `id` store_step_insert returns: the SQL has no
 * RETURNING clause (driver.h, prepare_insert).
 */
int store_cached_insert(store_stmt **out, relais_store *s, const char *sql);
/** Run an insert prepared for its key: 0 and *out, or < 0 (ECONFLICT on a duplicate). */
int store_step_insert(int64_t *out, relais_store *s, store_stmt *st);
/** The cached statement of `key` (any stable pointer), if prepared already. */
bool store_cached_find(store_stmt **out, relais_store *s, const void *key);
/** Prepare `sql` and keep it under `key` until the store closes. */
int store_cached_add(store_stmt **out, relais_store *s, const void *key, const char *sql);

/* Binding and reading helpers shared by store.c and store_sync.c. */
int store_bind_text(relais_store *s, store_stmt *st, int idx, const char *v); /* NULL: SQL NULL */
int store_bind_opt_id(relais_store *s, store_stmt *st, int idx, int64_t v);   /* <= 0: SQL NULL */
const char *store_col_text(relais_store *s, store_stmt *st, int col, util_arena *arena);
/* Step a statement whose rows (if any) are not read, then reset it. */
int store_step_done(relais_store *s, store_stmt *st);

int store_read_establishment(relais_establishment **out, relais_store *s, store_stmt *st,
                             util_arena *arena);
int store_read_run(relais_run **out, relais_store *s, store_stmt *st, util_arena *arena);
/* "SELECT t.id, t.scope_id, e.is_active, e.deactivated_on, t.<field>… FROM <table> t JOIN entity e" */
int store_append_select(util_buf *b, const relais_kind_info *ki);
int store_prepare_built(store_stmt **out, relais_store *s, util_buf *b);
int store_read_record(relais_record **out, relais_store *s, store_stmt *st,
                      const relais_kind_info *ki, util_arena *arena);
void store_normalise_uai(char out[9], const char *uai);

#endif
