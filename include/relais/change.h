/*
 * change.h — the change layer: every write of the canonical model goes
 * through a plan.
 *
 * An importer (or any command that changes data) builds a plan: it registers
 * the scopes (establishment × year) it touches, then for each incoming record
 * either creates it, diffs it against the stored one (update, restore, or
 * unchanged), deactivates what disappeared, and adds warnings. The plan counts
 * everything per scope and kind, so it *is* the report. It can be rendered
 * without touching the store (dry run), then applied in one transaction that
 * also writes the run and every change to the journal — or nothing at all.
 *
 * Plans keep their operations in a spool (memory, then a temporary file), so
 * importing an académie does not hold millions of changes in RAM.
 *
 * Refs to records created earlier in the same plan are negative numbers
 * returned by relais_plan_create(); scopes created by the plan likewise.
 */
#ifndef RELAIS_CHANGE_H
#define RELAIS_CHANGE_H

#include <relais/model.h>
#include <relais/store.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct relais_plan relais_plan;

typedef enum relais_op {
    RELAIS_OP_CREATE,
    RELAIS_OP_UPDATE,
    RELAIS_OP_DEACTIVATE,
    RELAIS_OP_RESTORE,
    RELAIS_OP_TOUCH, /* seen again (crosswalk "last seen"); not a change */
} relais_op;

/* Per scope and kind counters; together they are the report ("bilan"). */
typedef enum relais_count {
    RELAIS_COUNT_CREATED,
    RELAIS_COUNT_UPDATED,
    RELAIS_COUNT_UNCHANGED,
    RELAIS_COUNT_DEACTIVATED,
    RELAIS_COUNT_RESTORED,
    RELAIS_COUNT_IGNORED,
    RELAIS_COUNT_N
} relais_count;

/** Stable English names of the counters ("created", …), for JSON. */
const char *relais_count_name(relais_count c);

typedef enum relais_severity {
    RELAIS_SEVERITY_INFO,
    RELAIS_SEVERITY_WARNING,
    RELAIS_SEVERITY_ERROR,
} relais_severity;

const char *relais_severity_name(relais_severity s); /* "info", "warning", "error" */

/** A warning about one record or one place of an input file. */
typedef struct relais_warning {
    relais_severity severity;
    const char *code;    /* stable code, e.g. "ELEVE_SANS_INE" */
    const char *file;    /* input file, or NULL */
    unsigned long line;  /* 1-based line in file, 0 when unknown */
    int kind;            /* relais_kind concerned, or -1 */
    const char *ids;     /* identifiers of the record, e.g. "ELEVE_ID 1234", or NULL */
    const char *message; /* French sentence (already translated) */
} relais_warning;

/**
 * New empty plan for `command` ("import siecle"). The store is read to note
 * the journal position: relais_plan_apply refuses (RELAIS_ECONFLICT) when the
 * hub changed in between, rather than apply a plan made on stale data.
 */
int relais_plan_new(relais_plan **out, relais_store *s, const char *command);
void relais_plan_free(relais_plan *p);

/** Record an input file of the run (kept in the journal). */
int relais_plan_add_source(relais_plan *p, const char *path);

/** What a plan knows of one scope. */
typedef struct relais_scope_spec {
    const char *uai;
    int year;
    /* Optional establishment attributes; NULL leaves them as they are. */
    const char *name, *type, *sector;
    /* Optional calendar; NULL leaves it as it is. */
    const relais_calendar *calendar;
} relais_scope_spec;

/**
 * Register the scope (uai, year) in the plan: *scope_ref is its id when it
 * exists, or a negative ref when the plan will create the establishment and/or
 * the year. Changed establishment attributes or calendar are planned as
 * updates. Calling it twice for the same scope returns the same ref.
 */
int relais_plan_scope(int64_t *scope_ref, relais_plan *p, const relais_scope_spec *spec);

/** Number of scopes in the plan, and what each is. */
size_t relais_plan_n_scopes(const relais_plan *p);
typedef struct relais_plan_scope_info {
    const char *uai;
    int year;
    int64_t scope_ref;        /* id, or negative when created by the plan */
    bool creates_establishment;
    bool creates_year;
    bool updates_establishment;
    bool updates_calendar;
} relais_plan_scope_info;
void relais_plan_scope_get(relais_plan_scope_info *out, const relais_plan *p, size_t index);

/**
 * Plan the creation of `r` (its scope_id may be a scope ref; its refs may be
 * negative refs of records created earlier in this plan). *ref receives the
 * negative ref of the new record. The record is created active (r->is_active
 * is not read).
 */
