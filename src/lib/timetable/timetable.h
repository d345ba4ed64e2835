/*
 * timetable.h — the face of the timetable module: the timetable of an
 * establishment (`relais import timetable`), from the EDT_STS upload that
 * timetable software produces for STS-Web (sts-web.md §B) or from the CSV
 * relais defines (docs/formats/timetable-csv.md), and the correspondences
 * between the timetable's local names and the hub's records (`relais map`).
 *
 * The timetable software names subjects, teachers, divisions and groups its
 * own way. Each local name is kept as an xref of application "edt" whose
 * entity is the hub record it stands for (0 while unmatched) and whose
 * provenance says how the link was made: "auto" (codes first, then folded
 * names) or "manual" (`relais map set`), which automatic matching never
 * overwrites (docs/internals/sources.md §3). Courses are stored with the
 * local names the timetable gave them; the links resolve them.
 *
 * Nothing here writes to the store: importing and mapping fill the caller's
 * plan. Details and warning codes: docs/timetable-import.md.
 */
#ifndef RELAIS_TIMETABLE_H
#define RELAIS_TIMETABLE_H

#include <relais/change.h>
#include <relais/store.h>

#include "util/util.h"

/** The kinds of local names that are matched. */
typedef enum timetable_kind {
    TIMETABLE_SUBJECT,
    TIMETABLE_STAFF,
    TIMETABLE_DIVISION,
    TIMETABLE_GROUP,
    TIMETABLE_N_KINDS
} timetable_kind;

/** The model kind of a timetable kind (its name is the xref category: "subject"…). */
relais_kind timetable_kind_model(timetable_kind k);
/** French singular label for messages ("matière", "enseignant", "division", "groupe"). */
const char *timetable_kind_label(timetable_kind k);
/**
 * Parse a kind given on the command line: the model names (subject, staff,
 * division, group) or French words (matiere, enseignant, professeur, classe,
 * groupe…), any case. False when unknown.
 */
bool timetable_kind_parse(timetable_kind *out, const char *s);

/* ------------------------------------------------------------ import */

typedef struct timetable_import_options {
    const char *path; /**< EDT_STS XML (or a zip of it) or CSV; the format is detected */
    int year;         /**< school year the hub works on; an EDT_STS file must agree */
    const char *uai;  /**< establishment: checked against an EDT_STS file; needed for a CSV
                           when the hub follows several establishments */
    const char *date; /**< ISO date of deactivations; NULL = today */
} timetable_import_options;

#define TIMETABLE_IMPORT_OPTIONS_INIT                                                              \
    {                                                                                              \
        NULL, 0, NULL, NULL                                                                        \
    }

typedef struct timetable_import_info {
    char uai[9];
    int year;
    const char *format; /**< "EDT_STS" or "CSV" (static) */
    size_t n_courses;   /**< distinct courses read */
    size_t n_rule_violations;
} timetable_import_info;

/** The coverage of the correspondences: each local name and what it is linked to. */
typedef struct timetable_coverage timetable_coverage;

/**
 * Read the timetable `opts->path` and plan: the correspondences of every local
 * name (new ones matched automatically, automatic ones re-matched, manual ones
 * kept), the courses (a full timetable: courses absent from it are
 * deactivated), and warnings for unmatched names and for the procedures'
 * rule (every group that carries a service in the timetable must exist in
 * STS-Web with a service of that subject). *coverage (caller frees with
 * timetable_coverage_free) describes the correspondences as planned.
 *
 * Returns 0; RELAIS_EINVALID for a file that is not a readable timetable
 * (message with file and line; an STS_EDT export is refused as "wrong
 * direction"); RELAIS_EREFUSED when the establishment or year is unknown to
 * the hub or disagrees with the options; RELAIS_EIO, RELAIS_EDB,
 * RELAIS_ENOMEM. On error the plan must be discarded.
 */
int timetable_import_plan(timetable_import_info *info, timetable_coverage **coverage,
                          relais_plan *plan, relais_store *s, const timetable_import_options *opts);

/* ----------------------------------------------------- correspondences */

/** One local name of the timetable and its link. Strings live as long as the coverage. */
typedef struct timetable_item {
    timetable_kind kind;
    const char *local;        /**< the timetable's name or code */
    const char *label;        /**< the timetable's label, NULL when it gives none */
    int64_t entity;           /**< the hub record, 0 when unmatched */
    bool entity_active;       /**< false when the linked record was deactivated */
    const char *remote;       /**< code of the hub record (code_matiere, sts_id, code) */
    const char *remote_label; /**< human label of the hub record */
    const char *provenance;   /**< "auto" or "manual" */
    bool ambiguous;           /**< automatic matching found several candidates */
    bool in_sts, in_siecle;   /**< the hub record is listed by STS-Web / SIECLE */
} timetable_item;

/** Number of local names of kind k, and how many are matched (to an active record). */
size_t timetable_coverage_count(const timetable_coverage *c, timetable_kind k);
size_t timetable_coverage_matched(const timetable_coverage *c, timetable_kind k);
/** The i-th local name of kind k, sorted by local name. */
const timetable_item *timetable_coverage_item(const timetable_coverage *c, timetable_kind k,
                                              size_t i);
void timetable_coverage_free(timetable_coverage *c);

/**
 * The correspondences stored for `scope_id` (active edt xrefs: the local names
 * of the last timetable, and manual links made since).
 */
int timetable_coverage_load(timetable_coverage **out, relais_store *s, int64_t scope_id);

/**
 * Plan a manual correspondence: local name `local` of kind k stands for the
 * hub record whose code is `remote` (subject: code_matiere or code_gestion;
 * staff: STS id; division, group: code). Returns 0, RELAIS_ENOTFOUND (no such
 * record, message set) or a store error.
 */
int timetable_map_set(relais_plan *plan, relais_store *s, int64_t scope_id, timetable_kind k,
                      const char *local, const char *remote);

/**
 * Plan the removal of a manual correspondence: the local name goes back to
 * automatic matching (done now, against the hub as it is). RELAIS_ENOTFOUND
 * when `local` has no manual correspondence.
 */
int timetable_map_unset(relais_plan *plan, relais_store *s, int64_t scope_id, timetable_kind k,
                        const char *local);

/* ------------------------------------------------------------ folding */

/**
 * The folded form of a name for matching: accents removed, case folded,
 * spaces and punctuation dropped ("Éducation physique et sportive" →
 * "educationphysiqueetsportive", "3ème-A" → "3emea"); œ → oe, æ → ae.
 * Written into `arena`; NULL on ENOMEM. Invalid UTF-8 is folded byte-wise as
 * ASCII.
 *
 * Minimal on purpose: to be unified with the text module (branch `match`).
 */
const char *timetable_fold(util_arena *arena, const char *s);

#endif
