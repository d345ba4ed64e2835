/*
 * match.h — the face of the match module: identity reconciliation
 * ("rapprochement d'identité") between the hub and a partner application
 * (PRONOTE, the billing software AGATE, the ENT…), the identifier crosswalk
 * that remembers every link, and duplicate guardians inside the hub.
 *
 * The engine works on two in-memory person lists (match_list): the partner's
 * (read from its CSV, the ENT identifiers file or AAF) and the hub's (loaded
 * from the store). It never touches the store itself, so that it can be
 * measured on a million persons per side (bench/bench_match.c). Around it:
 * readers, the hub loader, the planning of crosswalk links (XREF records,
 * through a relais_plan), manual decisions, and the file handed back to the
 * partner. See docs/internals/match.md for the model, weights and thresholds.
 */
#ifndef RELAIS_MATCH_H
#define RELAIS_MATCH_H

#include <relais/change.h>
#include <relais/model.h>
#include <relais/store.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/util.h"

/* ------------------------------------------------------------ categories */

typedef enum match_category {
    MATCH_STUDENT,
    MATCH_GUARDIAN,
    MATCH_TEACHER,
    MATCH_STAFF,
    MATCH_N_CATEGORIES
} match_category;

/** Stable English name for JSON: "student", "guardian", "teacher", "staff". */
const char *match_category_name(match_category c);
/** French plural label (translated): "Élèves", "Responsables", "Professeurs", "Personnels". */
const char *match_category_label(match_category c);
/**
 * Parse a category as partners write it: eleve / élève / student, responsable / parent /
 * guardian, professeur / enseignant / teacher, personnel / staff (case and accents ignored).
 */
bool match_category_parse(match_category *out, const char *s, size_t len);
/** The kind of hub record of a category (teachers and other staff are both STAFF). */
relais_kind match_category_kind(match_category c);

/* ---------------------------------------------------------- person lists */

#define MATCH_ANY_ESTAB UINT32_MAX

/**
 * One person of a list. Strings are UTF-8 as written by the source, NULL when
 * absent; they live in the list's arena.
 */
typedef struct match_person {
    const char *id;    /* partner id; for hub persons the SIECLE / STS id (ELEVE_ID…) */
    int64_t relais_id; /* hub: internal id of the record; partner: 0 */
    uint32_t estab;    /* index in the list's establishments, or MATCH_ANY_ESTAB */
    uint8_t category;  /* match_category */
    char sexe;         /* 'M', 'F' or 0 */
    const char *nom;   /* birth (family) name */
    const char *nom_usage;
    const char *prenoms; /* every first name; ',' separates given names ("Jean-Pierre, Louis") */
    const char *date_naissance; /* ISO YYYY-MM-DD */
    const char *ine;
    const char *email;
    const char *phones; /* several numbers joined by '|' */
    const char *code_postal;
    const char *classe;    /* class (division) code */
    const char *adresse;   /* address lines joined by '|' (hub guardians, for duplicates) */
    const char *login;     /* ENT login (ENT identifiers file) */
    const char *uai;       /* partner lists: establishment given by the file, or NULL */
    const char *siecle_id; /* partner lists: the SIECLE id when the partner knows it (AAF) */
    uint32_t *children;    /* guardians: indices of their children in the same list */
    uint32_t n_children;
    unsigned long line; /* line of the source file (partner lists), 0 otherwise */
} match_person;

typedef struct match_estab {
    const char *uai;
    int64_t scope_id;
} match_estab;

typedef struct match_list {
    match_person *persons;
    size_t n, cap;
    match_estab *estabs;
    size_t n_estabs, cap_estabs;
    util_arena *arena;
    bool failed; /* an allocation of match_list_str failed */
} match_list;

int match_list_new(match_list **out);
void match_list_free(match_list *l);
/** Append a zeroed person (estab MATCH_ANY_ESTAB); *index receives its index. */
int match_list_add(uint32_t *index, match_list *l);
/** Copy (s, len), trimmed, into the list's arena; NULL when empty (on ENOMEM too, setting
 * l->failed). */
const char *match_list_str(match_list *l, const char *s, size_t len);
/** Set the children of person `guardian` (copied). */
int match_list_set_children(match_list *l, uint32_t guardian, const uint32_t *children, size_t n);
/** Add an establishment; *index receives its index. */
int match_list_add_estab(uint32_t *index, match_list *l, const char *uai, int64_t scope_id);

