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
    bool sync_enabled;       /* the partner feed serves it (when in an organisation) */
    bool billing_enabled;    /* billing information is sent to partners */
    const char *last_sync_at; /* last pull served (ISO UTC), NULL when never */
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
/** Does `scope_id` hold any record of `kind`, active or not? (One seek, not a count.) */
int relais_store_record_any(bool *any, relais_store *s, relais_kind kind, int64_t scope_id);

/* --------------------------------------------------------------- journal */

typedef struct relais_run {
    int64_t id;
    const char *command;  /* "import siecle" */
    const char *status;   /* applied, quarantined, reverted */
    const char *started_at, *finished_at; /* ISO UTC */
    const char *sources;  /* files read, JSON array */
    const char *summary;  /* counters, JSON */
    const char *reason;   /* quarantined: why (JSON), else NULL */
    const char *approved_at; /* quarantined then approved: when */
    int64_t reverts;      /* this run reverted run n° (0: none) */
    int64_t reverted_by;  /* this run was reverted by run n° (0: none) */
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

/**
 * Make the constraints that link rows (foreign keys) checked at commit rather
 * than at each statement, for the current write transaction, so that rows
 * may be written in batches in any order.
 */
int relais_store_defer_constraints(relais_store *s);
/** Inside a write transaction: the id the next new record will get. */
int relais_store_entity_next_id(int64_t *next, relais_store *s);
/**
 * Memory this connection may keep for the database's pages (default 32 MB): a
 * second connection of the same process that only looks records up needs less.
 */
int relais_store_set_cache(relais_store *s, size_t bytes);
/**
 * Insert n new records carrying the ids they must get (r->id, unused, from
 * relais_store_entity_next_id on), with multi-row statements: the fast path
 * of applying a plan. Records of one kind should come together. Refs must be
 * stored ids (or ids of records of the same call). A record with is_active
 * false is inserted deactivated on r->deactivated_on.
 */
int relais_store_record_insert_many(relais_store *s, const relais_record *const *recs, size_t n,
                                    int64_t run_id);
/** Append n journal entries (their seq is not returned). */
int relais_store_change_append_many(relais_store *s, const relais_change *c, size_t n);
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

/* ------------------------------------------------------ journal, more */

/**
 * For a connection whose writes may be lost on a power cut without harm (the
 * record of pulls, delivery notes): commits stop waiting for the disk
 * (SQLite synchronous=NORMAL in WAL mode; the database stays consistent).
 */
int relais_store_relax_durability(relais_store *s);

/** Changes made by run `run_id`, in seq order (reverse: newest first). */
int relais_store_run_changes_foreach(relais_store *s, int64_t run_id, bool reverse,
                                     relais_change_cb cb, void *payload);
/** Number of journal changes made by run `run_id`. */
int relais_store_run_change_count(size_t *n, relais_store *s, int64_t run_id);
/**
 * Changes with after_seq < seq <= up_to_seq (up_to_seq 0: no bound) in any of
 * the n_scopes scopes, in seq order, at most `limit` (0: no limit).
 */
int relais_store_change_foreach_scopes(relais_store *s, int64_t after_seq, int64_t up_to_seq,
                                       const int64_t *scope_ids, size_t n_scopes, size_t limit,
                                       relais_change_cb cb, void *payload);
/** Highest change seq of one scope (0 when none). */
int relais_store_change_last_seq_scope(int64_t *seq, relais_store *s, int64_t scope_id);
/** Highest change seq of one entity (record, establishment or scope; 0 when none). */
int relais_store_change_last_seq_entity(int64_t *seq, relais_store *s, int64_t entity_id);

/**
 * Active records of `kind` in `scope_id` with id > after_id, in id order, at
 * most `limit` (0: no limit). Records are valid during the call only.
 */
int relais_store_record_page(relais_store *s, relais_kind kind, int64_t scope_id,
                             int64_t after_id, size_t limit, relais_record_cb cb, void *payload);

/** Runs, newest first; scope_id 0 = all, status NULL = any, limit 0 = no limit. */
int relais_store_run_foreach(relais_store *s, int64_t scope_id, const char *status, size_t limit,
                             int (*cb)(const relais_run *r, void *payload), void *payload);
/** UAIs of the scopes a run concerns, comma-separated ("" when none), in arena. */
int relais_store_run_uais(const char **out, relais_store *s, struct util_arena *arena,
                          int64_t run_id);
/**
 * Change a run's status from `from` to `to` (RELAIS_ECONFLICT when it was not
 * `from`); reverted_by > 0 links the run to its revert; approved sets approved_at.
 */
int relais_store_run_transition(relais_store *s, int64_t run_id, const char *from, const char *to,
                                int64_t reverted_by, bool approved);
/** Record why a run was quarantined (JSON) and which run it reverts (0: none). */
int relais_store_run_set_links(relais_store *s, int64_t run_id, const char *reason,
                               int64_t reverts);
/** Keep / read / drop the serialized plan of a quarantined run. */
int relais_store_run_plan_put(relais_store *s, int64_t run_id, int64_t base_seq, const void *data,
                              size_t len);
/** *data is allocated with util_malloc (caller frees). RELAIS_ENOTFOUND when none. */
int relais_store_run_plan_get(void **data, size_t *len, int64_t *base_seq, relais_store *s,
                              int64_t run_id);
int relais_store_run_plan_delete(relais_store *s, int64_t run_id);

/* ------------------------------------------ organisations and sync keys */

/** A group of establishments sharing a partner feed (an OGEC, a network). */
typedef struct relais_organisation {
    int64_t id;
    const char *name;
    const char *categories;  /* data categories of the feed, comma-separated */
    int max_uais;            /* establishments one URL may name (1..6) */
    int up_to_date_status;   /* 204, or 200 (explicit status in a body) */
    const char *created_at;
    const char *partner;     /* crosswalk application of its identity file; NULL: its name */
} relais_organisation;

typedef int (*relais_organisation_cb)(const relais_organisation *o, void *payload);

int relais_store_org_insert(int64_t *id, relais_store *s, const char *name);
/** By name (exact). RELAIS_ENOTFOUND when absent. */
int relais_store_org_find(relais_organisation **out, relais_store *s, struct util_arena *arena,
                          const char *name);
int relais_store_org_get(relais_organisation **out, relais_store *s, struct util_arena *arena,
                         int64_t id);
/** Every organisation, by name. */
int relais_store_org_foreach(relais_store *s, relais_organisation_cb cb, void *payload);
/** Write categories, max_uais and up_to_date_status of o (found by o->id). */
int relais_store_org_update(relais_store *s, const relais_organisation *o);
/** Establishments of an organisation, by UAI. */
int relais_store_org_establishments(relais_store *s, int64_t org_id, relais_establishment_cb cb,
                                    void *payload);
/** Attach an establishment to an organisation (0: detach). */
int relais_store_establishment_set_org(relais_store *s, int64_t establishment_id, int64_t org_id);
/** Synchronisation / billing switches; a negative value keeps the current one. */
int relais_store_establishment_set_switches(relais_store *s, int64_t establishment_id, int sync,
                                            int billing);
/** Note a pull served for this establishment at `at` (keeps the latest). */
int relais_store_establishment_synced(relais_store *s, const char *uai, const char *at);

typedef struct relais_sync_key {
    int64_t id;
    int64_t organisation_id;
    const char *hash;       /* hex BLAKE2b-256 of the key */
    const char *hint;       /* last four characters of the key */
    const char *created_at;
    const char *revoked_at; /* NULL while valid */
    const char *last_used_at;
    int64_t replaces;       /* the key it replaced by rotation (0: none) */
} relais_sync_key;

typedef int (*relais_sync_key_cb)(const relais_sync_key *k, void *payload);

int relais_store_key_insert(int64_t *id, relais_store *s, int64_t org_id, const char *hash,
                            const char *hint, int64_t replaces);
/** Revoke (idempotent). */
int relais_store_key_revoke(relais_store *s, int64_t key_id);
/** Keys of an organisation (every one, or only valid ones), oldest first. */
int relais_store_key_foreach(relais_store *s, int64_t org_id, bool valid_only,
                             relais_sync_key_cb cb, void *payload);
/** Note that a key was used at `at` (keeps the latest). */
int relais_store_key_used(relais_store *s, int64_t key_id, const char *at);

/* ------------------------------------------------------------ the feed */

/**
 * Where one partner (key) stands in the feed of one set of establishments
 * (sorted UAIs joined by "_") for one school year. See
 * docs/internals/serve.md for the protocol; positions of the full picture
 * are integers (kind << 56 | scope index << 52 | id).
 */
typedef struct relais_feed_cursor {
    int64_t id;
    int64_t key_id;
    const char *uais;
    int year;
    const char *categories; /* categories when the current picture started */
    bool full;              /* phase: true = full picture, false = changes */
    int64_t base_seq;       /* journal position when the full picture started */
    int64_t acked_pos;      /* full picture: acknowledged up to this position */
    int64_t acked_seq;      /* changes: acknowledged up to this seq */
    int64_t batch;          /* number of the last batch handed out */
    bool pending;           /* batch `batch` awaits its acknowledgement */
    int64_t end_pos;        /* pending full-picture batch: last position */
    int64_t end_seq;        /* pending changes batch: last seq */
    int64_t read_seq;       /* pending full-picture batch: journal position when read */
    bool end_last;          /* the pending batch ends the full picture */
    int64_t n_items;        /* items in the pending batch */
    bool delivered;         /* the pending batch was sent completely */
    int64_t delivery;       /* times the pending batch was sent */
} relais_feed_cursor;

/** RELAIS_ENOTFOUND when the cursor does not exist yet. */
int relais_store_cursor_get(relais_feed_cursor **out, relais_store *s, struct util_arena *arena,
                            int64_t key_id, const char *uais, int year);
int relais_store_cursor_insert(int64_t *id, relais_store *s, const relais_feed_cursor *c);
/** Write every field of c (found by c->id). */
int relais_store_cursor_update(relais_store *s, const relais_feed_cursor *c);
/** Mark batch `batch` (delivery n° `delivery`) of a cursor as completely sent. */
int relais_store_cursor_delivered(relais_store *s, int64_t cursor_id, int64_t batch,
                                  int64_t delivery);
/** Give the cursors of key `from` to key `to` (rotation). */
int relais_store_cursor_move_key(relais_store *s, int64_t from, int64_t to);
/** Add an acknowledged full-picture page; read the pages in position order; drop them. */
int relais_store_feed_page_add(relais_store *s, int64_t cursor_id, int64_t end_pos,
                               int64_t read_seq);
int relais_store_feed_page_foreach(relais_store *s, int64_t cursor_id,
                                   int (*cb)(int64_t end_pos, int64_t read_seq, void *payload),
                                   void *payload);
int relais_store_feed_page_clear(relais_store *s, int64_t cursor_id);

/** One pull served to a partner. */
typedef struct relais_pull {
    int64_t organisation_id;
    int64_t key_id;
    const char *uais;
    const char *at;    /* ISO UTC */
    int status;        /* HTTP status */
    const char *phase; /* "full", "changes", or NULL */
    int64_t batch;
    int64_t n_changes;
} relais_pull;

int relais_store_pull_insert(relais_store *s, const relais_pull *p);
/** Pulls of an organisation (0: all), newest first, at most limit (0: all). */
int relais_store_pull_foreach(relais_store *s, int64_t org_id, size_t limit,
                              int (*cb)(const relais_pull *p, void *payload), void *payload);

/* ------------------------------------------------------ safety thresholds */

/** A threshold row: -1 means "no limit". establishment_id 0 = every establishment. */
typedef struct relais_threshold {
    int64_t establishment_id;
    const char *uai; /* NULL for every establishment */
    relais_kind kind;
    int max_percent;
    int64_t max_count;
} relais_threshold;

/**
 * The configured threshold for (establishment, kind): the establishment's row,
 * else the row for every establishment. RELAIS_ENOTFOUND when neither exists.
 */
int relais_store_threshold_get(relais_threshold *out, relais_store *s, int64_t establishment_id,
                               relais_kind kind);
int relais_store_threshold_set(relais_store *s, int64_t establishment_id, relais_kind kind,
                               int max_percent, int64_t max_count);
int relais_store_threshold_delete(relais_store *s, int64_t establishment_id, relais_kind kind);
int relais_store_threshold_foreach(relais_store *s,
                                   int (*cb)(const relais_threshold *t, void *payload),
                                   void *payload);

#ifdef __cplusplus
}
#endif
#endif
