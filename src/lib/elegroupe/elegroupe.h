/*
 * elegroupe.h — the face of the elegroupe module: the student–group links
 * file SIECLE BEE imports (ELEGROUPE, IMPORT_ELEVES 1.4), and a judge that
 * predicts, for a file and the SIECLE state relais holds, exactly what
 * SIECLE's night batch will do with it (elegroupe.md §4): which students are
 * rejected (REJELEGROUPE_01/03), which links dropped (GROUPE_A_01, B_01, B_02),
 * which dates forced (ELEGRP_A_01/02/03) and to what, who is absent.
 *
 * The same judge serves the checks (before anything is sent) and the export
 * (which refuses to write a file SIECLE would reject, and writes the predicted
 * report in SIECLE's terms).
 */
#ifndef RELAIS_ELEGROUPE_H
#define RELAIS_ELEGROUPE_H

#include <relais/store.h>

#include <time.h>

#include "snapshot/snapshot.h"
#include "util/util.h"

/* ----------------------------------------------------------- the file */

typedef enum elegroupe_id_kind {
    ELEGROUPE_ID_ELEVE_ID,
    ELEGROUPE_ID_INE,
    ELEGROUPE_ID_PRV,
} elegroupe_id_kind;

typedef struct elegroupe_link {
    const char *code;  /* CODE_GROUPE */
    const char *debut; /* ISO date or NULL */
    const char *fin;   /* ISO date or NULL */
    unsigned long line;
} elegroupe_link;

typedef struct elegroupe_student {
    elegroupe_id_kind id_kind;
    const char *id;
    const char *nom_de_famille, *nom_usage, *prenom, *prenom2, *prenom3;
    const char *date_naiss; /* ISO */
    elegroupe_link *links;
    size_t n_links;
    unsigned long line;
} elegroupe_student;

typedef struct elegroupe_file {
    const char *uai;
    int year;
    const char *date_import; /* JJ/MM/AAAA */
    const char *logiciel;
    long num_envoi;
    elegroupe_student *students;
    size_t n_students;
    const char *name; /* file name, for messages (may be NULL) */
} elegroupe_file;

/* ------------------------------------------------------ SIECLE's state */

typedef struct elegroupe_siecle_student {
    int64_t relais_id;
    const char *eleve_id, *ine, *id_prv;
    const char *nom_de_famille, *nom_usage, *prenom, *prenom2, *prenom3;
    const char *date_naiss, *code_mef, *date_entree, *date_sortie; /* ISO */
} elegroupe_siecle_student;

typedef struct elegroupe_siecle_group {
    const char *code;
    const char *mefs; /* space-separated MEF codes, or NULL when unknown */
} elegroupe_siecle_group;

/* What SIECLE knows of the establishment, as relais holds it. */
typedef struct elegroupe_state {
    const char *uai;
    int year;
    const char *year_start, *year_end; /* students' calendar (ISO), NULL when unknown */
    elegroupe_siecle_student *students;
    size_t n_students;
    elegroupe_siecle_group *groups;
    size_t n_groups;
    bool knows_groups; /* Structures.xml was imported: unknown groups can be told */
} elegroupe_state;

/**
 * SIECLE's state as the hub holds it: students and groups SIECLE sent, and the
 * calendar. Strings are borrowed from the snapshot, which must outlive it.
 */
int elegroupe_state_from_snapshot(elegroupe_state **out, const scope_snapshot *snap,
                                  util_arena *arena);

/**
 * The links file relais would deposit: every SIECLE student with group links
 * this year, active ones and ended ones with their end date.
 */
int elegroupe_file_from_snapshot(elegroupe_file **out, const scope_snapshot *snap,
                                 util_arena *arena, const char *logiciel);

/* ---------------------------------------------------------- the verdict */

typedef enum elegroupe_outcome {
    ELEGROUPE_COMPLETE,
    ELEGROUPE_PARTIAL,
    ELEGROUPE_REJECTED,
} elegroupe_outcome;

