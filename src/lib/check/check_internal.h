/*
 * check_internal.h — what the files of the check module share: the snapshot
 * of one scope that every rule reads, and the way rules report findings.
 * Private to the module; its face is check.h.
 */
#ifndef RELAIS_CHECK_INTERNAL_H
#define RELAIS_CHECK_INTERNAL_H

#include "check.h"

/* Every record of one kind in the scope, active or not, and an index by id. */
typedef struct snap_kind {
    relais_record **recs;
    size_t n, cap;
    util_map *by_id; /* 8-byte id -> index */
} snap_kind;

/* One scope loaded in memory (an establishment is a few thousand records per kind). */
typedef struct check_snapshot {
    const relais_scope *scope;
    relais_store *store;
    util_arena *arena;
    snap_kind k[RELAIS_KIND_COUNT];
    util_map *xref_by_entity_app; /* "<entity id>|<application>" -> xref index (active xrefs) */
} check_snapshot;

int snapshot_load(check_snapshot *snap, relais_store *s, const relais_scope *scope);
void snapshot_free(check_snapshot *snap);
/** The record of `kind` with id `id`, NULL when absent from the scope. */
relais_record *snapshot_get(const check_snapshot *snap, relais_kind kind, int64_t id);
/** The active xref of application `app` for entity `id`, NULL when none. */
relais_record *snapshot_xref(const check_snapshot *snap, int64_t id, const char *app);
/** Does the scope hold any active xref of `app` for records of `category`? */
bool snapshot_has_source(const check_snapshot *snap, const char *app, const char *category);

/*
 * Records of one kind grouped by the value of one of their ref fields
 * (e.g. student_guardian links by student_id): for a target id, the indices
 * (in snap->k[kind].recs) of the records pointing at it.
 */
typedef struct snap_groups {
    util_map *slot_of; /* target id -> slot */
    size_t *start;     /* n_slots + 1 offsets into items */
    size_t *items;
    size_t n_slots;
} snap_groups;

/** Group the (active, when active_only) records of `kind` by ref field `field`. */
int snapshot_group(snap_groups *g, const check_snapshot *snap, relais_kind kind, size_t field,
                   bool active_only);
/** Indices of the records pointing at `target`; returns their number. */
size_t snapshot_group_get(const snap_groups *g, int64_t target, const size_t **items);
void snapshot_groups_free(snap_groups *g);

/** Is the student still at school (active, and no exit date on or before today)? */
bool check_student_present(const relais_record *student, const char *today_iso);

/* What a rule function receives. */
typedef struct check_ctx {
    check_report *report;
    check_snapshot *snap;
    const check_options *opts;
    util_arena *scratch; /* reset by the runner after each rule */
    char today[11];      /* ISO date of the run (RELAIS_TODAY overrides) */
} check_ctx;

typedef int (*check_rule_fn)(check_ctx *c);

/** Report a finding of rule `code` about record r (may be NULL: about the scope). */
int check_emit(check_ctx *c, const char *code, const relais_record *r, const char *ids,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Rule families, one file each. Each returns its functions in rule catalogue order. */
int check_rules_elegroupe(check_ctx *c);
int check_rules_sts(check_ctx *c);
int check_rules_ent(check_ctx *c);
int check_rules_preflight(check_ctx *c);
int check_rules_drift(check_ctx *c);

struct elegroupe_file;
/* The ELEGROUPE family on a given file (the hub's own file in check_rules_elegroupe). */
int check_elegroupe_file(check_ctx *c, const struct elegroupe_file *file);

/* Helpers shared by rules. */
bool check_is_legal_guardian(const relais_record *link);
bool check_has_address(const relais_record *person);
/** Identifiers of a person for messages: "ELEVE_ID 1234", "PERSONNE_ID 55", "STS 987". */
const char *check_person_ids(util_arena *a, const relais_record *r);
/** "NOM Prénom" of a person record. */
const char *check_person_name(util_arena *a, const relais_record *r);

#endif
