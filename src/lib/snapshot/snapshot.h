/*
 * snapshot.h — the face of the snapshot module: one scope (establishment ×
 * year) loaded in memory in one read transaction — every record of every
 * kind, active or not, indexed by id; the crosswalk indexed by (entity,
 * application); records grouped by a ref field. What the checks and the
 * exports read: an establishment is a few thousand records per kind.
 */
#ifndef RELAIS_SNAPSHOT_H
#define RELAIS_SNAPSHOT_H

#include <relais/store.h>

#include "util/util.h"

/* Every record of one kind in the scope, active or not, and an index by id. */
typedef struct snap_kind {
    relais_record **recs;
    size_t n, cap;
    util_map *by_id; /* 8-byte id -> index */
} snap_kind;

/* One scope loaded in memory (an establishment is a few thousand records per kind). */
typedef struct scope_snapshot {
    const relais_scope *scope;
    relais_store *store;
    util_arena *arena;
    snap_kind k[RELAIS_KIND_COUNT];
    util_map *xref_by_entity_app; /* "<entity id>|<application>" -> xref index (active xrefs) */
} scope_snapshot;

int snapshot_load(scope_snapshot *snap, relais_store *s, const relais_scope *scope);
void snapshot_free(scope_snapshot *snap);
/** The record of `kind` with id `id`, NULL when absent from the scope. */
relais_record *snapshot_get(const scope_snapshot *snap, relais_kind kind, int64_t id);
/** The active xref of application `app` for entity `id`, NULL when none. */
relais_record *snapshot_xref(const scope_snapshot *snap, int64_t id, const char *app);
/** Does the scope hold any active xref of `app` for records of `category`? */
bool snapshot_has_source(const scope_snapshot *snap, const char *app, const char *category);

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
int snapshot_group(snap_groups *g, const scope_snapshot *snap, relais_kind kind, size_t field,
                   bool active_only);
/** Indices of the records pointing at `target`; returns their number. */
size_t snapshot_group_get(const snap_groups *g, int64_t target, const size_t **items);
void snapshot_groups_free(snap_groups *g);

/** Is the student still at school (active, and no exit date on or before today)? */
bool snapshot_student_present(const relais_record *student, const char *today_iso);

/** Identifiers of a person for messages: "ELEVE_ID 1234, INE …", "PERSONNE_ID 55", "STS 987". */
const char *snapshot_person_ids(util_arena *a, const relais_record *r);
/** "NOM Prénom" of a person record (usage name first). */
const char *snapshot_person_name(util_arena *a, const relais_record *r);
/** "eleve", "responsable", "professeur" (STS fonction ENS) or "personnel"; NULL otherwise. */
const char *snapshot_person_category(const relais_record *r);
/**
 * The active divisions of a student, from enrolments grouped by student
 * (snapshot_group(…, RELAIS_KIND_ENROLMENT, RELAIS_ENROLMENT_STUDENT, …)).
 */
size_t snapshot_student_divisions(const scope_snapshot *snap, const snap_groups *enrolments_by_student,
                                  int64_t student, const relais_record **out, size_t max);

#endif
