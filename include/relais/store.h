/*
 * store.h — the storage interface of relais (relais_store_*).
 *
 * One hub database holds every establishment, school year, record of the
 * canonical model, identifier crosswalk entry and journal entry. The interface
 * hides the backend: SQLite today (a file path), PostgreSQL next (a
 * "postgresql://" URL), without changes for callers.
 *
 * Reading is open to every module. The record write primitives at the end of
 * this header exist for the change layer (change.h), which is the only module
 * allowed to call them: every write of the model goes through a plan.
 *
 * Strings returned through an arena live as long as that arena.
 */
#ifndef RELAIS_STORE_H
#define RELAIS_STORE_H

#include <relais/model.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct util_arena;
typedef struct relais_store relais_store;

/* relais_store_open flags */
enum {
    RELAIS_STORE_CREATE = 1 << 0,   /**< create the database when missing */
    RELAIS_STORE_NO_MIGRATE = 1 << 1, /**< refuse (RELAIS_ECONFLICT) instead of upgrading an old schema */
};

/**
 * Open (and, with RELAIS_STORE_CREATE, create) the hub at `location`, then
 * apply pending schema migrations, each in its own transaction.
 * @return 0; RELAIS_ENOTFOUND when missing and not created; RELAIS_EDB when
 * the file is not a relais database or is newer than this program.
 */
int relais_store_open(relais_store **out, const char *location, unsigned flags);
/** Close; accepts NULL. An open transaction is rolled back. */
void relais_store_close(relais_store *s);

/** Schema version now in use, and the version found at open (0 = new database). */
int relais_store_schema_version(const relais_store *s);
int relais_store_schema_version_at_open(const relais_store *s);
/** The schema version this program writes. */
int relais_store_schema_latest(void);
/** "sqlite" or "postgresql". */
const char *relais_store_backend(const relais_store *s);
/** The location given at open (path or URL with the password removed). Borrowed. */
const char *relais_store_location(const relais_store *s);

/** Write transaction: begin (waits for other writers), commit, rollback. Not nestable. */
int relais_store_begin(relais_store *s);
int relais_store_commit(relais_store *s);
int relais_store_rollback(relais_store *s);
/** Read snapshot: a read transaction that sees one consistent state (WAL). */
int relais_store_begin_read(relais_store *s);
int relais_store_end_read(relais_store *s);
bool relais_store_in_transaction(const relais_store *s);

/* ------------------------------------------------------------ settings */

/** Hub setting `key`; RELAIS_ENOTFOUND when unset. *out is allocated in arena. */
int relais_store_setting_get(const char **out, relais_store *s, struct util_arena *arena,
                             const char *key);
int relais_store_setting_set(relais_store *s, const char *key, const char *value);

/** The hub's current school year (millésime: 2025 means 2025–2026); ENOTFOUND before init. */
int relais_store_current_year(int *year, relais_store *s);

/* ------------------------------------------- establishments and years */

typedef struct relais_establishment {
    int64_t id;
    const char *uai;
    const char *name;   /* may be NULL */
    const char *type;   /* CODE_TYPE_ETAB / sigle (CLG, LYC…), may be NULL */
    const char *sector; /* PU / PR, may be NULL */
    int64_t organisation_id; /* 0 when none */
} relais_establishment;

/** Find by UAI (case-insensitive on the check letter). RELAIS_ENOTFOUND when absent. */
int relais_store_establishment_find(relais_establishment **out, relais_store *s,
                                    struct util_arena *arena, const char *uai);
typedef int (*relais_establishment_cb)(const relais_establishment *e, void *payload);
/** Every establishment, ordered by UAI. A non-zero return of cb stops and is returned. */
int relais_store_establishment_foreach(relais_store *s, relais_establishment_cb cb, void *payload);
/** Number of establishments. */
int relais_store_establishment_count(size_t *n, relais_store *s);

/** School calendar of one establishment and year (ISO dates, NULL when unknown). */
typedef struct relais_calendar {
    const char *student_start, *student_end;
    const char *staff_start, *staff_end;
} relais_calendar;

typedef struct relais_scope {
    int64_t id;
    int64_t establishment_id;
    const char *uai;
    int year;
    relais_calendar calendar;
} relais_scope;

/** The scope (establishment × year). RELAIS_ENOTFOUND when either is missing. */
int relais_store_scope_find(relais_scope **out, relais_store *s, struct util_arena *arena,
                            const char *uai, int year);
int relais_store_scope_get(relais_scope **out, relais_store *s, struct util_arena *arena,
                           int64_t scope_id);

/* -------------------------------------------------------------- records */

enum {
    RELAIS_ACTIVE = 1 << 0,   /**< active records */
    RELAIS_INACTIVE = 1 << 1, /**< deactivated records */
    RELAIS_ANY = RELAIS_ACTIVE | RELAIS_INACTIVE,
};