/* --------------------------------------------------------------- readers */

typedef enum match_format {
    MATCH_FORMAT_AUTO, /* detected from the content */
    MATCH_FORMAT_CSV,  /* docs/formats/partner-csv.md */
    MATCH_FORMAT_ENT,  /* ENT-Identifiants.csv */
    MATCH_FORMAT_AAF,  /* AAF ficAlimMENESR person files (XML, zip or a directory) */
} match_format;

const char *match_format_name(match_format f); /* "csv", "ent", "aaf" */

/** A row the reader skipped or doubted: line, stable code, French message. */
typedef void (*match_warn_cb)(unsigned long line, const char *code, const char *message,
                              void *payload);

typedef struct match_read_options {
    match_format format;   /* MATCH_FORMAT_AUTO by default */
    const char *file_name; /* for messages */
    match_warn_cb warn;    /* may be NULL */
    void *payload;
    /* The partner's name: a CSV without an id column takes its ids from the column of
     * that name (the identifiers export read back). May be NULL. */
    const char *partner;
} match_read_options;

#define MATCH_READ_OPTIONS_INIT                                                                    \
    {                                                                                              \
        MATCH_FORMAT_AUTO, NULL, NULL, NULL, NULL                                                  \
    }

/**
 * Read a partner person list from memory. Rows with problems (unknown
 * category, invalid date, duplicate id…) are skipped or corrected with a
 * warning; a file that cannot be read as a list (no header, a required column
 * missing, invalid UTF-8) is RELAIS_EINVALID with file and line in the message.
 * *detected (may be NULL) receives the format read. Caller frees *out.
 */
int match_read_buffer(match_list **out, match_format *detected, const char *data, size_t len,
                      const match_read_options *opt);
/** Same, from a file. */
int match_read_file(match_list **out, match_format *detected, const char *path,
                    const match_read_options *opt);
/**
 * Same, from several files read into one list (links between them resolved at
 * the end): CSV files, or AAF person files — XML, zip, or a directory of an
 * AAF delivery, whose Eleve, PersRelEleve, PersEducNat and EtabEducNat files
 * are read. *detected gets AAF when any AAF file was read.
 */
int match_read_files(match_list **out, match_format *detected, const char *const *paths,
                     size_t n_paths, const match_read_options *opt);

/* ---------------------------------------------------------------- engine */

typedef enum match_decision {
    MATCH_NONE,
    MATCH_KEY,    /* an identifier: INE, or a link already in the crosswalk */
    MATCH_AUTO,   /* the score, uncontested, above the automatic threshold */
    MATCH_MANUAL, /* decided by a person (relais match accept) */
    MATCH_REVIEW, /* a candidate to check by hand */
} match_decision;

/** "key", "auto", "manual", "review" ("" for MATCH_NONE). */
const char *match_decision_name(match_decision d);

/* Reasons behind a score (bits of match_link.reasons). */
typedef uint64_t match_reasons;
#define MATCH_R(bit) ((match_reasons)1 << (bit))
#define MATCH_R_INE MATCH_R(0)       /* same INE */
#define MATCH_R_CROSSWALK MATCH_R(1) /* link already in the crosswalk */
#define MATCH_R_SURNAME_EXACT MATCH_R(2)
#define MATCH_R_SURNAME_USAGE MATCH_R(3)   /* birth name on one side, usage name on the other */
#define MATCH_R_SURNAME_PARTIAL MATCH_R(4) /* one part of a compound surname */
#define MATCH_R_SURNAME_CLOSE MATCH_R(5)   /* a typing error away */
#define MATCH_R_SURNAME_DIFFERS MATCH_R(6)
#define MATCH_R_FIRST_EXACT MATCH_R(7)
#define MATCH_R_FIRST_PREFIX MATCH_R(8) /* only some of the first names on one side */
#define MATCH_R_FIRST_OTHER MATCH_R(9)  /* a later first name used as the first */
#define MATCH_R_FIRST_CLOSE MATCH_R(10)
#define MATCH_R_DATE_EXACT MATCH_R(11)
#define MATCH_R_DATE_SWAPPED MATCH_R(12) /* day and month exchanged */
#define MATCH_R_DATE_TYPO MATCH_R(13)    /* one digit differs or two are exchanged */
#define MATCH_R_DATE_MISSING MATCH_R(14)
#define MATCH_R_SEX_DIFFERS MATCH_R(15)
#define MATCH_R_POSTCODE MATCH_R(16)
#define MATCH_R_POSTCODE_DIFFERS MATCH_R(17)
#define MATCH_R_EMAIL MATCH_R(18)
#define MATCH_R_PHONE MATCH_R(19)
#define MATCH_R_CLASS MATCH_R(20)
#define MATCH_R_CLASS_DIFFERS MATCH_R(21)
#define MATCH_R_CHILDREN MATCH_R(22) /* children matched to each other (count in n_children) */
#define MATCH_R_CHILDREN_DIFFER MATCH_R(23)
#define MATCH_R_INE_DIFFERS MATCH_R(24)
#define MATCH_R_CATEGORY_DIFFERS MATCH_R(25) /* teacher on one side, other staff on the other */
#define MATCH_R_COMPETING MATCH_R(26)        /* another candidate scores almost as well */
#define MATCH_R_DUPLICATE MATCH_R(27) /* the hub person is linked to a look-alike partner record   \
                                       */