/** One elementary anomaly (a detail row of SIECLE's report). */
typedef struct elegroupe_anomaly {
    const char *code;      /* REJELEGROUPE_01, GROUPE_A_01, ELEGRP_A_02, … */
    const char *group;     /* group code, NULL for student-level anomalies */
    const char *old_value; /* the date sent, for date resets (ISO) */
    const char *new_value; /* the value SIECLE will force (ISO, or NULL = empty) */
    const char *params;    /* ";"-separated parameters, as SIECLE prints them */
} elegroupe_anomaly;

typedef struct elegroupe_student_verdict {
    const elegroupe_student *sent;        /* the file's entry */
    const elegroupe_siecle_student *found; /* who SIECLE will identify, NULL when nobody */
    elegroupe_outcome outcome;
    elegroupe_anomaly *anomalies;
    size_t n_anomalies;
    size_t n_links_created;
} elegroupe_student_verdict;

typedef struct elegroupe_verdict {
    bool refused;          /* the whole file is refused (wrong UAI or year) */
    const char *refusal;   /* why, French */
    elegroupe_student_verdict *students;
    size_t n_students;
    size_t n_read, n_complete, n_partial, n_rejected;
    const elegroupe_siecle_student **absent; /* SIECLE students not in the file */
    size_t n_absent;
    /* Students who left during the year, had group links, and are absent from the file. */
    const elegroupe_siecle_student **leavers_losing_history;
    size_t n_leavers_losing_history;
} elegroupe_verdict;

/**
 * Predict SIECLE's processing of `file` against `state`. `had_groups` (may be
 * NULL) lists relais ids of students who had group links this year, for the
 * leavers' history warning. Everything is allocated in `arena`.
 */
int elegroupe_judge(elegroupe_verdict **out, util_arena *arena, const elegroupe_file *file,
                    const elegroupe_state *state, const util_idset *had_groups);

/* ------------------------------------------------- structure and writing */

/** One violation of the file's schema (elegroupe.md §3): where, and what. */
typedef struct elegroupe_violation {
    unsigned long line;  /* line in the file read, 0 for a file built in memory */
    const char *element; /* "ELEVE", "CODE_GROUPE", … */
    const char *ids;     /* the student concerned, or NULL */
    const char *message; /* French */
} elegroupe_violation;

/**
 * Check `file` against the schema SIECLE validates deposits with (order and
 * cardinalities, exactly one identifier per student, lengths in characters,
 * patterns, integer ranges, real dates, no empty optional element, uniqueness
 * of identifiers and of group codes per student, Latin-9 characters only).
 * Violations are allocated in `arena`; *n_out is their number (0: valid).
 */
int elegroupe_validate(elegroupe_violation **out, size_t *n_out, util_arena *arena,
                       const elegroupe_file *file);

/**
 * Read an ELEGROUPE file (the zip to deposit, or its XML) into *out, allocated
 * in `arena`. Structural problems that SIECLE's deposit checks would refuse
 * (names of the zip and of its XML entry, element order, unknown elements,
 * missing or repeated elements, two identifiers, empty optional elements) are
 * returned as violations — together with elegroupe_validate's on the content.
 * Returns RELAIS_EINVALID (message set) only when the file cannot be read at
 * all (not XML, wrong root, hostile input).
 */
int elegroupe_read_file(elegroupe_file **out, elegroupe_violation **violations,
                        size_t *n_violations, util_arena *arena, const char *path);

/** "0999999ZELEGROUPE2024241015183000": the base name for a file generated at `when` (local). */
void elegroupe_base_name(char out[40], const char *uai, int year, const struct tm *when);

/**
 * Write the file as SIECLE expects it: XML in ISO-8859-15 (IMPORT_ELEVES 1.4),
 * into `out` (bytes, not NUL-terminated). The file must be valid
 * (elegroupe_validate) — RELAIS_EINVALID otherwise.
 */
int elegroupe_write_xml(util_buf *out, const elegroupe_file *file);

#endif