int relais_plan_create(int64_t *ref, relais_plan *p, const relais_record *r);

/**
 * Same, for a record created inactive, deactivated on `date` (ISO or
 * JJ/MM/AAAA) — a student who already left: counted created, journalled as a
 * creation then a deactivation. RELAIS_EINVALID for a missing or invalid date.
 */
int relais_plan_create_inactive(int64_t *ref, relais_plan *p, const relais_record *r,
                                const char *date);

/**
 * Compare the stored record `old` with `incoming` on the fields of `groups`
 * (RELAIS_FG_* bits; key fields are never changed). Plans an update of the
 * changed fields, a restore (with those changes) when `old` was deactivated,
 * or counts it unchanged. *changed (may be NULL) tells whether anything will
 * change. incoming->is_active is not read.
 */
int relais_plan_update(bool *changed, relais_plan *p, const relais_record *old,
                       const relais_record *incoming, unsigned groups);

/**
 * Same, for a record that must end inactive (a person who left): a
 * deactivated `old` is only updated, never restored; an active one is updated
 * and deactivated on `date` (counted deactivated).
 */
int relais_plan_update_inactive(bool *changed, relais_plan *p, const relais_record *old,
                                const relais_record *incoming, unsigned groups,
                                const char *date);

/** Plan the deactivation of stored record `old` on ISO `date` (no-op when already inactive). */
int relais_plan_deactivate(relais_plan *p, const relais_record *old, const char *date);

/** Note that stored record `old` was seen again (updates its last-seen run). */
int relais_plan_touch(relais_plan *p, const relais_record *old);

/** Add n to a counter (e.g. RELAIS_COUNT_IGNORED) of a kind in a scope. */
int relais_plan_count(relais_plan *p, int64_t scope_ref, relais_kind kind, relais_count c,
                      size_t n);

/** Add a warning (strings are copied). */
int relais_plan_warn(relais_plan *p, const relais_warning *w);
/** Same, with a printf-style message. */
int relais_plan_warnf(relais_plan *p, relais_severity severity, const char *code,
                      const char *file, unsigned long line, int kind, const char *ids,
                      const char *fmt, ...) __attribute__((format(printf, 8, 9)));

/* ---------------------------------------------------------------- reading */

/** Counter over every scope (scope_index SIZE_MAX) or for one scope of the plan. */
size_t relais_plan_counter(const relais_plan *p, size_t scope_index, relais_kind kind,
                           relais_count c);
#define RELAIS_PLAN_ALL_SCOPES ((size_t)-1)
/** Did the plan count anything for this kind (any counter non-zero)? */
bool relais_plan_kind_used(const relais_plan *p, relais_kind kind);
/** Number of changes (creations, updates, deactivations, restorations, scope changes). */
size_t relais_plan_n_changes(const relais_plan *p);
size_t relais_plan_n_warnings(const relais_plan *p, relais_severity severity);

typedef int (*relais_warning_cb)(const relais_warning *w, void *payload);
/** Warnings in the order they were added. */
int relais_plan_foreach_warning(relais_plan *p, relais_warning_cb cb, void *payload);

/** One planned operation, as shown in detailed reports. */
typedef struct relais_plan_field_change {
    const char *field;
    const char *old_value; /* text, or the id as text for refs; NULL when absent */
    const char *new_value;
} relais_plan_field_change;

typedef struct relais_plan_op {
    relais_op op;
    relais_kind kind;
    int64_t id;          /* stored id (0 for a creation) */
    size_t scope_index;
    const char *label;   /* human label: "DUPONT Jean (eleve_id 1234)" */
    const char *date;    /* deactivation date */
    size_t n_changes;
    const relais_plan_field_change *changes;
} relais_plan_op;

typedef int (*relais_plan_op_cb)(const relais_plan_op *op, void *payload);
/** Planned operations in order (touches excluded). */
int relais_plan_foreach_op(relais_plan *p, relais_plan_op_cb cb, void *payload);

/* ---------------------------------------------------------------- applying */

/**
 * Apply the plan in one transaction: scopes, then every operation in order,
 * the run (status "applied", sources, counters) and one journal entry per
 * change. On any error everything is rolled back and nothing is written.
 * *run_id receives the new run id.
 */
int relais_plan_apply(int64_t *run_id, relais_plan *p);