#define MATCH_R_LOW_SCORE MATCH_R(28) /* below the automatic threshold */
#define MATCH_R_SEX_AGREES MATCH_R(29)
#define MATCH_R_ADDRESS MATCH_R(30)       /* same address (duplicates inside the hub) */
#define MATCH_R_FIRST_PARTIAL MATCH_R(31) /* part of a compound first name (Jean / Jean-Pierre) */
#define MATCH_R_SIECLE_ID MATCH_R(32)     /* the partner gives the SIECLE id (AAF) */
#define MATCH_N_REASONS 33

/* Evidence beyond names: without any of it a pair is never linked automatically. */
#define MATCH_R_NON_NAME                                                                           \
    (MATCH_R_INE | MATCH_R_SIECLE_ID | MATCH_R_DATE_EXACT | MATCH_R_DATE_SWAPPED |                 \
     MATCH_R_DATE_TYPO | MATCH_R_POSTCODE | MATCH_R_EMAIL | MATCH_R_PHONE | MATCH_R_CLASS |        \
     MATCH_R_CHILDREN | MATCH_R_ADDRESS)
/* First-name evidence too weak to link automatically (twins are often named so). */
#define MATCH_R_WEAK_FIRST (MATCH_R_FIRST_OTHER | MATCH_R_FIRST_PARTIAL)

/** Stable code of reason bit `bit` (0..MATCH_N_REASONS-1): "surname_exact"…; NULL if unused. */
const char *match_reason_code(unsigned bit);
/** French label (translated) of reason bit `bit`. */
const char *match_reason_label(unsigned bit);

/** A link known before the run (crosswalk): partner index → hub index. */
typedef struct match_pin {
    uint32_t partner, hub;
    uint8_t decision; /* MATCH_KEY, MATCH_AUTO or MATCH_MANUAL: its provenance */
} match_pin;

/** A pair that must never be linked (relais match reject). */
typedef struct match_pair {
    uint32_t partner, hub;
} match_pair;

typedef struct match_options {
    unsigned threads;        /* worker threads (0: 2) */
    double auto_threshold;   /* posterior log2-odds above which an uncontested pair is linked */
    double review_threshold; /* below it a candidate is not shown at all */
    double margin;           /* a second candidate within this many bits contests the first */
    double prior_in_hub;     /* probability that a partner person is in the hub */
} match_options;

#define MATCH_OPTIONS_INIT                                                                         \
    {                                                                                              \
        0, 8.0, 0.0, 5.0, 0.95                                                                     \
    }

/** One link or review candidate. */
typedef struct match_link {
    uint32_t partner, hub;
    uint8_t decision;      /* match_decision */
    uint8_t n_children;    /* children matched to each other (guardians) */
    match_reasons reasons; /* MATCH_R_* */
    float score;           /* posterior log2-odds that the two are one person */
} match_link;

enum { MATCH_OUT_UNMATCHED, MATCH_OUT_MATCHED, MATCH_OUT_REVIEW };

typedef struct match_result {
    /* Links (key, auto, manual) and review candidates, ordered by partner index, then links
     * before candidates, then decreasing score. */
    match_link *links;
    size_t n_links;
    uint8_t *partner_outcome; /* per partner person: MATCH_OUT_* */
    uint8_t *hub_matched;     /* per hub person: 1 when linked */
    size_t n_pairs_scored;    /* statistics */
} match_result;

