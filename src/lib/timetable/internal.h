/*
 * internal.h — what the files of the timetable module share: the timetable
 * as read from either format (edt.c, csv.c) into one in-memory form, the
 * automatic matcher (match.c), and the coverage (coverage.c).
 */
#ifndef RELAIS_TIMETABLE_INTERNAL_H
#define RELAIS_TIMETABLE_INTERNAL_H

#include "timetable.h"

#include "sts/sts.h"

#define TT_APPLICATION "edt"

/* A growable array of T in util_malloc'ed memory (same shape as the sts module's). */
#define TT_VEC(T)                                                                                  \
    struct {                                                                                       \
        T *v;                                                                                      \
        size_t n, cap;                                                                             \
    }
int tt_vec_reserve(void **v, size_t *cap, size_t n, size_t elem);
#define TT_VEC_PUSH(vec, slot)                                                                     \
    (tt_vec_reserve((void **)&(vec).v, &(vec).cap, (vec).n, sizeof *(vec).v) == 0                  \
         ? ((slot) = &(vec).v[(vec).n++], memset((slot), 0, sizeof *(slot)), 0)                    \
         : RELAIS_ENOMEM)

typedef TT_VEC(const char *) tt_strvec;

/** A local name and where it first appears. */
typedef struct tt_name {
    const char *code;
    const char *label; /* NULL when the format gives none */
    unsigned long line;
} tt_name;

/** A service the timetable gives a structure ("grading service" of the rule). */
typedef struct tt_service {
    timetable_kind structure_kind; /* TIMETABLE_DIVISION or TIMETABLE_GROUP */
    const char *structure;
    const char *subject;
    const char *mod_cours; /* NULL when unknown ("CG" is then assumed) */
    const char *heures;    /* HEURES_STRUCTURE, normalised decimal, or NULL */
    const char *co_ens;    /* "1", "0" or NULL */
    unsigned long line;
} tt_service;

/** One course (merged over the teachers that list it). */
typedef struct tt_course {
    int day;                /* 1 = Monday … 7 */
    int start;              /* minutes since midnight */
    int duration;           /* minutes */
    const char *alternance; /* code or label, NULL = every week */
    const char *weeks;      /* ISO Mondays, space-separated, NULL when not given */
    const char *subject;
    const char *mod_cours;
    tt_strvec teachers;
    tt_strvec divisions;
    tt_strvec groups;
    tt_strvec rooms;
    unsigned long line;
} tt_course;

typedef struct tt_alternance {
    const char *code;
    const char *weeks; /* ISO Mondays, sorted, space-separated */
} tt_alternance;

typedef struct tt_data {
    util_arena *arena;
    relais_plan *plan;
    const char *file;
    const char *format; /* "EDT_STS", "CSV" */
    char uai[9];
    bool has_uai;
    unsigned long uai_line;
    int year;
    bool has_year;
    int hours_start[8], hours_end[8]; /* HORAIRES per day (minutes), -1 when unknown */
    TT_VEC(tt_name) names[TIMETABLE_N_KINDS];
    util_map *name_pos[TIMETABLE_N_KINDS]; /* code → position */
    TT_VEC(tt_service) services;
    TT_VEC(tt_course) courses;
    util_map *course_pos; /* identity of a course → position (merging) */
    TT_VEC(tt_alternance) alternances;
    struct xml_reader *xr;
} tt_data;

int tt_data_init(tt_data *d, relais_plan *plan);
void tt_data_free(tt_data *d);

/** Read an EDT_STS file (XML or zip). */
int tt_read_edt(tt_data *d, const char *path);
/** Read a timetable CSV held in memory (`data` NUL-terminated). `year` dates week numbers. */
int tt_read_csv(tt_data *d, const char *name, const char *data, size_t len, int year);

/** Note a local name (first occurrence wins; a later label fills a missing one). */
int tt_name_add(tt_data *d, timetable_kind k, const char *code, const char *label,
                unsigned long line);
/**
 * Add a course; one with the same identity (day, start, alternation, subject,
 * structures) is merged into it (teachers and rooms joined).
 */
int tt_course_add(tt_data *d, const tt_course *c);
int tt_strvec_add(tt_data *d, tt_strvec *v, const char *s);
/** The identity of a course (day, start, alternation, weeks, subject, sorted structures). */
int tt_course_identity(util_buf *b, const tt_course *c);
void tt_course_free(tt_course *c);

/** A warning at a line of the file. */
int tt_warn(tt_data *d, relais_severity sev, const char *code, unsigned long line, int kind,
            const char *ids, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/** "HHMM", "HH:MM", "HhMM", "H" → minutes; false when not a time of day (< 24:00). */
bool tt_parse_time(int *minutes, const char *s);

/* ------------------------------------------------------------ matcher */

/** The hub's subjects, staff, divisions and groups of one scope, ready for matching. */
typedef struct tt_matcher tt_matcher;

int tt_matcher_new(tt_matcher **out, relais_store *s, int64_t scope_id);
void tt_matcher_free(tt_matcher *m);
/**
 * Match a local name automatically: exact code, then folded codes, then folded
 * names (and, for teachers, name with initial). *entity is 0 when nothing or
 * several candidates match (*ambiguous then tells which).
 */
int tt_match(int64_t *entity, bool *ambiguous, tt_matcher *m, timetable_kind k, const char *local,
             const char *label);
/** A hub record of kind k by id (active or not), NULL when none. */
const relais_record *tt_matcher_record(const tt_matcher *m, timetable_kind k, int64_t id);
/** A hub record of kind k by its code (see timetable_map_set), active first. */
const relais_record *tt_matcher_by_code(tt_matcher *m, timetable_kind k, const char *code);
/** Is the record listed by application `app` (an active presence xref)? */
bool tt_matcher_listed(const tt_matcher *m, int64_t id, const char *app);
/** The code of a record of kind k (code_matiere, sts_id, code). */
const char *tt_record_code(const relais_record *r, timetable_kind k);
/** The human label of a record, in arena. */
const char *tt_record_label(util_arena *a, const relais_record *r, timetable_kind k);
/** The stored xrefs of the scope (all applications, active or not). */
sts_index *tt_matcher_xrefs(tt_matcher *m);

/* ----------------------------------------------------------- coverage */

int tt_coverage_new(timetable_coverage **out);
/** Add one item (strings copied). */
int tt_coverage_add(timetable_coverage *c, const timetable_item *it);
/** Sort the items of each kind by local name. */
void tt_coverage_sort(timetable_coverage *c);
/** Fill remote, labels and STS/SIECLE presence of an item from the matcher. */
void tt_item_describe(timetable_item *it, tt_matcher *m, util_arena *a);

#endif