/**
 * Find the record whose natural key equals that of `probe` (kind, scope_id and
 * key fields set; refs must be stored ids), active or not.
 * @return 0 and *out (in arena), or RELAIS_ENOTFOUND.
 */
int relais_store_record_find(relais_record **out, relais_store *s, struct util_arena *arena,
                             const relais_record *probe);
/** The record with internal id `id` of `kind`; RELAIS_ENOTFOUND when absent. */
int relais_store_record_get(relais_record **out, relais_store *s, struct util_arena *arena,
                            relais_kind kind, int64_t id);
/** Kind of the record with internal id `id`; RELAIS_ENOTFOUND when absent. */
int relais_store_entity_kind(relais_kind *kind, relais_store *s, int64_t id);

typedef int (*relais_record_cb)(const relais_record *r, void *payload);
/**
 * Call cb for every record of `kind` in `scope_id` (0: every scope) selected by
 * `which` (RELAIS_ACTIVE, RELAIS_INACTIVE or RELAIS_ANY), in id order. The
 * record is valid during the call only. A non-zero return of cb stops the
 * iteration and is returned.
 */
int relais_store_record_foreach(relais_store *s, relais_kind kind, int64_t scope_id,
                                unsigned which, relais_record_cb cb, void *payload);
/** Count active and inactive records of `kind` in `scope_id` (0: all). */
int relais_store_record_count(size_t *active, size_t *inactive, relais_store *s, relais_kind kind,
                              int64_t scope_id);

/* --------------------------------------------------------------- journal */

typedef struct relais_run {
    int64_t id;
    const char *command;  /* "import siecle" */
    const char *status;   /* applied, quarantined, reverted */
    const char *started_at, *finished_at; /* ISO UTC */
    const char *sources;  /* files read, JSON array */
    const char *summary;  /* counters, JSON */
} relais_run;

/** The most recent run that changed `scope_id` (0: any). RELAIS_ENOTFOUND when none. */
int relais_store_run_last(relais_run **out, relais_store *s, struct util_arena *arena,
                          int64_t scope_id);
int relais_store_run_get(relais_run **out, relais_store *s, struct util_arena *arena,
                         int64_t run_id);

typedef struct relais_change {
    int64_t seq; /* monotonic */
    int64_t run_id;
    int64_t scope_id;
    const char *kind; /* kind name, or "establishment" / "scope" */
    int64_t entity_id;
    const char *op;   /* create, update, deactivate, restore */
    const char *data; /* JSON: values (create), {field: [old, new]} (update), {"date": …} */
} relais_change;

typedef int (*relais_change_cb)(const relais_change *c, void *payload);
/** Changes with seq > after_seq, in seq order, at most `limit` (0: no limit); scope 0 = all. */
int relais_store_change_foreach(relais_store *s, int64_t after_seq, int64_t scope_id,
                                size_t limit, relais_change_cb cb, void *payload);
/** Changes made by run `run_id`, in seq order. */
int relais_store_change_foreach_run(relais_store *s, int64_t run_id, relais_change_cb cb,
                                    void *payload);
/** Highest change seq (0 when the journal is empty). */
int relais_store_change_last_seq(int64_t *seq, relais_store *s);

/* ------------------------------------------- writes (change layer only) */

int relais_store_establishment_insert(int64_t *id, relais_store *s, const char *uai,
                                      const char *name, const char *type, const char *sector);
int relais_store_establishment_update(relais_store *s, int64_t id, const char *name,
                                      const char *type, const char *sector);
int relais_store_scope_insert(int64_t *id, relais_store *s, int64_t establishment_id, int year);
int relais_store_scope_set_calendar(relais_store *s, int64_t scope_id, const relais_calendar *c);

int relais_store_run_insert(int64_t *id, relais_store *s, const char *command, const char *status,
                            const char *started_at, const char *sources);
int relais_store_run_finish(relais_store *s, int64_t run_id, const char *status,
                            const char *summary);
int relais_store_run_scope_add(relais_store *s, int64_t run_id, int64_t scope_id,
                               const char *summary);
int relais_store_change_append(int64_t *seq, relais_store *s, const relais_change *c);

/** Insert a new record (entity row + kind row); sets *id. Refs must be stored ids. */
int relais_store_record_insert(int64_t *id, relais_store *s, const relais_record *r,
                               int64_t run_id);
/** Set one field of a stored record (text value, or ref for REF fields). */
int relais_store_record_set_field(relais_store *s, relais_kind kind, int64_t id, size_t field,
                                  const char *text, int64_t ref, int64_t run_id);
/** Deactivate (on ISO `date`) or restore a stored record. */
int relais_store_record_set_active(relais_store *s, int64_t id, bool active, const char *date,
                                   int64_t run_id);
/** Record that run `run_id` saw the record again (crosswalk last seen). */
int relais_store_record_touch(relais_store *s, int64_t id, int64_t run_id);

#ifdef __cplusplus
}
#endif
#endif