/**
 * Match `partner` against `hub`. Pins are links that stand (manual ones
 * always; key and auto ones while both persons are there); rejected pairs are
 * never proposed. Persons are linked one-to-one within an establishment and a
 * category. Caller frees *out with match_result_free.
 */
int match_run(match_result **out, const match_list *partner, const match_list *hub,
              const match_pin *pins, size_t n_pins, const match_pair *rejected, size_t n_rejected,
              const match_options *opt);
void match_result_free(match_result *r);

/** Score one pair (for tests and explanations): posterior log2-odds, reasons; false when vetoed. */
bool match_score_pair(double *score, match_reasons *reasons, const match_list *partner, uint32_t p,
                      const match_list *hub, uint32_t h);

/* ------------------------------------------------------------ duplicates */

/** A proposal: hub persons a and b may be one person. */
typedef struct match_dup {
    uint32_t a, b;
    uint8_t n_children;
    match_reasons reasons;
    float score;
} match_dup;

/**
 * Guardians of `hub` that look like one person recorded twice within an
 * establishment (an accent typo, one parent in two families' files): scored
 * with names, birth date, children, address, phone and e-mail. Never merges.
 * Caller frees *out with util_free. Ordered by decreasing score.
 */
int match_duplicates(match_dup **out, size_t *n, const match_list *hub, const match_options *opt);

/* -------------------------------------------------- the hub and the store */

/**
 * Load the active students, guardians and staff of school year `year` (of one
 * establishment when `uai` is not NULL) with what matching uses: names,
 * birth date, sex, INE, contacts, postcode, class, and each guardian's
 * children. Caller frees *out.
 */
int match_hub_load(match_list **out, relais_store *s, int year, const char *uai);

/** Links of application `partner` already in the crosswalk, and the rejected pairs. */
int match_crosswalk_load(match_pin **pins, size_t *n_pins, match_pair **rejected,
                         size_t *n_rejected, relais_store *s, const char *partner,
                         const match_list *partner_list, const match_list *hub);

/** Counters of one run, per category (summary of the report). */
typedef struct match_summary {
    size_t hub[MATCH_N_CATEGORIES];
    size_t partner[MATCH_N_CATEGORIES];
    size_t matched[MATCH_N_CATEGORIES];
    size_t review[MATCH_N_CATEGORIES];
    size_t unmatched_partner[MATCH_N_CATEGORIES];
    size_t unmatched_hub[MATCH_N_CATEGORIES];
} match_summary;

void match_summarize(match_summary *out, const match_list *partner, const match_list *hub,
                     const match_result *r);

/**
 * Plan the crosswalk links of a result: an XREF record (application
 * `partner`, category = kind name, external id = partner id) per link, with
 * provenance key/auto/manual; existing links are touched (unchanged, last
 * seen) and manual ones never changed. Links of persons the list no longer
 * holds (in its categories, in the hub's establishments) are deactivated,
 * except manual ones. For ENT lists, the login is kept too, under application
 * "<partner>.login".
 */
int match_plan_links(relais_plan *p, relais_store *s, const char *partner,
                     const match_list *partner_list, const match_list *hub, const match_result *r);

/**
 * A manual decision: link partner id `partner_id` to hub record `relais_id`
 * (accept), or never link them (reject). With relais_id 0, accept confirms the
 * current link (it becomes manual) and reject refuses the current links.
 * `uai` (may be NULL) restricts to one establishment. RELAIS_ENOTFOUND when
 * there is nothing to decide on.
 */
int match_plan_decision(relais_plan *p, relais_store *s, const char *partner,
                        const char *partner_id, int64_t relais_id, bool accept, const char *uai,
                        int year);

/* ------------------------------------------------- the file for the partner */

typedef enum match_export_format { MATCH_EXPORT_CSV, MATCH_EXPORT_XML } match_export_format;

/**
 * Write the crosswalk of application `partner` for school year `year` (the
 * establishments `uais`, or all when n_uais is 0) as the file handed back to
 * the partner (docs/formats/rapprochement.md): per person the partner id and
 * the hub's identifiers. Appends to `out`.
 */
int match_export_write(util_buf *out, relais_store *s, const char *partner, int year,
                       const char *const *uais, size_t n_uais, match_export_format fmt);

#endif