/**
 * Applying while planning, for the large imports: a thread applies the plan's
 * operations on `conn`, a second connection to the same hub, as the planner
 * publishes them (relais_plan_publish), inside one transaction — the same
 * writes as relais_plan_apply, overlapped with the reading and planning.
 * relais_plan_writer_finish applies the rest and commits once the plan is
 * complete; relais_plan_writer_free without finish rolls everything back (a
 * refused import, thresholds exceeded: nothing is written). The plan's scopes
 * must all be declared before its first operation (the plan also publishes by
 * itself every few megabytes of operations). `conn` stays the caller's and must
 * outlive the writer.
 */
typedef struct relais_plan_writer relais_plan_writer;
int relais_plan_writer_start(relais_plan_writer **out, relais_plan *p, relais_store *conn);
/**
 * The operations planned so far are complete and may be applied. Returns the
 * writer's error if it stopped on one (the planner should stop too); does
 * nothing without a writer.
 */
int relais_plan_publish(relais_plan *p);
/** The plan is complete: apply the rest and commit. *run_id receives the run. */
int relais_plan_writer_finish(relais_plan_writer *w, int64_t *run_id);
/** Stop the writer (rolling back what was not committed) and free it. */
void relais_plan_writer_free(relais_plan_writer *w);

/** Summary of the counters as a JSON object (caller frees with util_free). */
char *relais_plan_summary_json(const relais_plan *p, size_t scope_index);

/* ------------------------------------------------------ safety on apply */

/*
 * Safety thresholds: an import that would deactivate too many records of one
 * kind in one establishment is not applied but kept in quarantine, until a
 * person approves it (relais_run_approve) — or runs the import again once the
 * source is fixed. Thresholds are configured per establishment and kind
 * (relais_store_threshold_set); without configuration, students and guardians
 * use the defaults below and other kinds have no limit.
 */
#define RELAIS_THRESHOLD_DEFAULT_PERCENT 10 /* more than 10 % of the active records */
#define RELAIS_THRESHOLD_DEFAULT_COUNT 200  /* or more than 200 records, in one run */

/**
 * The threshold in force for (establishment, kind): the establishment's row,
 * else the row for every establishment, else the built-in default. -1 = no limit.
 */
int relais_threshold_effective(relais_threshold *out, relais_store *s, int64_t establishment_id,
                               relais_kind kind);

/** One threshold a plan exceeds: in one scope of the plan, for one kind. */
typedef struct relais_breach {
    size_t scope_index;
    const char *uai;    /* borrowed from the plan */
    int year;
    relais_kind kind;
    size_t deactivated; /* planned deactivations */
    size_t active;      /* active records before the run */
    int max_percent;    /* the threshold exceeded (-1: none) */
    int64_t max_count;
} relais_breach;

/**
 * Check the plan's deactivations against the thresholds in force.
 * *breaches receives an array of *n_breaches entries (caller frees with
 * util_free; NULL when none).
 */
int relais_plan_check(relais_breach **breaches, size_t *n_breaches, relais_plan *p);

/**
 * Keep the plan instead of applying it: one transaction records a run with
 * status "quarantined", why (the breaches, JSON), its counters, and the
 * serialized plan. Nothing of the model changes and the journal gets no entry.
 * *run_id receives the run's number.
 */
int relais_plan_quarantine(int64_t *run_id, relais_plan *p, const relais_breach *breaches,
                           size_t n_breaches);

/** The plan kept by quarantined run `run_id` (caller frees), e.g. to show it. */
int relais_run_plan_load(relais_plan **out, relais_store *s, int64_t run_id);

/**
 * Apply the plan of quarantined run `run_id`: in one transaction the run
 * becomes "applied" (approved_at set) and its changes enter the journal under
 * its number. Refused with RELAIS_ECONFLICT when the run is not quarantined or
 * when an establishment or year of the plan changed since the plan was made
 * (run the import again instead).
 */
int relais_run_approve(relais_store *s, int64_t run_id);

/**
 * Build the plan that undoes applied run `run_id`, from its journal entries in
 * reverse order: created records are deactivated, updated fields get their old
 * values back, deactivated records are restored, restored records are
 * deactivated again. A field changed by a later run keeps its current value
 * (warning REVERT_CONFLIT); establishments and years created by the run are
 * kept. Applying the plan (relais_plan_apply) records a new run "runs revert
 * N" whose changes reach partners through the feed like any other, and marks
 * run N "reverted". Caller frees the plan.
 */
int relais_run_revert_plan(relais_plan **out, relais_store *s, int64_t run_id);

/** The run a plan reverts (0: none). */
int64_t relais_plan_reverts(const relais_plan *p);

#ifdef __cplusplus
}
#endif
#endif
