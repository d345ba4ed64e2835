/*
 * internal.h — what the files of the sts module share: the STS_EDT export as
 * read into memory (read.c) before the plan is built (import.c).
 *
 * The whole file is read first: an error found late (truncation, an encoding
 * contradicting its declaration) must refuse the import before anything is
 * planned, and references (a service's teacher, a group's divisions) are
 * resolved once everything is known, whatever the order of the file.
 */
#ifndef RELAIS_STS_INTERNAL_H
#define RELAIS_STS_INTERNAL_H

#include "sts.h"

/* A growable array of T in util_malloc'ed memory. */
#define STS_VEC(T)                                                                                 \
    struct {                                                                                       \
        T *v;                                                                                      \
        size_t n, cap;                                                                             \
    }

/* Make room for one more element; 0 or RELAIS_ENOMEM. */
int sts_vec_reserve(void **v, size_t *cap, size_t n, size_t elem);
#define STS_VEC_PUSH(vec, slot)                                                                    \
    (sts_vec_reserve((void **)&(vec).v, &(vec).cap, (vec).n, sizeof *(vec).v) == 0                 \
         ? ((slot) = &(vec).v[(vec).n++], memset((slot), 0, sizeof *(slot)), 0)                    \
         : RELAIS_ENOMEM)

/** A record read from the file and the line it starts on. */
typedef struct sts_item {
    relais_record *r;
    unsigned long line;
} sts_item;
typedef STS_VEC(sts_item) sts_items;

/** An INDIVIDU and its disciplines. */
typedef struct sts_person {
    sts_item item;
    sts_items disciplines;
} sts_person;

/** A DIVISION or GROUPE, with (groups) the codes of its divisions. */
typedef struct sts_structure {
    sts_item item;
    bool is_group;
    STS_VEC(const char *) divisions;
    STS_VEC(unsigned long) division_lines;
} sts_structure;

typedef STS_VEC(sts_structure) sts_structure_vec;

/** One ENSEIGNANT of a service. */
typedef struct sts_service_teacher {
    const char *id;
    const char *heures; /* normalised decimal or NULL */
    const char *taux;
    unsigned long line;
} sts_service_teacher;

/** A SERVICE of a division or group; the record's refs are set when the plan is built. */
typedef struct sts_service {
    sts_item item;
    bool is_group;
    const char *structure; /* code of its division or group */
    STS_VEC(sts_service_teacher) teachers;
} sts_service;

struct xml_reader;

typedef struct sts_file {
    util_arena *arena;     /* every string and record of the file */
    struct xml_reader *xr; /* while reading */
    relais_plan *plan;     /* warnings go straight into the plan */
    const char *file;      /* name for messages ("sts_emp_0750001A_2026.xml") */
    char uai[9];
    int year;
    unsigned long uai_line;
    const char *name;  /* DENOM_PRINC [DENOM_COMPL] */
    const char *sigle; /* SIGLE */
    bool has_parametres;

    sts_items subjects;
    sts_items mefs;
    sts_items nomenclature; /* lists "sts_…" */
    sts_items programmes;
    STS_VEC(sts_person) staff;
    sts_structure_vec divisions;
    sts_structure_vec groups;
    STS_VEC(sts_service) services;
    STS_VEC(const char *) lists_seen; /* nomenclature lists present in the file */
    size_t n_suppleants;              /* SUPPLEANT entries read as staff */
    size_t n_suppleants_unread;       /* entries of SUPPLEANTS we could not interpret */

    /* code → position, for duplicates and references */
    util_map *subject_codes, *mef_codes, *staff_ids, *division_codes, *group_codes;
} sts_file;

/** Read `path` into `f` (zeroed by the caller, plan set). */
int sts_file_read(sts_file *f, const char *path);
/** Free what sts_file_read allocated. */
void sts_file_free(sts_file *f);

/** A warning at a place of the file (message already translated, printf-style). */
int sts_warn(sts_file *f, relais_severity sev, const char *code, unsigned long line,
             relais_kind kind, const char *ids, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

#endif
