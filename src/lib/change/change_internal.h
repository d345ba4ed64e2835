/*
 * change_internal.h — what plan.c and apply.c share: the plan structure and
 * the binary encoding of operations. Private to the change module; its face
 * is include/relais/change.h.
 */
#ifndef RELAIS_CHANGE_INTERNAL_H
#define RELAIS_CHANGE_INTERNAL_H

#include <relais/change.h>

#include "util/util.h"

#define NULL_LEN UINT32_MAX

typedef struct plan_scope {
    char *uai;
    int year;
    int64_t ref;              /* stored scope id, or negative when created by the plan */
    int64_t establishment_id; /* stored establishment id, 0 when created by the plan */
    bool creates_establishment, creates_year, updates_establishment, updates_calendar;
    char *name, *type, *sector;             /* wanted attributes (NULL: keep) */
    char *old_name, *old_type, *old_sector; /* stored ones, when updated */
    char *calendar[4], *old_calendar[4];    /* student start/end, staff start/end */
    size_t counters[RELAIS_KIND_COUNT][RELAIS_COUNT_N];
} plan_scope;

struct relais_plan {
    relais_store *store;
    char *command;
    int64_t base_seq; /* journal position when the plan was made */
    util_buf sources_json;
    size_t n_sources;
    plan_scope *scopes;
    size_t n_scopes, cap_scopes;
    int64_t next_scope_ref; /* last negative scope ref handed out */
    int64_t n_creates;      /* last creation ordinal */
    size_t n_changes;
    size_t n_warnings[3];
    util_spool *ops;
    util_spool *warnings;
    util_arena *scratch;
    /* Set by relais_run_approve: apply into this quarantined run (scope-level staleness check). */
    int64_t approve_run;
    /* Set by relais_run_revert_plan: the run this plan undoes (marked reverted on apply). */
    int64_t reverts;
    /* Applying while planning (relais_plan_writer_start); scopes are final once published. */
    relais_plan_writer *writer;
    bool published;
    uint64_t published_size; /* bytes of operations handed over */
};

typedef struct op_header {
    uint8_t op;
    uint8_t kind;
    uint16_t n_values;
    uint32_t reserved;
    int64_t id;
    int64_t scope_ref;
    int64_t ordinal; /* creations: 1, 2, … (the record's ref is -ordinal) */
} op_header;

typedef struct plan_value {
    uint16_t field;
    bool is_ref;
    const char *old_text, *new_text;
    int64_t old_ref, new_ref;
} plan_value;

typedef struct plan_op {
    op_header h;
    const char *label;
    const char *date;
    plan_value *values;
} plan_op;

/* Read the next operation of a rewound spool; RELAIS_ENOTFOUND at the end. */
int plan_read_op(plan_op *out, util_spool_cursor *sp, util_arena *a);

/* Hand the operations planned so far to the plan's writer (done: the plan is complete). */
int plan_writer_publish(relais_plan_writer *w, bool done);

/* Serialize a plan (scopes, counters, operations, warnings) for a quarantined run. */
int plan_serialize(util_buf *out, relais_plan *p);
/* Rebuild a plan serialized by plan_serialize; its base_seq is the stored one. */
int plan_deserialize(relais_plan **out, relais_store *s, const void *data, size_t len);
/* Approving: are the plan's scopes unchanged since it was made? RELAIS_ECONFLICT if not. */
int plan_check_unchanged(relais_plan *p);

/* Route jansson's allocations through util_malloc (once per process). */
void change_json_init(void);

#endif
